from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class ServiceRating(models.Model):
    """The applicant's rating of a completed application (好差评): once per application, never edited."""

    class Score(models.IntegerChoices):
        # The five named levels of the government-service rating scheme (好差评).
        VERY_SATISFIED = 5, _("非常满意")
        SATISFIED = 4, _("满意")
        FAIRLY_SATISFIED = 3, _("基本满意")
        DISSATISFIED = 2, _("不满意")
        VERY_DISSATISFIED = 1, _("非常不满意")

    application = models.OneToOneField(
        "workflow.Application", verbose_name=_("申请"), on_delete=models.CASCADE, related_name="rating"
    )
    score = models.PositiveSmallIntegerField(_("评分"), choices=Score.choices)
    comment = models.TextField(_("评价内容"), blank=True)
    rated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("评价人"), on_delete=models.PROTECT, related_name="service_ratings"
    )
    created_at = models.DateTimeField(_("评价时间"), auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("服务评价")
        verbose_name_plural = _("服务评价（好差评）")
        constraints = [
            models.CheckConstraint(condition=Q(score__gte=1, score__lte=5), name="service_rating_score_1_to_5"),
        ]

    def __str__(self) -> str:
        return f"#{self.application_id} {self.get_score_display()}"
