"""Application states. Meaning lives in these sets, not in the strings."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Status(models.TextChoices):
    DRAFT = "draft", _("草稿")
    SUBMITTED = "submitted", _("已提交")
    PRE_REVIEW = "pre_review", _("待受理")
    RETURNED = "returned", _("已退回补正")
    UNDER_REVIEW = "under_review", _("审核中")
    PENDING_APPROVAL = "pending_approval", _("待审批")
    PUBLICITY = "publicity", _("公示中")
    APPROVED = "approved", _("已批准")
    REJECTED = "rejected", _("不予批准")
    WITHDRAWN = "withdrawn", _("已撤回")
    COMPLETED = "completed", _("已办结")


_LABELS = dict(Status.choices)


def status_label(value: str) -> str:
    """A state's label in the active language. Django's ``get_status_display()`` hashes, so translates,
    every state's label on each call: eleven look-ups per row of a list instead of one."""
    return str(_LABELS.get(value, value))


# Finished for good: nothing more happens to these.
TERMINAL = frozenset({Status.WITHDRAWN, Status.REJECTED, Status.COMPLETED})
CLOSED = TERMINAL | {Status.DRAFT}
# "Open" as API.md defines it: every state but draft, withdrawn, rejected and completed.
OPEN = frozenset(s for s in Status.values if s not in CLOSED)
# States in which the decision clock runs (between acceptance and decision).
CLOCK_RUNNING = frozenset({Status.UNDER_REVIEW, Status.PENDING_APPROVAL})
