"""Row locks in one place (Saleor's lock_objects.py habit): use inside short transactions."""

from django.db.models import QuerySet

from .models import Quota


def quota_qs_select_for_update() -> QuerySet[Quota]:
    return Quota.objects.select_for_update(of=("self",)).order_by("pk")
