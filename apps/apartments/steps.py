"""The talent apartment application (``apartment``) in the shared workflow.

``data``: ``{"batch": id, "layouts": ["2b", "1b"]}`` (wanted layouts, best first). A draft may be
saved without them; when given they are checked at once, and submitting needs them. Approved = in
the batch's pool for the draw; fulfil closes the case once the talent holds a lease from it.
"""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from django.utils.translation import gettext

from apps.core.exceptions import Conflict, ValidationFailed
from apps.talents.models import Talent
from apps.talents.selectors import verified_category_codes
from apps.workflow.engine import ServiceSteps

from .models import Batch, Lease
from .selectors import batch_offered_layouts


def _batch_open(batch: Batch) -> bool:
    today = timezone.localdate()
    return batch.status == Batch.Status.OPEN and batch.opens_on <= today <= batch.closes_on


class ApartmentSteps(ServiceSteps):
    def _clean_fields(self, data: dict[str, Any], *, required: bool) -> Batch | None:
        batch_id = data.get("batch")
        if batch_id is None:
            if required:
                raise ValidationFailed({"batch": [gettext("请选择配租批次")]})
            if "layouts" in data:
                raise ValidationFailed({"batch": [gettext("请选择配租批次")]})
            return None
        if isinstance(batch_id, bool) or not isinstance(batch_id, int):
            raise ValidationFailed({"batch": [gettext("配租批次须为编号（整数）")]})
        batch = Batch.objects.filter(pk=batch_id).first()
        if batch is None:
            raise ValidationFailed({"batch": [gettext("没有该配租批次：%(id)s") % {"id": batch_id}]})
        if not _batch_open(batch):
            raise Conflict({"batch": [gettext("配租批次「%(name)s」不在申请期内") % {"name": batch.name}]})
        layouts = data.get("layouts")
        if not isinstance(layouts, list) or not layouts or not all(isinstance(x, str) for x in layouts):
            raise ValidationFailed({"layouts": [gettext('请按意向先后列出户型，如 ["2b", "1b"]')]})
        if len(set(layouts)) != len(layouts):
            raise ValidationFailed({"layouts": [gettext("户型不能重复")]})
        offered = batch_offered_layouts(batch.pk)
        if unknown := [x for x in layouts if x not in offered]:
            raise ValidationFailed(
                {
                    "layouts": [
                        gettext("本批次没有这些户型：%(unknown)s（可选：%(offered)s）")
                        % {"unknown": ", ".join(unknown), "offered": ", ".join(sorted(offered))}
                    ]
                }
            )
        return batch

    def clean_data(self, data: dict[str, Any], *, application: Any) -> dict[str, Any]:
        data = super().clean_data(data, application=application)
        self._clean_fields(data, required=False)
        return data

    def _eligibility(self, application: Any) -> None:
        batch = self._clean_fields(application.data or {}, required=True)
        assert batch is not None
        talent = application.applicant
        if batch.eligible_categories and not (verified_category_codes(talent) & set(batch.eligible_categories)):
            raise ValidationFailed({"categories": [gettext("没有经核验的本批次可申请人才类别")]})
        if not talent.employer_id or talent.employment_status != Talent.EmploymentStatus.CONFIRMED:
            raise ValidationFailed({"employer": [gettext("工作单位须为本区用人单位并经单位确认")]})
        if Lease.objects.filter(tenant=talent, status=Lease.Status.CURRENT).exists():
            raise Conflict({"applicant": [gettext("已承租人才公寓，不能再申请")]})

    def eligibility_problems(self, application: Any) -> list[str]:
        try:
            self._eligibility(application)
        except (ValidationFailed, Conflict) as exc:
            return [m for messages in exc.messages_by_field().values() for m in messages]
        return []

    def on_submit(self, application: Any, *, actor: Any, inputs: dict[str, Any]) -> None:
        self._eligibility(application)

    def on_resubmit(self, application: Any, *, actor: Any, inputs: dict[str, Any]) -> None:
        self._eligibility(application)

    def on_approve(self, application: Any, *, actor: Any, inputs: dict[str, Any]) -> None:
        # Approved = in the pool: only while the batch still takes applications.
        batch = Batch.objects.filter(pk=(application.data or {}).get("batch")).first()
        if batch is None or batch.status != Batch.Status.OPEN:
            raise Conflict(gettext("配租批次已封存，不能再纳入摇号名单"))

    def on_fulfil(self, application: Any, *, actor: Any, inputs: dict[str, Any]) -> None:
        lease = Lease.objects.filter(application=application).select_related("unit__building").first()
        if lease is None:
            raise Conflict(gettext("申请人尚未接受配租、签订租约"))
        application.result = {
            **application.result,
            "unit": lease.unit_id,
            "unit_name": str(lease.unit),
            "lease_start": lease.start.isoformat(),
            "lease_end": lease.end.isoformat(),
        }
