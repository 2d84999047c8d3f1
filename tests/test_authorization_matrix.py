"""The authorisation matrix, walked: every object URL (an API endpoint, a download, a portal page, an
admin view of our own that takes an id) for every kind of caller, against the answer the permission
matrix (``apps.accounts.access``) and API.md's conventions give — and a refused request changes
nothing.

The world: two enterprises, each with an HR user; a talent employed (confirmed) at the first, whose
application that HR filed, with an identity document (the ID card) and an ordinary material; another
talent at the second; one account per staff role. Callers: anonymous, the owner (the applicant),
another talent, the HR of the owner's enterprise (who filed the application), another enterprise's
HR, and each staff role.

Answers: 401 for an anonymous API call, a redirect to the login page for an anonymous page; 404 for
an object the caller may not see (whether or not it exists); 403 for a role that may not use the
endpoint or take the action at all; 409 for the wrong state. Each call runs in a savepoint rolled
back afterwards, so every caller meets the same world.

``test_every_object_url_has_an_expectation`` walks the URL resolver: a new URL with an id in it and
no expectation here fails the suite, naming it, so nothing new escapes this table.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from rest_framework.test import APIClient

from apps.accounts import roles
from apps.engagement.models import ServiceRating
from apps.enterprises.models import Quota
from apps.notifications.models import Notification
from apps.talents import services as talent_services
from apps.talents.models import ProfileClaim, Talent, TalentCategory, TalentCategoryHolding
from apps.talents.tests.factories import HoldingFactory
from apps.workflow import services as workflow_services
from apps.workflow.models import Application, ApplicationEvent, Attachment, MaterialRequirement
from apps.workflow.states import Status
from apps.workflow.tests import factories as f

pytestmark = pytest.mark.django_db

ANON, OWNER, OTHER_TALENT, HR_OWN, HR_OTHER = "anonymous", "owner", "other_talent", "hr_own", "hr_other"
CLERK, REVIEWER, APPROVER, FINANCE, ADMIN = (
    roles.INTAKE_CLERK,
    roles.REVIEWER,
    roles.APPROVER,
    roles.FINANCE,
    roles.DISTRICT_ADMIN,
)
STAFF = (CLERK, REVIEWER, APPROVER, FINANCE, ADMIN)
CALLERS = (ANON, OWNER, OTHER_TALENT, HR_OWN, HR_OTHER, *STAFF)
CASEWORKERS = (CLERK, REVIEWER, APPROVER, ADMIN)  # staff who handle cases: identity documents too

DONE_SERVICE = "wf_test_done"
LOGIN = "login"  # a redirect to /accounts/login/
ADMIN_LOGIN = "admin_login"  # a redirect to /admin/login/


def answers(default: int | str, **by_caller: int | str) -> dict[str, int | str]:
    """Every caller answers ``default`` except those named (``owner=200``; staff roles by name)."""
    unknown = set(by_caller) - set(CALLERS)
    assert not unknown, unknown
    return {caller: by_caller.get(caller, default) for caller in CALLERS}


def staff(status: int | str, **others: int | str) -> dict[str, int | str]:
    return {role: status for role in STAFF} | others


# --- the world ---------------------------------------------------------------------------------


def _upload(application: Application, by: Any, material: str, content: bytes, name: str) -> Attachment:
    return workflow_services.attachment_upload(
        application_id=application.pk, user=by, material_code=material, upload=SimpleUploadedFile(name, content)
    )


def _person(role_user: Any, *, employer: Any, name: str) -> Talent:
    # Written by the system (actor None): the employment is confirmed, as HR's confirmation leaves it.
    return talent_services.talent_create(user=role_user, actor=None, name=name, employer=employer)


@pytest.fixture
def world(db) -> SimpleNamespace:
    f.service()
    f.service(DONE_SERVICE)  # the owner's second application: one open application per service
    MaterialRequirement.objects.filter(code="id_card").update(identity_document=True)
    ent_a, ent_b = f.enterprise("甲科技有限公司"), f.enterprise("乙科技有限公司")
    people: dict[str, Any] = {
        OWNER: f.user(roles.TALENT),
        OTHER_TALENT: f.user(roles.TALENT),
        HR_OWN: f.hr_user(ent_a),
        HR_OTHER: f.hr_user(ent_b),
        **f.staff_users(),
    }
    owner_profile = _person(people[OWNER], employer=ent_a, name="李华")
    other_profile = _person(people[OTHER_TALENT], employer=ent_b, name="王芳")
    holding = HoldingFactory(talent=owner_profile, category=TalentCategory.objects.get(code="postdoc"), year=2016)
    talent_services.holding_evidence_upload(
        talent=owner_profile,
        category_code="postdoc",
        upload=SimpleUploadedFile("cert.pdf", f.pdf_bytes(b"certificate")),
        actor=people[OWNER],
        source="api",
    )

    # The application HR filed for the owner, waiting for intake with every required material.
    filed = f.draft(people[HR_OWN], talent_id=owner_profile.pk)
    form = _upload(filed, people[HR_OWN], "application_form", f.pdf_bytes(b"form"), "form.pdf")
    id_card = _upload(filed, people[HR_OWN], "id_card", f.png_bytes(), "id.png")
    filed = f.drive(filed, Status.PRE_REVIEW, applicant=people[HR_OWN], staff=people)

    # The owner's own completed application: ratings and notices.
    done = f.draft(people[OWNER], code=DONE_SERVICE)
    _upload(done, people[OWNER], "application_form", f.pdf_bytes(b"form 2"), "form.pdf")
    _upload(done, people[OWNER], "id_card", f.png_bytes(), "id.png")
    done = f.drive(done, Status.COMPLETED, applicant=people[OWNER], staff=people)

    notification = Notification.objects.create(
        recipient=people[OWNER], event_key="authz:1", kind="application.approved", title="申请已获批准", body="已获批准"
    )
    claim = ProfileClaim.objects.create(
        talent=Talent.objects.create(name="待认领"),
        user=people[OWNER],
        code_hash="0" * 64,
        expires_at=done.completed_at.replace(year=done.completed_at.year + 1),
    )
    schools = _school_world(people, ent_a, owner_profile)  # issue 13: a round and a nomination
    apartments = _apartment_world(people, owner_profile, other_profile, done)  # issue 12
    return SimpleNamespace(
        apartments=apartments,
        schools=schools,
        people=people,
        ent_a=ent_a,
        ent_b=ent_b,
        owner_profile=owner_profile,
        other_profile=other_profile,
        holding=holding,
        filed=filed,
        form=form,
        id_card=id_card,
        done=done,
        notification=notification,
        claim=claim,
    )


def world_state() -> dict[str, Any]:
    """Everything a refused request must leave as it was."""
    return {
        "applications": list(Application.objects.order_by("pk").values_list("pk", "status", "assignee_id", "data")),
        "events": ApplicationEvent.objects.count(),
        "attachments": Attachment.objects.count(),
        "ratings": ServiceRating.objects.count(),
        "notifications": list(Notification.objects.order_by("pk").values_list("pk", "read_at")),
        "talents": list(Talent.objects.order_by("pk").values_list("pk", "name", "employer_id", "user_id")),
        "holdings": list(TalentCategoryHolding.objects.order_by("pk").values_list("pk", "verified", "evidence")),
        "claims": list(ProfileClaim.objects.order_by("pk").values_list("pk", "status", "attempts")),
        "quotas": list(Quota.objects.order_by("pk").values_list("pk", "used")),
    }


# --- the expectations --------------------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    name: str  # the URL's name (the route where it has none)
    method: str
    path: Callable[[SimpleNamespace], str]
    expect: dict[str, int | str]
    api: bool = True
    data: Callable[[SimpleNamespace], dict[str, Any]] | None = None
    multipart: bool = False
    note: str = ""
    writes: frozenset[str] = field(default_factory=frozenset)  # callers whose call may change things

    @property
    def id(self) -> str:
        return f"{self.method} {self.name}{' ' + self.note if self.note else ''}"


def A(w: SimpleNamespace) -> int:
    return w.filed.pk


# API: an application's parties are the owner (applicant) and the HR who filed it; staff see all.
APPLICATION_READ = answers(404, anonymous=401, owner=200, hr_own=200, **staff(200))
# Intake of an application waiting in pre-review: the clerk (and the district admin) only.
ACCEPT = answers(404, anonymous=401, owner=403, hr_own=403, **staff(403, intake_clerk=200, district_admin=200))
# Download of the ordinary material: the parties and every staff role; the ID card: not finance.
MATERIAL = APPLICATION_READ
IDENTITY_DOCUMENT = answers(404, anonymous=401, owner=200, hr_own=200, **{r: 200 for r in CASEWORKERS})
# Category evidence of the owner's profile: the owner, its enterprise's HR, staff but finance.
EVIDENCE = answers(404, anonymous=401, owner=200, hr_own=200, **{r: 200 for r in CASEWORKERS})
TALENT_DETAIL = answers(404, anonymous=401, owner=200, hr_own=200, **staff(200))
ENTERPRISE_A = answers(404, anonymous=401, hr_own=200, **staff(200))
# Only for talents (IsTalent): other roles 403 before anything is looked up.
TALENT_ONLY_OWN = answers(403, anonymous=401, owner=200, other_talent=404)
# Portal pages: /my/ is the talent's side, /hr/ HR's; another role on a side is 403, someone else's
# application 404, an anonymous visitor goes to the login page.
MY_PAGE = answers(403, anonymous=LOGIN, owner=200, other_talent=404)
HR_PAGE = answers(403, anonymous=LOGIN, hr_own=200, hr_other=404)
ADMIN_STAFF_ONLY = answers(ADMIN_LOGIN, **staff(200))


def _material_url(w: SimpleNamespace, attachment: Attachment) -> str:
    return f"/api/v1/applications/{w.filed.pk}/attachments/{attachment.pk}/download/"


CASES: list[Case] = [
    # --- API: applications
    Case("application-detail", "GET", lambda w: f"/api/v1/applications/{A(w)}/", APPLICATION_READ),
    Case(
        "application-detail",
        "PATCH",
        lambda w: f"/api/v1/applications/{A(w)}/",
        # Only a draft is edited: the parties meet the state (409), staff may not edit (403).
        answers(404, anonymous=401, owner=409, hr_own=409, **staff(403)),
        data=lambda w: {"data": {"note": "x"}},
    ),
    Case("application-events", "GET", lambda w: f"/api/v1/applications/{A(w)}/events/", APPLICATION_READ),
    Case("application-attachments", "GET", lambda w: f"/api/v1/applications/{A(w)}/attachments/", APPLICATION_READ),
    Case(
        "application-attachments",
        "POST",
        lambda w: f"/api/v1/applications/{A(w)}/attachments/",
        # Materials are uploaded by the parties, in a state that takes them (not pre-review: 409).
        answers(404, anonymous=401, owner=409, hr_own=409, **staff(403)),
        data=lambda w: {"material": "photo", "file": SimpleUploadedFile("p.png", f.png_bytes())},
        multipart=True,
    ),
    Case(
        "application-download",
        "GET",
        lambda w: _material_url(w, w.form),
        MATERIAL,
        note="ordinary material",
    ),
    Case(
        "application-download",
        "GET",
        lambda w: _material_url(w, w.id_card),
        IDENTITY_DOCUMENT,
        note="identity document",
    ),
    Case(
        "application-act",
        "POST",
        lambda w: f"/api/v1/applications/{A(w)}/actions/accept/",
        ACCEPT,
        writes=frozenset({CLERK, ADMIN}),
    ),
    Case(
        "application-act",
        "POST",
        lambda w: f"/api/v1/applications/{A(w)}/actions/withdraw/",
        answers(404, anonymous=401, owner=200, hr_own=200, **staff(403)),
        note="withdraw",
        writes=frozenset({OWNER, HR_OWN}),
    ),
    Case(
        "application-notices",
        "GET",
        lambda w: f"/api/v1/applications/{w.done.pk}/notices/",
        answers(404, anonymous=401, owner=200, **staff(200)),
    ),
    Case(
        "application-rating",
        "GET",
        lambda w: f"/api/v1/applications/{w.done.pk}/rating/",
        answers(404, anonymous=401),  # not rated yet: 404 for whoever may see it, too
    ),
    Case(
        "application-rating",
        "POST",
        lambda w: f"/api/v1/applications/{w.done.pk}/rating/",
        answers(404, anonymous=401, owner=201, **staff(403)),
        data=lambda w: {"score": 5, "comment": "好"},
        writes=frozenset({OWNER}),
    ),
    # --- API: the catalog (public)
    Case("service-detail", "GET", lambda w: "/api/v1/services/wf_test/", answers(200)),
    Case("public-service", "GET", lambda w: "/services/wf_test/", answers(200), api=False),
    # --- API: talents and enterprises
    Case("talent-detail", "GET", lambda w: f"/api/v1/talents/{w.owner_profile.pk}/", TALENT_DETAIL),
    Case(
        "talent-evidence",
        "GET",
        lambda w: f"/api/v1/talents/{w.owner_profile.pk}/categories/postdoc/evidence/",
        EVIDENCE,
    ),
    Case(
        "talent-me-evidence",
        "GET",
        lambda w: "/api/v1/talents/me/categories/postdoc/evidence/",
        # Each caller's own profile: only the owner holds postdoc with a file.
        answers(403, anonymous=401, owner=200, other_talent=404),
    ),
    Case(
        "talent-claim-confirm",
        "POST",
        lambda w: f"/api/v1/talents/me/claim/{w.claim.pk}/confirm/",
        # The claimant's wrong code is a 400 (an attempt counted: a change); another talent gets the
        # same 400 for a claim not theirs (no enumeration), and nothing changes.
        answers(403, anonymous=401, owner=400, other_talent=400),
        data=lambda w: {"code": "000000"},
        writes=frozenset({OWNER}),
    ),
    Case("enterprise-detail", "GET", lambda w: f"/api/v1/enterprises/{w.ent_a.pk}/", ENTERPRISE_A),
    Case(
        "enterprise-quotas",
        "GET",
        lambda w: f"/api/v1/enterprises/{w.ent_a.pk}/quotas/",
        # The quota list is HR's and staff's (403 for others); another enterprise's is a 404.
        answers(403, anonymous=401, hr_own=200, hr_other=404, **staff(200)),
    ),
    # --- API: notifications
    Case(
        "notification-read",
        "POST",
        lambda w: f"/api/v1/notifications/{w.notification.pk}/read/",
        answers(404, anonymous=401, owner=200),
        writes=frozenset({OWNER}),
    ),
    # --- portal pages: the applicant's side (/my/) and HR's (/hr/)
    Case("my-application", "GET", lambda w: f"/my/applications/{w.done.pk}/", MY_PAGE, api=False),
    Case(
        "my-application-edit",
        "GET",
        lambda w: f"/my/applications/{w.done.pk}/edit/",
        answers(403, anonymous=LOGIN, owner=302, other_talent=404),  # not a draft: back to its page
        api=False,
    ),
    Case(
        "my-application-materials",
        "GET",
        lambda w: f"/my/applications/{w.done.pk}/materials/",
        answers(403, anonymous=LOGIN, owner=200, other_talent=404),  # its materials, read-only once sent
        api=False,
    ),
    Case(
        "my-application-review",
        "GET",
        lambda w: f"/my/applications/{w.done.pk}/review/",
        answers(403, anonymous=LOGIN, owner=302, other_talent=404),
        api=False,
    ),
    Case(
        "my-application-action",
        "POST",
        lambda w: f"/my/applications/{w.done.pk}/actions/withdraw/",
        # A completed application cannot be withdrawn: the page says so (a redirect back, nothing changed).
        answers(403, anonymous=LOGIN, owner=302, other_talent=404),
        api=False,
    ),
    Case(
        "my-attachment",
        "GET",
        lambda w: (
            f"/my/applications/{w.done.pk}/attachments/{w.done.attachments.filter(material_code='id_card').first().pk}/"
        ),
        MY_PAGE,
        api=False,
    ),
    Case(
        "my-application-rate",
        "POST",
        lambda w: f"/my/applications/{w.done.pk}/rating/",
        answers(403, anonymous=LOGIN, owner=302, other_talent=404),
        data=lambda w: {"score": 5, "comment": "好"},
        api=False,
        writes=frozenset({OWNER}),
    ),
    Case(
        "my-notification-read",
        "POST",
        lambda w: f"/my/notifications/{w.notification.pk}/read/",
        answers(404, anonymous=LOGIN, owner=302),
        api=False,
        writes=frozenset({OWNER}),
    ),
    Case("hr-application", "GET", lambda w: f"/hr/applications/{A(w)}/", HR_PAGE, api=False),
    Case(
        "hr-application-edit",
        "GET",
        lambda w: f"/hr/applications/{A(w)}/edit/",
        answers(403, anonymous=LOGIN, hr_own=302, hr_other=404),
        api=False,
    ),
    Case(
        "hr-application-materials",
        "GET",
        lambda w: f"/hr/applications/{A(w)}/materials/",
        answers(403, anonymous=LOGIN, hr_own=200, hr_other=404),  # pre-review: materials may still be seen
        api=False,
    ),
    Case(
        "hr-application-review",
        "GET",
        lambda w: f"/hr/applications/{A(w)}/review/",
        answers(403, anonymous=LOGIN, hr_own=302, hr_other=404),
        api=False,
    ),
    Case(
        "hr-application-action",
        "POST",
        lambda w: f"/hr/applications/{A(w)}/actions/withdraw/",
        answers(403, anonymous=LOGIN, hr_own=302, hr_other=404),
        api=False,
        writes=frozenset({HR_OWN}),
    ),
    Case(
        "hr-attachment",
        "GET",
        lambda w: f"/hr/applications/{A(w)}/attachments/{w.id_card.pk}/",
        HR_PAGE,
        api=False,
    ),
    Case(
        "hr-application-rate",
        "POST",
        lambda w: f"/hr/applications/{A(w)}/rating/",
        # HR filed it but is not the applicant who rates; not completed either.
        answers(403, anonymous=LOGIN, hr_own=302, hr_other=404),
        data=lambda w: {"score": 5, "comment": "好"},
        api=False,
    ),
    # --- printable notices (pages)
    Case(
        "application-notice",
        "GET",
        lambda w: f"/applications/{w.done.pk}/notices/acceptance/",
        answers(404, anonymous=LOGIN, owner=200, **staff(200)),
        api=False,
    ),
    # --- our own admin views that take an id
    Case(
        "admin:talents_talent_evidence",
        "GET",
        lambda w: f"/admin/talents/talent/{w.owner_profile.pk}/evidence/{w.holding.pk}/",
        # Staff with the talent view permission; finance has none (and the matrix withholds evidence).
        answers(ADMIN_LOGIN, **{r: 200 for r in CASEWORKERS}, finance=403),
        api=False,
    ),
    Case(
        "admin:workflow_application_act",
        "GET",
        lambda w: f"/admin/workflow/application/{A(w)}/act/accept/",
        # The action's form for whoever may take it; other staff are sent back to the application
        # with the refusal as a message (302), nothing changed.
        answers(ADMIN_LOGIN, **staff(302, intake_clerk=200, district_admin=200)),
        api=False,
    ),
]

CASES += [
    # --- added alongside (issue 8: confirmed employment; category verification in the admin)
    Case(
        "admin:workflow_application_change",
        "GET",
        lambda w: f"/admin/workflow/application/{A(w)}/change/",
        ADMIN_STAFF_ONLY,
        api=False,
    ),
    Case(
        "enterprise-employment-claims",
        "GET",
        lambda w: f"/api/v1/enterprises/{w.ent_a.pk}/employment-claims/",
        answers(403, anonymous=401, hr_own=200, hr_other=404, **staff(200)),
    ),
    Case(
        "enterprise-employment-confirm",
        "POST",
        lambda w: f"/api/v1/enterprises/{w.ent_a.pk}/employment-claims/{w.owner_profile.pk}/confirm/",
        # Already confirmed: 409 for its HR and for staff holding talents.confirm_employment.
        answers(403, anonymous=401, hr_own=409, hr_other=404, **staff(403, district_admin=409)),
    ),
    Case(
        "enterprise-employment-refuse",
        "POST",
        lambda w: f"/api/v1/enterprises/{w.ent_a.pk}/employment-claims/{w.owner_profile.pk}/refuse/",
        answers(403, anonymous=401, hr_own=200, hr_other=404, **staff(403, district_admin=200)),
        data=lambda w: {"reason": "不在本单位"},
        writes=frozenset({HR_OWN, ADMIN}),
    ),
    Case(
        "hr-employment-confirm",
        "POST",
        lambda w: f"/hr/employment-claims/{w.owner_profile.pk}/confirm/",
        answers(403, anonymous=LOGIN, hr_own=302, hr_other=404),
        api=False,
    ),
    Case(
        "hr-employment-refuse",
        "POST",
        lambda w: f"/hr/employment-claims/{w.owner_profile.pk}/refuse/",
        answers(403, anonymous=LOGIN, hr_own=302, hr_other=404),
        data=lambda w: {"reason": "不在本单位"},
        api=False,
        writes=frozenset({HR_OWN}),
    ),
]

CASES += [
    # --- issue 8: a reviewer verifies the applicant's categories on the staff application page
    Case(
        "admin:workflow_application_category_verify",
        "POST",
        lambda w: f"/admin/workflow/application/{A(w)}/categories/{w.holding.pk}/verify/",
        # Reviewers and staff who may change holdings; anyone else 403 (not the admin's login redirect).
        answers(403, reviewer=302, district_admin=302),
        data=lambda w: {"verified": "0"},
        api=False,
        note="un-verify",
        writes=frozenset({REVIEWER, ADMIN}),
    ),
    Case(
        "admin:workflow_application_category_verify",
        "GET",
        lambda w: f"/admin/workflow/application/{A(w)}/categories/{w.holding.pk}/verify/",
        answers(403),
        api=False,
    ),
]

# --- issue 13: school places (apps.schools) ---------------------------------------------------


def _school_world(people: dict[str, Any], ent_a: Any, owner_profile: Talent) -> SimpleNamespace:
    """An open round with one school, and HR_OWN's nomination of the owner's child (its slot spent)."""
    import datetime as dt

    from django.utils import timezone

    from apps.schools import services as school_services
    from apps.schools.models import School
    from apps.schools.tests.factories import child_id

    today = timezone.localdate()
    Quota.objects.create(enterprise=ent_a, kind=Quota.Kind.SCHOOL_PLACE, year=today.year, total=3)
    school = School.objects.create(name="海珠区授权测试小学", stage=School.Stage.PRIMARY)
    round_ = school_services.round_create(
        actor=people[ADMIN],
        year=today.year,
        opens_on=today,
        closes_on=today + dt.timedelta(days=7),
        seats=[{"school": school.pk, "capacity": 1}],
    )
    nomination = school_services.nomination_create(
        user=people[HR_OWN],
        round_id=round_.pk,
        talent_id=owner_profile.pk,
        child_name="李小华",
        child_id_number=child_id(7),
        entry_grade=1,
        preferences=[school.pk],
    )
    return SimpleNamespace(round=round_, nomination=nomination)


# Rounds: HR (any enterprise: rounds are published to all) and staff; talents see none (404).
SCHOOL_ROUND_READ = answers(404, anonymous=401, hr_own=200, hr_other=200, **staff(200))

CASES += [
    Case("school-round-detail", "GET", lambda w: f"/api/v1/schools/rounds/{w.schools.round.pk}/", SCHOOL_ROUND_READ),
    Case(
        "school-round-assignment",
        "GET",
        lambda w: f"/api/v1/schools/rounds/{w.schools.round.pk}/assignment/",
        SCHOOL_ROUND_READ,
    ),
    Case(
        "school-round-run",
        "POST",
        lambda w: f"/api/v1/schools/rounds/{w.schools.round.pk}/run/",
        # A district admin's action: every other role 403 before anything is looked up.
        answers(403, anonymous=401, district_admin=200),
        writes=frozenset({ADMIN}),
    ),
    Case(
        "school-nomination-detail",
        "GET",
        lambda w: f"/api/v1/schools/nominations/{w.schools.nomination.pk}/",
        answers(404, anonymous=401, hr_own=200, **staff(200)),
    ),
    Case(
        "school-nomination-withdraw",
        "POST",
        lambda w: f"/api/v1/schools/nominations/{w.schools.nomination.pk}/withdraw/",
        # HR of the enterprise withdraws; staff see it but may not (403); anyone else 404.
        answers(404, anonymous=401, hr_own=200, **staff(403)),
        writes=frozenset({HR_OWN}),
    ),
    Case(
        "hr-nomination-withdraw",
        "POST",
        lambda w: f"/hr/nominations/{w.schools.nomination.pk}/withdraw/",
        answers(403, anonymous=LOGIN, hr_own=302, hr_other=404),
        api=False,
        writes=frozenset({HR_OWN}),
    ),
]

# --- issue 12: talent apartments (apps.apartments) ---------------------------------------------


def _apartment_world(
    people: dict[str, Any], owner_profile: Talent, other_profile: Talent, done: Any
) -> SimpleNamespace:
    """A drawn batch whose only applicant, the owner, holds a pending offer; the other talent's current
    lease (written directly) with a renewal request pending."""
    import datetime as dt

    from django.utils import timezone

    from apps.apartments import services as apartment_services
    from apps.apartments.models import Lease, Offer, RenewalRequest, Unit
    from apps.apartments.tests import factories as apartment_factories

    admin = people[ADMIN]
    offered, let = apartment_factories.units(["2b", "1b"])
    batch = apartment_factories.batch([offered], by=admin)
    apartment_factories.approved(people[OWNER], batch, ["2b"])
    apartment_services.batch_freeze(batch_id=batch.pk, actor=admin)
    apartment_services.batch_draw(batch_id=batch.pk, actor=admin)
    today = timezone.localdate()
    Unit.objects.filter(pk=let.pk).update(status=Unit.Status.OCCUPIED)
    lease = Lease.objects.create(
        unit=let, tenant=other_profile, application=done, start=today, end=today + dt.timedelta(days=365), rent=let.rent
    )
    renewal = RenewalRequest.objects.create(lease=lease, requested_end=lease.end + dt.timedelta(days=30))
    return SimpleNamespace(batch=batch, offer=Offer.objects.get(batch=batch), lease=lease, renewal=renewal)


# The offered talent answers; staff see the offer but may not answer for them over the API (403).
APARTMENT_OFFER_ANSWER = answers(404, anonymous=401, owner=200, **staff(403))
# A district admin's action on a drawn batch: freeze and draw again are the wrong state.
APARTMENT_ADMIN_409 = answers(403, anonymous=401, district_admin=409)
STAFF_WRITE = answers(403, anonymous=401, **staff(200))

CASES += [
    Case(
        "apartment-batch-detail", "GET", lambda w: f"/api/v1/apartments/batches/{w.apartments.batch.pk}/", answers(200)
    ),
    Case(
        "apartment-batch-freeze",
        "POST",
        lambda w: f"/api/v1/apartments/batches/{w.apartments.batch.pk}/freeze/",
        APARTMENT_ADMIN_409,
    ),
    Case(
        "apartment-batch-draw",
        "GET",
        lambda w: f"/api/v1/apartments/batches/{w.apartments.batch.pk}/draw/",
        answers(200),
        note="public record",
    ),
    Case(
        "apartment-batch-draw",
        "POST",
        lambda w: f"/api/v1/apartments/batches/{w.apartments.batch.pk}/draw/",
        APARTMENT_ADMIN_409,
    ),
    Case(
        "apartment-batch-redraw",
        "POST",
        lambda w: f"/api/v1/apartments/batches/{w.apartments.batch.pk}/redraw/",
        answers(403, anonymous=401, district_admin=200),
        data=lambda w: {"reason": "授权测试"},
        writes=frozenset({ADMIN}),
    ),
    Case(
        "apartment-offer-accept",
        "POST",
        lambda w: f"/api/v1/apartments/offers/{w.apartments.offer.pk}/accept/",
        APARTMENT_OFFER_ANSWER,
        writes=frozenset({OWNER}),
    ),
    Case(
        "apartment-offer-decline",
        "POST",
        lambda w: f"/api/v1/apartments/offers/{w.apartments.offer.pk}/decline/",
        APARTMENT_OFFER_ANSWER,
        writes=frozenset({OWNER}),
    ),
    Case(
        "apartment-lease-renewal",
        "POST",
        lambda w: f"/api/v1/apartments/leases/{w.apartments.lease.pk}/renewal/",
        # The tenant (the other talent) asks; a renewal is pending already: 409. Staff 403, others 404.
        answers(404, anonymous=401, other_talent=409, **staff(403)),
        data=lambda w: {"requested_end": str(w.apartments.renewal.requested_end)},
    ),
    Case(
        "apartment-lease-move-out",
        "POST",
        lambda w: f"/api/v1/apartments/leases/{w.apartments.lease.pk}/move-out/",
        STAFF_WRITE,
        data=lambda w: {},
        writes=frozenset(STAFF),
    ),
    Case(
        "apartment-renewal-decide",
        "POST",
        lambda w: f"/api/v1/apartments/renewals/{w.apartments.renewal.pk}/decide/",
        STAFF_WRITE,
        data=lambda w: {"approve": False},
        writes=frozenset(STAFF),
    ),
    # The talent's page: other roles 403, someone else's offer or lease 404, the owner's answer a redirect.
    Case(
        "my-offer-accept",
        "POST",
        lambda w: f"/my/offers/{w.apartments.offer.pk}/accept/",
        answers(403, anonymous=LOGIN, owner=302, other_talent=404),
        api=False,
        writes=frozenset({OWNER}),
    ),
    Case(
        "my-offer-decline",
        "POST",
        lambda w: f"/my/offers/{w.apartments.offer.pk}/decline/",
        answers(403, anonymous=LOGIN, owner=302, other_talent=404),
        api=False,
        writes=frozenset({OWNER}),
    ),
    Case(
        "my-lease-renewal",
        "POST",
        lambda w: f"/my/leases/{w.apartments.lease.pk}/renewal/",
        # The tenant (the other talent): refused with a message (a renewal is pending), a redirect.
        answers(403, anonymous=LOGIN, other_talent=302, owner=404),
        data=lambda w: {"requested_end": str(w.apartments.renewal.requested_end)},
        api=False,
    ),
]

# Object URLs that are not for callers to probe: none yet. {name: why}
NOT_WALKED: dict[str, str] = {}


# --- walking -----------------------------------------------------------------------------------


def _patterns(patterns: list[Any], prefix: str = "", namespace: str = "") -> Iterator[tuple[str, str, Any]]:
    for p in patterns:
        if isinstance(p, URLResolver):
            ns = f"{namespace}{p.namespace}:" if p.namespace else namespace
            yield from _patterns(p.url_patterns, prefix + str(p.pattern), ns)
        elif isinstance(p, URLPattern):
            yield prefix + str(p.pattern), (f"{namespace}{p.name}" if p.name else ""), p.callback


def object_urls() -> dict[str, str]:
    """Every URL that takes a parameter, by name (route if unnamed) → route. Left out: the Django
    admin's and contrib's own generic views (model permissions decide there); our admin views stay."""
    found: dict[str, str] = {}
    for route, name, callback in _patterns(get_resolver().url_patterns):
        if "<" not in route:
            continue
        module = getattr(callback, "__module__", "") or ""
        if not module.startswith("apps."):
            if module.startswith(("django.", "rest_framework.", "drf_spectacular.")):
                continue
        found[name or route] = route
    return found


def test_every_object_url_has_an_expectation():
    expected = {case.name for case in CASES} | set(NOT_WALKED)
    missing = sorted(set(object_urls()) - expected)
    assert not missing, (
        "These URLs take an object id but the authorisation matrix test has no expectation for them; add a "
        "Case to tests/test_authorization_matrix.py (who gets 200/403/404/401) for each:\n  "
        + "\n  ".join(f"{name}: {object_urls()[name]}" for name in missing)
    )


def test_every_expectation_names_a_url_that_exists():
    stale = sorted({case.name for case in CASES} - set(object_urls()))
    assert not stale, f"expectations for URLs that no longer exist: {stale}"


def _client(world: SimpleNamespace, caller: str, *, api: bool) -> Client:
    client: Client = APIClient() if api else Client()
    if caller != ANON:
        client.force_login(world.people[caller])
    return client


def _status(response: Any) -> int | str:
    if response.status_code == 302:
        location = response["Location"]
        if location.startswith("/admin/login/"):
            return ADMIN_LOGIN
        if location.startswith("/accounts/login/"):
            return LOGIN
    return response.status_code


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_each_caller_gets_the_matrix_answer_and_a_refusal_changes_nothing(world, case: Case):
    wrong: list[str] = []
    for caller in CALLERS:
        with transaction.atomic():
            before = world_state()
            client = _client(world, caller, api=case.api)
            data = case.data(world) if case.data else None
            kwargs: dict[str, Any] = {}
            if data is not None:
                kwargs["data"] = data
                if case.api and not case.multipart:
                    kwargs["format"] = "json"
                elif case.api:
                    kwargs["format"] = "multipart"
            response = getattr(client, case.method.lower())(case.path(world), **kwargs)
            got = _status(response)
            if got != case.expect[caller]:
                wrong.append(f"{caller}: expected {case.expect[caller]}, got {got}")
            if caller not in case.writes and world_state() != before:
                wrong.append(f"{caller}: answered {got} but changed the world")
            transaction.set_rollback(True)
    assert not wrong, f"{case.id}:\n  " + "\n  ".join(wrong)
