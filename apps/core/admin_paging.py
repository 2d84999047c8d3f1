"""Admin changelists that stay fast on tables of a million rows.

Django's changelist counts the rows on every page (``SELECT COUNT(*)``), twice when
``show_full_result_count`` is on; on PostgreSQL an exact count is a scan of the whole table. For
the unfiltered list an estimate is as good as exact for a pager, and PostgreSQL keeps one in
``pg_class.reltuples`` (refreshed by autovacuum/ANALYZE). A filtered or searched list is counted
only up to a cap (``SELECT COUNT(*) FROM (... LIMIT cap)``): exact below it, shown as "10000+" above
it, the cap moving ahead of the page asked for so every page stays reachable. So does SQLite, and
a table PostgreSQL has not analysed yet (there the count is exact up to the cap).
"""

from __future__ import annotations

from typing import Any

from django.core.paginator import Page, Paginator
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


class AtLeast(int):
    """A count that stopped at its cap: compares and pages as the number, reads "10000+"."""

    def __str__(self) -> str:
        return f"{int(self)}+"


class CappedCountPaginator(EstimatedCountPaginator):
    """``EstimatedCountPaginator`` whose exact count stops at ``count_cap`` rows, or further when a
    later page is asked for (``page_hint``): at most ``pages_ahead`` pages past it are counted.

    A filtered list over a million rows (every completed application, say) then reads at most that
    many index entries for its count instead of every matching row."""

    count_cap = 10_000
    pages_ahead = 10
    page_hint = 1
    # False: a capped count for the unfiltered list too (the API's ``count`` reads "at least").
    estimate_unfiltered = True
    # From this many skipped rows on, a page is fetched by its ids (``page``); 0: every page, so the
    # list's joins (select_related) run for the page's rows only, never for every row it sorts.
    deferred_join_from = 0

    @cached_property
    def count(self) -> int:
        qs = self.object_list
        if not isinstance(qs, QuerySet):
            return super().count
        if self.estimate_unfiltered and self._is_unfiltered(qs):
            estimate = estimated_row_count(qs.model, using=qs.db)
            if estimate is not None and estimate >= self.exact_below:
                return estimate
        cap = max(self.count_cap, (max(self.page_hint, 1) + self.pages_ahead) * self.per_page)
        counted = qs.order_by()[: cap + 1].count()
        return AtLeast(cap) if counted > cap else counted

    def page(self, number: Any) -> Any:
        """A page's rows by their ids: the ids first (the filter and the ordering over the table's
        own indexes, OFFSET included), then those rows with their joins, rather than joining every
        row sorted or skipped. One query more, whatever the page size."""
        qs = self.object_list
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        if not isinstance(qs, QuerySet) or bottom < self.deferred_join_from or qs.query.distinct:
            return super().page(number)
        top = bottom + self.per_page
        if top + self.orphans >= self.count:
            top = self.count
        ids = list(qs.values_list("pk", flat=True)[bottom:top])
        return Page(qs.filter(pk__in=ids), number, self)


class FastChangeListMixin:
    """For a ModelAdmin over a large table: estimated or capped count, no second full count."""

    paginator = CappedCountPaginator
    show_full_result_count = False

    def get_paginator(
        self, request: Any, queryset: Any, per_page: int, orphans: int = 0, allow_empty_first_page: bool = True
    ) -> Any:
        paginator = super().get_paginator(request, queryset, per_page, orphans, allow_empty_first_page)  # type: ignore[misc]
        try:
            # The changelist's page parameter (django.contrib.admin.views.main.PAGE_VAR), 1-based.
            paginator.page_hint = int(request.GET.get("p", 1))
        except ValueError:
            pass
        return paginator
