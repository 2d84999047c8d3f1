"""Admin building blocks shared by the apps."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone


class ReadOnlyAdminMixin:
    """Append-only records (ledgers, logs, events, issued cards): looked at, never added, changed or
    deleted by hand. Every write goes through a service."""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class RecentYearFilter(admin.SimpleListFilter):
    """A list filter offering this year and the ``years_back - 1`` before it; subclasses say what a
    year means for their rows in ``filter_year``."""

    years_back = 10

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        this_year = timezone.localdate().year
        return [(str(y), str(y)) for y in range(this_year, this_year - self.years_back, -1)]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        value = self.value() or ""
        if not value.isdigit():
            return queryset
        return self.filter_year(queryset, int(value))

    def filter_year(self, queryset: QuerySet, year: int) -> QuerySet:
        raise NotImplementedError
