"""Admin changelists that stay fast on tables of a million rows.

Django's changelist counts the rows on every page (``SELECT COUNT(*)``), twice when
``show_full_result_count`` is on; on PostgreSQL an exact count is a scan of the whole table. For
the unfiltered list an estimate is as good as exact for a pager, and PostgreSQL keeps one in
``pg_class.reltuples`` (refreshed by autovacuum/ANALYZE). Filtered or searched lists are usually
small and get a real count; so does SQLite, and a table PostgreSQL has not analysed yet.
"""

from __future__ import annotations

from typing import Any

from django.core.paginator import Paginator
from django.db import connections
from django.db.models import QuerySet
from django.utils.functional import cached_property


def estimated_row_count(model: Any, *, using: str = "default") -> int | None:
    """PostgreSQL's planner estimate of the rows in ``model``'s table, or None when unknown.

    ``reltuples`` is -1 for a table never vacuumed or analysed (PostgreSQL 14+) and 0 for one
    analysed while empty; both mean "ask for a real count"."""
    connection = connections[using]
    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT reltuples::bigint FROM pg_class WHERE oid = to_regclass(%s)",
            [connection.ops.quote_name(model._meta.db_table)],
        )
        row = cursor.fetchone()
    if row is None or row[0] is None or row[0] <= 0:
        return None
    return int(row[0])


class EstimatedCountPaginator(Paginator):
    """A paginator whose ``count`` is PostgreSQL's estimate for an unfiltered queryset.

    Below ``exact_below`` estimated rows the real count is cheap, and exact numbers matter more on
    small tables, so it counts. Use with ``show_full_result_count = False`` on the ModelAdmin."""

    exact_below = 10_000

    @cached_property
    def count(self) -> int:
        qs = self.object_list
        if isinstance(qs, QuerySet) and self._is_unfiltered(qs):
            estimate = estimated_row_count(qs.model, using=qs.db)
            if estimate is not None and estimate >= self.exact_below:
                return estimate
        return super().count

    @staticmethod
    def _is_unfiltered(qs: QuerySet) -> bool:
        query = qs.query
        return not query.where and not query.combinator and not query.is_sliced and not query.distinct


class FastChangeListMixin:
    """For a ModelAdmin over a large table: estimated count, no second full count."""

    paginator = EstimatedCountPaginator
    show_full_result_count = False
