"""Template tags of the staff admin: the index's "my work"."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django import template
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from .. import selectors

register = template.Library()

# Each count of "my work" and the changelist filter that lists exactly those applications.
MY_WORK = (
    ("mine", _("我的待办")),
    ("unassigned", _("未分配")),
    ("due_soon", _("2个工作日内到期")),
    ("overdue", _("已超期")),
)


@register.simple_tag(takes_context=True)
def my_work(context: Any) -> list[dict[str, Any]]:
    """``[{"queue", "label", "count", "url"}]`` for the signed-in staff member, or ``[]`` for anyone
    who may not look at applications. The counts are ``selectors.staff_queue_counts``: the same
    conditions as the queue filter each link opens."""
    request = context.get("request")
    user = getattr(request, "user", None)
    if not getattr(user, "is_district_staff", False) or not user.has_perm("workflow.view_application"):
        return []
    counts = selectors.staff_queue_counts(user)
    changelist = reverse("admin:workflow_application_changelist")
    return [
        {
            "queue": queue,
            "label": label,
            "count": counts[queue],
            "url": f"{changelist}?{urlencode({'queue': queue})}",
        }
        for queue, label in MY_WORK
    ]
