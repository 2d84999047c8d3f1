"""Demo applications in every state of the workflow, made through the real services.

The two demo HR users apply for their enterprises' talents; the demo staff accounts (clerk_demo,
reviewer_demo, approver_demo) take the staff actions, so acceptance dates, deadlines, supplement
deadlines, quota spending and card issue all come from the engine. ``talent_demo`` gets a completed
green card (B) and a withdrawn apartment application — nothing open, so the demo can start a fresh
application as that user. Two applications come from a green card holder, so the staff queue shows
the holder's priority. The open applications end up assigned to the account whose step is next
(``_assign_open``), so each demo staff account finds work under "mine", and one new arrival waits
unassigned.

One exception: the ``submitted`` sample is written directly. A real submit queues the automatic
pre-check for after commit, and with eager Celery (the embedded default) it would move to
``pre_review`` at once; the sample stands for an application whose pre-check has not run yet.

Idempotent: when the demo HR users already have applications, nothing is added.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from . import services
from .models import Application, ApplicationEvent, ServiceDefinition
from .states import OPEN, Status

# A minimal well-formed PDF and PNG: the upload service checks the content, not the name.
PDF_BYTES = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)
PNG_BYTES = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
    b"\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82"
)

DEMO_USERNAMES = ("hr_demo", "hr_demo2", "talent_demo", "clerk_demo", "reviewer_demo", "approver_demo")


class _Maker:
    """Drives applications through the services as the demo users would."""

    def __init__(self, users: dict[str, Any]):
        self.users = users
        self.clerk = users["clerk_demo"]
        self.reviewer = users["reviewer_demo"]
        self.approver = users["approver_demo"]
        self.required: dict[str, list[str]] = {}
        self.photo_codes: set[tuple[str, str]] = set()
        for service in ServiceDefinition.objects.prefetch_related("materials"):
            self.required[service.code] = [m.code for m in service.materials.all() if m.required]
            for m in service.materials.all():
                if m.accepted_types and "pdf" not in m.accepted_types:
                    self.photo_codes.add((service.code, m.code))
        self.count = 0

    def create(self, user: Any, service: str, talent: Any | None = None) -> int:
        data = None
        if service == "apartment":
            # An apartment application names its batch and layouts: the apartments demo's open batch.
            from apps.apartments.demo import open_batch_application_data

            data = open_batch_application_data()
        application = services.application_create(
            user=user, service_code=service, talent_id=talent.pk if talent is not None else None, data=data
        )
        self.count += 1
        return application.pk

    def upload(self, user: Any, app_id: int, service: str, codes: list[str]) -> None:
        for code in codes:
            png = (service, code) in self.photo_codes
            upload = SimpleUploadedFile(
                f"{code}.{'png' if png else 'pdf'}",
                PNG_BYTES if png else PDF_BYTES,
                content_type="image/png" if png else "application/pdf",
            )
            services.attachment_upload(application_id=app_id, user=user, material_code=code, upload=upload)

    def act(self, app_id: int, action: str, actor: Any, **inputs: Any) -> Application:
        return services.application_act(application_id=app_id, action=action, actor=actor, inputs=inputs)

    def submitted(self, user: Any, service: str, talent: Any | None = None, *, leave_out: tuple[str, ...] = ()) -> int:
        """A new application with every required material but ``leave_out``, submitted and pre-checked
        (the pre-check is run here: inside the seed's transaction the after-commit one would be late)."""
        app_id = self.create(user, service, talent)
        self.upload(user, app_id, service, [c for c in self.required[service] if c not in leave_out])
        self.act(app_id, "submit", user)
        services.application_precheck(application_id=app_id)
        return app_id

    def accepted(self, user: Any, service: str, talent: Any | None = None, **kwargs: Any) -> int:
        app_id = self.submitted(user, service, talent, **kwargs)
        self.act(app_id, "accept", self.clerk, note="材料齐全，予以受理")
        return app_id

    def recommended(self, user: Any, service: str, talent: Any | None = None) -> int:
        app_id = self.accepted(user, service, talent)
        self.act(app_id, "recommend", self.reviewer, note="经审核，符合条件，建议批准")
        return app_id

    def approved(self, user: Any, service: str, talent: Any | None = None) -> int:
        app_id = self.recommended(user, service, talent)
        self.act(app_id, "approve", self.approver, note="同意")
        return app_id

    def completed(self, user: Any, service: str, talent: Any | None = None) -> int:
        app_id = self.approved(user, service, talent)
        self.act(app_id, "fulfil", self.clerk, note="已发证")
        return app_id

    def verify_categories(self, app_id: int) -> None:
        """The reviewer verifies the applicant's unverified categories on the application."""
        from apps.talents.models import TalentCategoryHolding

        application = Application.objects.get(pk=app_id)
        pending = TalentCategoryHolding.objects.filter(talent_id=application.applicant_id, verified=False)
        for holding_id in pending.order_by("pk").values_list("pk", flat=True):
            services.application_category_verify(
                application_id=app_id, holding_id=holding_id, verified=True, actor=self.reviewer
            )

    def submitted_pending_precheck(self, user: Any, service: str, talent: Any | None = None) -> int:
        """See the module docstring: the state an application holds until its pre-check runs."""
        app_id = self.create(user, service, talent)
        self.upload(user, app_id, service, self.required[service])
        application = Application.objects.select_related("applicant").get(pk=app_id)
        application.status = Status.SUBMITTED
        application.submitted_at = timezone.now()
        application.priority = 1 if application.applicant.is_green_card_holder else 0
        application.save(update_fields=["status", "submitted_at", "priority", "updated_at"])
        ApplicationEvent.objects.create(
            application=application, action="submit", from_status=Status.DRAFT, to_status=Status.SUBMITTED, actor=user
        )
        return app_id


def _enterprise_talents(user: Any) -> list[Any]:
    """The talents of the HR user's enterprise without an account of their own, in a fixed order."""
    from apps.enterprises.selectors import enterprise_for_user
    from apps.talents.models import Talent

    enterprise = enterprise_for_user(user)
    if enterprise is None:
        return []
    return list(Talent.objects.filter(employer=enterprise, user__isnull=True).order_by("pk"))


def _assign_open(make: _Maker, *, submitted_by: list[Any]) -> None:
    """Every demo staff account gets work in "mine", and "unassigned" keeps some: each stage's open
    applications go to the account whose step is next, as that person would take them (bulk
    assignment); of those waiting for intake the oldest stays unassigned, as new arrivals are."""
    open_apps = Application.objects.filter(submitted_by__in=submitted_by, status__in=sorted(OPEN)).order_by("pk")
    by_status: dict[str, list[int]] = {}
    for pk, status in open_apps.values_list("pk", "status"):
        by_status.setdefault(status, []).append(pk)
    intake = by_status.get(Status.PRE_REVIEW, []) + by_status.get(Status.RETURNED, [])
    plan = (
        (make.clerk, intake[1:] + by_status.get(Status.APPROVED, [])),
        (make.reviewer, by_status.get(Status.UNDER_REVIEW, [])),
        (make.approver, by_status.get(Status.PENDING_APPROVAL, [])),
    )
    for person, ids in plan:
        if ids:
            services.applications_assign(application_ids=ids, assignee=person, actor=person)


def seed(stdout=None) -> None:
    users = {u.username: u for u in get_user_model().objects.filter(username__in=DEMO_USERNAMES)}
    if Application.objects.filter(submitted_by__username__in=("hr_demo", "hr_demo2")).exists():
        if stdout:
            stdout.write("demo applications: already there")
        return
    a = _enterprise_talents(users["hr_demo"]) if "hr_demo" in users else []
    b = _enterprise_talents(users["hr_demo2"]) if "hr_demo2" in users else []
    if set(DEMO_USERNAMES) - set(users) or len(a) < 10 or len(b) < 10:
        if stdout:
            stdout.write("demo applications: skipped (run the accounts, enterprises and talents demos first)")
        return
    hr, hr2, me = users["hr_demo"], users["hr_demo2"], users["talent_demo"]
    make = _Maker(users)
    clerk, reviewer, approver = make.clerk, make.reviewer, make.approver

    # Green cards first: a holder's later applications get queue priority.
    make.completed(hr, "green_card", a[0])  # academician: A card, 5 years
    # talent_demo, district young talent: its category came unverified with the import, and only
    # verified categories count, so the reviewer verifies it on the application first. B card, 1 year.
    mine = make.accepted(me, "green_card")
    make.verify_categories(mine)
    make.act(mine, "recommend", reviewer, note="人才类别已核验，符合条件，建议批准")
    make.act(mine, "approve", approver, note="同意")
    make.act(mine, "fulfil", clerk, note="已发证")
    make.approved(hr2, "green_card", b[0])  # approved, card not yet issued
    make.accepted(hr2, "green_card", b[1])

    # Household registration (人才入户): every stage; approvals spend the employer's indicator quota.
    draft = make.create(hr, "hukou", a[1])
    make.upload(hr, draft, "hukou", make.required["hukou"][:3])
    make.submitted(hr, "hukou", a[2])
    with_missing = make.submitted(hr, "hukou", a[3], leave_out=("no_crime_record", "tax_record"))
    make.act(
        with_missing,
        "accept_with_missing",
        clerk,
        missing_materials=["no_crime_record", "tax_record"],
        problems=[],
        supplement_days=10,
        note="主要材料齐全，容缺受理",
    )
    make.recommended(hr, "hukou", a[4])
    make.completed(hr, "hukou", a[5])
    refused = make.submitted(hr, "hukou", a[6], leave_out=("social_insurance",))
    make.act(
        refused,
        "reject",
        clerk,
        reason="申请人在本区用人单位连续缴纳社会保险未满6个月，不符合引进人才入户条件。",
    )
    returned = make.submitted(hr2, "hukou", b[2], leave_out=("degree_cert", "xuexin_report"))
    make.act(
        returned,
        "return",
        clerk,
        missing_materials=["degree_cert", "xuexin_report"],
        problems=["劳动合同未加盖用人单位公章", "引进人才申请函落款日期早于劳动合同签订日期，请核对"],
        note="请一次性补正后重新提交",
    )
    make.accepted(hr2, "hukou", b[3])
    make.approved(hr2, "hukou", b[4])
    make.completed(hr2, "hukou", b[5])
    withdrawn = make.submitted(hr2, "hukou", b[6])
    make.act(withdrawn, "withdraw", hr2, note="员工已离职，撤回申请")

    # The green card holder a[0]: their applications come first in every staff queue.
    make.submitted(hr, "apartment", a[0])
    make.accepted(hr, "subsidy", a[0])

    # Apartments, subsidies, school places: the early stages and a refusal at approval.
    make.submitted_pending_precheck(hr2, "apartment", b[8])
    # A draft: talent_demo's employer is still a claim, which an apartment submission refuses.
    mine = make.create(me, "apartment")
    make.act(mine, "withdraw", me, note="已自行解决住房")
    subsidy_draft = make.create(hr, "subsidy", a[7])
    make.upload(hr, subsidy_draft, "subsidy", make.required["subsidy"][:2])
    not_approved = make.recommended(hr2, "subsidy", b[9])
    make.act(
        not_approved,
        "reject",
        approver,
        reason="用人单位上年度财务审计报告显示申报项目未实际投入运营，不符合扶持资金申报条件。",
    )
    school_returned = make.submitted(hr, "school_place", a[8], leave_out=("child_birth_cert",))
    make.act(
        school_returned,
        "return",
        clerk,
        missing_materials=["child_birth_cert"],
        problems=["户口簿缺少子女本人页"],
    )
    make.submitted(hr2, "school_place", b[7])
    make.create(hr, "school_place", a[9])
    make.act(make.accepted(hr2, "school_place", b[0]), "return", reviewer, problems=["企业推荐函未注明推荐名额序号"])

    _assign_open(make, submitted_by=[hr, hr2, me])

    if stdout:
        states = set(Application.objects.filter(submitted_by__in=[hr, hr2, me]).values_list("status", flat=True))
        stdout.write(f"demo applications: {make.count} through the workflow, in {len(states)} states")
