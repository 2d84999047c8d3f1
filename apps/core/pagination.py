"""The API's lists: ``{"count", "next", "previous", "results"}``, never a count of the whole table.

DRF's ``PageNumberPagination`` runs ``SELECT COUNT(*)`` over everything the caller may see on every
page; at a million applications that count was most of the list's time (issue 10). Here the count
stops at ``API_LIST_COUNT_CAP`` rows (``SELECT COUNT(*) FROM (... LIMIT cap + 1)``, the admin's
``CappedCountPaginator``): exact below the cap; above it ``count`` is the cap and ``count_capped``
is true, meaning "at least". Pages past the cap are still served, by LIMIT/OFFSET with one row more
than the page to tell whether a next page exists, and count nothing.

A count that reached the cap is kept in the cache for ``API_LIST_COUNT_CACHE_SECONDS`` per caller,
path and filters: "at least 10,000" stays true while rows are added, so the busy lists (staff's,
the whole table) stop counting 10,001 index entries on every page. An exact count is never cached.
"""

from __future__ import annotations

import functools
import hashlib
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.core.paginator import EmptyPage, Page, PageNotAnInteger
from django.db.models import QuerySet
from django.utils.functional import cached_property
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response

from apps.core.admin_paging import AtLeast, CappedCountPaginator

# PostgreSQL's OFFSET is a bigint; a page number past this is an empty page (404), never a 500.
MAX_OFFSET = 2**62


class PeekedPage(Page):
    """A page past the counted rows: whether a next one exists is known from one row fetched beyond it."""

    def __init__(self, object_list: Any, number: int, paginator: Any, *, more: bool) -> None:
        super().__init__(object_list, number, paginator)
        self.more = more

    def has_next(self) -> bool:
        return self.more

    def next_page_number(self) -> int:
        return self.number + 1

    def previous_page_number(self) -> int:
        return self.number - 1


class CappedCountApiPaginator(CappedCountPaginator):
    """The admin's capped count without its estimate or moving cap: ``count`` is exact up to
    ``count_cap`` rows, else ``AtLeast(count_cap)``; a page beyond the exact count is fetched with one
    extra row and counts nothing."""

    estimate_unfiltered = False
    pages_ahead = 0
    # Near the top a page is one query with its joins; deeper, its ids first, then its rows.
    deferred_join_from = 1_000

    def __init__(self, *args: Any, count_cache_key: str | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.count_cache_key = count_cache_key
        # Read per request so a test (override_settings) or a deployment can move it.
        self.count_cap = settings.API_LIST_COUNT_CAP

    @cached_property
    def count(self) -> int:
        """The parent's capped count, remembered once it reached the cap."""
        key, seconds = self.count_cache_key, settings.API_LIST_COUNT_CACHE_SECONDS
        if key is None or not seconds or not isinstance(self.object_list, QuerySet):
            return super().count
        if cache.get(key):
            return AtLeast(self.count_cap)
        counted = super().count
        if isinstance(counted, AtLeast):
            cache.set(key, 1, seconds)
        return counted

    def page(self, number: Any) -> Any:
        qs = self.object_list
        if not isinstance(qs, QuerySet) or qs.query.combinator:
            return super(CappedCountPaginator, self).page(number)
        number = self._page_number(number)
        bottom = (number - 1) * self.per_page
        if bottom < self.count_cap and not isinstance(self.count, AtLeast):
            return super().page(number)
        rows = self._rows(qs, bottom, bottom + self.per_page + 1)
        if not rows and number > 1:
            raise EmptyPage(self.error_messages["no_results"])
        if bottom >= self.count_cap:
            # Rows past the cap exist, so there are more than the cap: no need to count them.
            self.__dict__["count"] = AtLeast(self.count_cap)
        return PeekedPage(rows[: self.per_page], number, self, more=len(rows) > self.per_page)

    def _page_number(self, number: Any) -> int:
        try:
            if isinstance(number, float) and not number.is_integer():
                raise ValueError
            number = int(number)
        except (TypeError, ValueError):
            raise PageNotAnInteger(self.error_messages["invalid_page"]) from None
        if number < 1:
            raise EmptyPage(self.error_messages["min_page"])
        return number

    def _rows(self, qs: QuerySet, bottom: int, top: int) -> list[Any]:
        """The rows ``bottom:top``; from ``deferred_join_from`` on by their ids first (as
        ``CappedCountPaginator.page``), so OFFSET skips index entries rather than joined rows."""
        if top > MAX_OFFSET:
            raise EmptyPage(self.error_messages["no_results"])
        if qs.query.distinct or bottom < self.deferred_join_from:
            return list(qs[bottom:top])
        ids = list(qs.values_list("pk", flat=True)[bottom:top])
        if not ids:
            return []
        by_pk = {row.pk: row for row in qs.filter(pk__in=ids)}
        return [by_pk[pk] for pk in ids if pk in by_pk]


class PortalPagination(PageNumberPagination):
    """``{"count", "next", "previous", "results"}``; ``page_size`` up to 100. ``count`` is exact up to
    ``API_LIST_COUNT_CAP`` rows; past that it is the cap and ``count_capped`` is added, true."""

    page_size = 20
    page_size_query_param = "page_size"
    max_page_size = 100
    django_paginator_class = CappedCountApiPaginator

    def paginate_queryset(self, queryset: Any, request: Any, view: Any = None) -> Any:
        # A capped count is remembered per caller, path and filters: the same caller asking the same
        # list sees the same rows (keyed on the request, not the SQL: no query compiled for the key).
        filters = sorted(
            (k, v)
            for k, v in request.query_params.lists()
            if k not in (self.page_query_param, self.page_size_query_param)
        )
        raw = f"{request.user.pk}:{request.path}:{filters}:{settings.API_LIST_COUNT_CAP}"
        key = "api-count:" + hashlib.sha256(raw.encode()).hexdigest()
        self.django_paginator_class = functools.partial(CappedCountApiPaginator, count_cache_key=key)  # type: ignore[assignment]
        return super().paginate_queryset(queryset, request, view)

    def get_paginated_response(self, data: Any) -> Response:
        count = self.page.paginator.count
        body: dict[str, Any] = {"count": int(count)}
        if isinstance(count, AtLeast):
            body["count_capped"] = True
        body.update(next=self.get_next_link(), previous=self.get_previous_link(), results=data)
        return Response(body)

    def get_paginated_response_schema(self, schema: dict[str, Any]) -> dict[str, Any]:
        response = super().get_paginated_response_schema(schema)
        cap = settings.API_LIST_COUNT_CAP
        response["properties"]["count"]["description"] = (
            f"The number of results, exact up to {cap}; past that {cap} with count_capped true "
            "(at least that many). Later pages are still served: follow next."
        )
        response["properties"] = {
            "count": response["properties"]["count"],
            "count_capped": {
                "type": "boolean",
                "description": f"Present, and true, only when there are more than {cap} results and count stopped there.",
            },
            **{k: v for k, v in response["properties"].items() if k != "count"},
        }
        return response
