from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from apps.core.admin_mixins import ReadOnlyAdminMixin

from .models import ServiceRating


@admin.register(ServiceRating)
class ServiceRatingAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Read-only: ratings are the applicants' own words, written by ``services.rating_submit`` only."""

    list_display = ("created_at", "score", "service", "application_number")
    list_filter = ("score", ("application__service", admin.RelatedOnlyFieldListFilter))
    list_select_related = ("application__service",)
    search_fields = ("application__number",)
    date_hierarchy = "created_at"
    ordering = ("-created_at", "-id")
    fields = ("application", "application_number", "service", "score", "comment", "rated_by", "created_at")
    readonly_fields = fields

    @admin.display(description=_("服务事项"), ordering="application__service__name")
    def service(self, obj: ServiceRating) -> str:
        return obj.application.service.name

    @admin.display(description=_("申请编号"), ordering="application__number")
    def application_number(self, obj: ServiceRating) -> str:
        return obj.application.number or ""
