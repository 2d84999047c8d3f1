"""Every write of engagement: service ratings (好差评)."""

from __future__ import annotations

import re
from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext

from apps.core.exceptions import Conflict, NotFound, NotPermitted, ValidationFailed
from apps.workflow import selectors as workflow_selectors
from apps.workflow.models import Application
from apps.workflow.states import Status

from .models import ServiceRating

COMMENT_MAX_CHARS = 1000
_DIGITS = re.compile(r"[0-9]{1,2}", re.ASCII)  # short: int() of 5,000 digits raises


def _locked_visible_application(application_id: int, user: Any) -> Application:
    """The application under a row lock, when ``user`` may see it; 404 otherwise (exists or not)."""
    application = (
        workflow_selectors.applications_visible_to(user)
        .select_for_update(of=("self",))
        .filter(pk=application_id)
        .first()
    )
    if application is None:
        raise NotFound(gettext("未找到该申请"))
    return application


def _rated(application: Application) -> bool:
    return ServiceRating.objects.filter(application_id=application.pk).exists()


def _clean_score(score: Any) -> int:
    """An integer 1..5, or a string of its digits (a web form posts strings). ``True`` is not 1 and
    ``5.0`` is not a score: both are refused rather than guessed at."""
    if score is None or score == "":
        raise ValidationFailed({"score": [gettext("请选择评分（1至5分）")]})
    if isinstance(score, str) and _DIGITS.fullmatch(score.strip()):
        score = int(score.strip())
    if isinstance(score, bool) or not isinstance(score, int) or not 1 <= score <= 5:
        raise ValidationFailed({"score": [gettext("评分须为1至5的整数")]})
    return score


def _clean_comment(comment: Any) -> str:
    if comment is None:
        return ""
    if not isinstance(comment, str):
        raise ValidationFailed({"comment": [gettext("评价内容须为文字")]})
    comment = comment.strip()
    if len(comment) > COMMENT_MAX_CHARS:
        raise ValidationFailed(
            {
                "comment": [
                    gettext("评价内容不能超过%(max)d个字（现有%(length)d个字）")
                    % {"max": COMMENT_MAX_CHARS, "length": len(comment)}
                ]
            }
        )
    # PostgreSQL text holds neither NUL nor a lone surrogate (JSON "\ud800"): refuse them here rather
    # than fail in the database.
    if "\x00" in comment or not _encodable(comment):
        raise ValidationFailed({"comment": [gettext("评价内容含有不允许的字符")]})
    return comment


def _encodable(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


@transaction.atomic
def rating_submit(*, application_id: int, user: Any, score: Any, comment: str = "") -> ServiceRating:
    """Rate a completed application, once: the talent it is for or the HR user who submitted it.

    404 not visible to ``user``; 403 not the applicant (staff included); 409 not completed, or rated
    already; 400 naming ``score`` or ``comment``. Under the application's row lock, so two ratings at
    once find each other; the one-to-one column is the backstop. Nothing is written on refusal."""
    application = _locked_visible_application(application_id, user)
    if not workflow_selectors.is_applicant(user, application):
        raise NotPermitted(gettext("只有申请人（或代为提交申请的企业人事）可以评价"))
    if application.status != Status.COMPLETED:
        raise Conflict(gettext("申请办结后才能评价"))
    if _rated(application):
        raise Conflict(gettext("该申请已评价，每件申请只能评价一次"))
    cleaned_score = _clean_score(score)
    cleaned_comment = _clean_comment(comment)
    try:
        with transaction.atomic():
            return ServiceRating.objects.create(
                application=application, score=cleaned_score, comment=cleaned_comment, rated_by=user
            )
    except IntegrityError:
        # Only the one-to-one can refuse a checked row: another rating got in first.
        raise Conflict(gettext("该申请已评价，每件申请只能评价一次"))
