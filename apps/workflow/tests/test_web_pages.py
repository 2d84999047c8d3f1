"""The application pages of talents (``/my/``) and of enterprise HR (``/hr/``): who may open them, the
wizard (draft → materials → check → submit), the application's own page, ratings, and query budgets."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from types import SimpleNamespace

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from apps.accounts import roles
from apps.core.exceptions import Conflict, DomainError
from apps.engagement.models import ServiceRating
from apps.engagement.services import rating_submit
from apps.enterprises.models import Quota
from apps.enterprises.services import quota_consume, quota_set_total
from apps.talents.models import Talent
from apps.talents.services import employment_confirm, talent_create
from apps.talents.tests.factories import hold, resident_id
from apps.workflow import services
from apps.workflow.models import Application, Attachment, MaterialRequirement
from apps.workflow.states import Status
from apps.workflow.tests import factories as f

pytestmark = pytest.mark.django_db

HUKOU = "hukou"
CLERK_USERNAME = "clerk_zhangwei_7731"
RETURN_PROBLEM = "身份证复印件不清晰 / the ID copy is unreadable"


# --- helpers -------------------------------------------------------------------------------------


class _Elements(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.by_id: dict[str, tuple[str, dict[str, str | None]]] = {}
        self.forms: list[dict[str, str | None]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if attributes.get("id"):
            self.by_id[attributes["id"]] = (tag, attributes)
        if tag == "form":
            self.forms.append(attributes)


def parsed(html: str) -> _Elements:
    parser = _Elements()
    parser.feed(html)
    return parser


def invalid_inputs(html: str) -> set[str]:
    return {
        ident
        for ident, (tag, attrs) in parsed(html).by_id.items()
        if tag in ("input", "select", "textarea") and attrs.get("aria-invalid") == "true"
    }


def summary_links(html: str) -> list[str]:
    match = re.search(r'<div class="error-summary".*?</div>', html, re.S)
    return re.findall(r'<a href="#([^"]+)"', match.group(0)) if match else []


def form_actions(html: str) -> list[str]:
    return [form.get("action") or "" for form in parsed(html).forms]


def messages_on(html: str) -> list[str]:
    return [re.sub(r"<[^>]+>", "", m).strip() for m in re.findall(r'<p class="message[^"]*">(.*?)</p>', html, re.S)]


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def page(client: Client, path: str) -> str:
    response = client.get(path)
    assert response.status_code == 200, (path, response.status_code)
    return response.content.decode()


def upload(client: Client, application: Application, material: str, content: bytes, name: str = "材料.pdf", side="my"):
    return client.post(
        f"/{side}/applications/{application.pk}/materials/",
        {"material": material, f"{material}-file": SimpleUploadedFile(name, content)},
    )


def material_name(code: str, service: str = HUKOU) -> str:
    return MaterialRequirement.objects.get(service__code=service, code=code).name


def with_profile(account, *, n: int, name: str = "陈静怡", employer=None) -> Talent:
    return talent_create(
        user=account, actor=account, name=name, id_number=resident_id(n), phone=f"1390000{n:04d}", employer=employer
    )


def hukou_in(status: str, applicant, staff, *, complete: bool = True) -> Application:
    return f.drive(f.draft(applicant, code=HUKOU), status, applicant=applicant, staff=staff, complete=complete)


@pytest.fixture
def owner(make_user):
    account = make_user(roles.TALENT, username="chenjingyi")
    with_profile(account, n=101)
    return account


@pytest.fixture
def owner_client(owner) -> Client:
    return logged_in(owner)


@pytest.fixture
def draft(owner) -> Application:
    return f.draft(owner, code=HUKOU)


@pytest.fixture
def staff(make_user) -> dict:
    people = f.staff_users()
    people[roles.INTAKE_CLERK] = make_user(roles.INTAKE_CLERK, username=CLERK_USERNAME)
    return people


# --- who may open /my/ ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "login_next"),
    [
        ("/my/", "/my/"),
        ("/my/applications/new/?service=hukou", "/my/applications/new/%3Fservice%3Dhukou"),
        ("/my/applications/1/", "/my/applications/1/"),
        ("/my/applications/1/materials/", "/my/applications/1/materials/"),
        ("/hr/", "/hr/"),
        ("/hr/applications/1/", "/hr/applications/1/"),
    ],
)
def test_an_anonymous_visitor_is_sent_to_log_in_and_back(client, path, login_next):
    response = client.get(path)

    assert response.status_code == 302
    assert response["Location"] == f"/accounts/login/?next={login_next}"


def test_an_anonymous_post_creates_nothing(client):
    response = client.post("/my/applications/new/", {"service": HUKOU, "remarks": "x"})

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    assert Application.objects.count() == 0


@pytest.mark.parametrize("role", [roles.ENTERPRISE_HR, roles.INTAKE_CLERK, roles.REVIEWER, roles.DISTRICT_ADMIN])
def test_someone_without_the_talent_role_gets_403_on_my_pages(make_user, role):
    client = logged_in(make_user(role))

    for path in ("/my/", "/my/applications/new/?service=hukou"):
        response = client.get(path)
        assert response.status_code == 403, path
        assert "无权访问" in response.content.decode()
    refused = client.post("/my/applications/new/", {"service": HUKOU, "remarks": "x"})
    assert refused.status_code == 403
    assert Application.objects.count() == 0


def test_a_talent_without_a_profile_is_asked_for_it_first_and_comes_back(make_user):
    # Given a talent account with no profile yet
    account = make_user(roles.TALENT, phone="13911112222")
    client = logged_in(account)

    # When they start a household registration application
    response = client.get("/my/applications/new/?service=hukou")

    # Then they are sent to the profile page, which brings them back once saved
    assert response.status_code == 302
    assert response["Location"] == "/my/profile/?next=/my/applications/new/?service=hukou"
    profile = client.get(response["Location"])
    assert profile.status_code == 200
    assert '<input type="hidden" name="next" value="/my/applications/new/?service=hukou">' in profile.content.decode()
    assert "申请前请先填写个人信息。" in messages_on(profile.content.decode())
    saved = client.post(response["Location"], {"name": "陈静怡", "id_number": resident_id(7)})
    assert saved.status_code == 302
    assert saved["Location"] == "/my/applications/new/?service=hukou"
    assert Application.objects.count() == 0


def test_a_talent_without_a_profile_cannot_post_a_draft(make_user):
    client = logged_in(make_user(roles.TALENT))

    response = client.post("/my/applications/new/", {"service": HUKOU, "remarks": "x"})

    assert response.status_code == 302
    assert response["Location"].startswith("/my/profile/?next=")
    assert Application.objects.count() == 0


def test_my_home_asks_a_talent_without_a_profile_to_fill_it_in_first(make_user):
    html = page(logged_in(make_user(roles.TALENT)), "/my/")

    assert "第一步：填写个人信息" in html
    assert 'href="/my/profile/"' in html
    assert "您还没有申请。" in html


def test_my_home_does_not_ask_for_a_profile_already_filled_in(owner_client):
    assert "第一步：填写个人信息" not in page(owner_client, "/my/")


def test_my_home_lists_the_talents_own_applications_only(owner, owner_client, make_user):
    mine = f.draft(owner, code=HUKOU)
    other = make_user(roles.TALENT)
    with_profile(other, n=102)
    theirs = f.draft(other, code=HUKOU)

    html = page(owner_client, "/my/")

    assert mine.number in html
    assert theirs.number not in html
    assert f'href="/my/applications/{mine.pk}/"' in html
    assert "上传材料后提交申请。" in html


# --- the wizard ----------------------------------------------------------------------------------


def test_without_a_service_the_talent_chooses_one(owner_client):
    html = page(owner_client, "/my/applications/new/")

    assert 'name="service" value="hukou"' in html
    assert Application.objects.count() == 0


def test_an_unknown_service_shows_the_choice_again_and_creates_nothing(owner_client):
    response = owner_client.post("/my/applications/new/", {"service": "nope", "remarks": "x"})

    assert response.status_code == 200
    assert 'name="service" value="hukou"' in response.content.decode()
    assert Application.objects.count() == 0


def test_a_talent_creates_a_hukou_draft(owner, owner_client):
    # When the talent fills in the first step
    response = owner_client.post("/my/applications/new/", {"service": HUKOU, "remarks": "  已在本区工作满三年  "})

    # Then exactly one draft exists, theirs, and they go on to the materials
    application = Application.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/my/applications/{application.pk}/materials/"
    assert application.status == Status.DRAFT
    assert application.service.code == HUKOU
    assert application.data == {"remarks": "已在本区工作满三年"}
    assert application.applicant.user_id == owner.pk
    assert application.submitted_by_id == owner.pk
    assert list(application.events.values_list("action", flat=True)) == ["create"]
    html = page(owner_client, response["Location"])
    assert "草稿已保存。请逐项上传材料。" in messages_on(html)


def test_a_draft_without_remarks_keeps_no_data(owner_client):
    owner_client.post("/my/applications/new/", {"service": HUKOU, "remarks": ""})

    assert Application.objects.get().data == {}


def test_remarks_over_500_characters_are_refused_and_nothing_is_created(owner_client):
    response = owner_client.post("/my/applications/new/", {"service": HUKOU, "remarks": "长" * 501})

    assert response.status_code == 400
    html = response.content.decode()
    assert invalid_inputs(html) == {"id_remarks"}
    assert summary_links(html) == ["id_remarks"]
    assert Application.objects.count() == 0


def test_remarks_of_exactly_500_characters_are_kept(owner_client):
    response = owner_client.post("/my/applications/new/", {"service": HUKOU, "remarks": "长" * 500})

    assert response.status_code == 302
    assert Application.objects.get().data == {"remarks": "长" * 500}


def test_editing_a_drafts_remarks(owner_client, draft):
    response = owner_client.post(f"/my/applications/{draft.pk}/edit/", {"remarks": "补充：已婚"})

    assert response.status_code == 302
    assert response["Location"] == f"/my/applications/{draft.pk}/materials/"
    draft.refresh_from_db()
    assert draft.data == {"remarks": "补充：已婚"}


def test_editing_with_too_long_remarks_changes_nothing(owner_client, draft):
    before = f.snapshot(draft.pk)

    response = owner_client.post(f"/my/applications/{draft.pk}/edit/", {"remarks": "长" * 501})

    assert response.status_code == 400
    assert invalid_inputs(response.content.decode()) == {"id_remarks"}
    assert f.snapshot(draft.pk) == before


def test_uploading_a_pdf_keeps_version_1_then_a_second_upload_is_version_2(owner, owner_client, draft):
    # When the talent uploads the application form
    first = upload(owner_client, draft, "application_form", f.pdf_bytes(b"first"), name="申请表.pdf")

    # Then it is kept as version 1 and the page comes back to that material
    assert first.status_code == 302
    assert first["Location"] == f"/my/applications/{draft.pk}/materials/#material-application_form"
    attachment = Attachment.objects.get()
    assert (attachment.application_id, attachment.material_code, attachment.version) == (
        draft.pk,
        "application_form",
        1,
    )
    assert attachment.content_type == "application/pdf"
    assert attachment.size == len(f.pdf_bytes(b"first"))
    assert attachment.uploaded_by_id == owner.pk
    assert attachment.original_name == "申请表.pdf"

    # And a second upload of the same material is version 2, the first kept
    second = upload(owner_client, draft, "application_form", f.pdf_bytes(b"second"))
    assert second.status_code == 302
    assert sorted(Attachment.objects.values_list("material_code", "version")) == [
        ("application_form", 1),
        ("application_form", 2),
    ]
    html = page(owner_client, f"/my/applications/{draft.pk}/materials/")
    assert "已上传（第2版）" in html


def test_a_disguised_file_is_refused_with_the_error_on_the_page(owner_client, draft):
    before = f.snapshot(draft.pk)

    response = upload(owner_client, draft, "application_form", f.exe_bytes(), name="x.pdf")

    assert response.status_code == 400
    html = response.content.decode()
    assert "文件类型不符" in html
    assert invalid_inputs(html) == {"id_application_form-file"}
    assert Attachment.objects.count() == 0
    assert f.snapshot(draft.pk) == before


@pytest.mark.parametrize("content", [f.zip_bytes(), f.html_bytes(), b""], ids=["zip", "html", "empty"])
def test_other_non_pdf_content_is_refused(owner_client, draft, content):
    response = upload(owner_client, draft, "application_form", content, name="申请表.pdf")

    assert response.status_code == 400
    assert Attachment.objects.count() == 0


def test_an_unknown_material_is_a_404(owner_client, draft):
    before = f.snapshot(draft.pk)

    response = upload(owner_client, draft, "no_such_material", f.pdf_bytes())

    assert response.status_code == 404
    assert f.snapshot(draft.pk) == before


def test_uploading_to_a_submitted_application_is_refused(owner, owner_client, staff):
    application = hukou_in(Status.PRE_REVIEW, owner, staff)
    before = f.snapshot(application.pk)

    response = upload(owner_client, application, "application_form", f.pdf_bytes())

    assert response.status_code == 403
    assert f.snapshot(application.pk) == before


def test_the_review_page_lists_the_missing_required_materials(owner_client, draft):
    upload(owner_client, draft, "application_form", f.pdf_bytes(), name="申请表.pdf")
    required = list(MaterialRequirement.objects.filter(service__code=HUKOU, required=True).values_list("code", "name"))
    optional = list(MaterialRequirement.objects.filter(service__code=HUKOU, required=False).values_list("code", "name"))

    html = page(owner_client, f"/my/applications/{draft.pk}/review/")

    missing = [name for code, name in required if code != "application_form"]
    assert len(missing) == 16
    assert "还有 16 项必交材料未上传" in html
    for name in missing:
        assert re.search(rf"<dt>{re.escape(name)}</dt>\s*<dd><strong class=\"error\">未上传</strong></dd>", html), name
    for _code, name in optional:
        assert re.search(rf"<dt>{re.escape(name)}</dt>\s*<dd>未上传（视情况提交）</dd>", html), name
    assert "申请表.pdf（第1版）" in html
    assert f"/my/applications/{draft.pk}/actions/submit/" in form_actions(html)


def test_submitting_moves_the_application_on_and_says_so(owner_client, draft, django_capture_on_commit_callbacks):
    # When the talent submits from the review page (the pre-check runs after the commit, eagerly)
    with django_capture_on_commit_callbacks(execute=True):
        response = owner_client.post(f"/my/applications/{draft.pk}/actions/submit/")

    # Then the application was submitted and pre-checked, and the page says so
    assert response.status_code == 302
    assert response["Location"] == f"/my/applications/{draft.pk}/"
    draft.refresh_from_db()
    assert draft.status == Status.PRE_REVIEW
    assert draft.submitted_at is not None
    assert list(draft.events.order_by("id").values_list("action", flat=True)) == ["create", "submit", "precheck"]
    html = page(owner_client, response["Location"])
    assert "申请已提交。系统将自动预审，之后由窗口受理；进度变化会通知您。" in messages_on(html)
    assert "已提交，等待窗口受理。" in html


def test_withdrawing_a_draft(owner_client, draft):
    response = owner_client.post(f"/my/applications/{draft.pk}/actions/withdraw/")

    assert response.status_code == 302
    assert response["Location"] == f"/my/applications/{draft.pk}/"
    draft.refresh_from_db()
    assert draft.status == Status.WITHDRAWN
    assert "申请已撤回。" in messages_on(page(owner_client, response["Location"]))


def test_withdrawing_a_submitted_application(owner, owner_client, staff):
    application = hukou_in(Status.PRE_REVIEW, owner, staff)

    response = owner_client.post(f"/my/applications/{application.pk}/actions/withdraw/")

    assert response.status_code == 302
    application.refresh_from_db()
    assert application.status == Status.WITHDRAWN


def test_an_action_not_allowed_in_this_state_is_an_error_message_and_nothing_changes(owner_client, draft):
    before = f.snapshot(draft.pk)

    response = owner_client.post(f"/my/applications/{draft.pk}/actions/resubmit/")

    assert response.status_code == 302
    assert response["Location"] == f"/my/applications/{draft.pk}/review/"
    assert f.snapshot(draft.pk) == before
    # One message, the service's whole: not its text split into characters.
    assert messages_on(page(owner_client, response["Location"])) == [
        service_refusal(draft, "resubmit", draft.submitted_by)
    ]


def service_refusal(application: Application, action: str, actor) -> str:
    """What the service says when it refuses ``action`` (in its own words, whatever they are now)."""
    with pytest.raises(DomainError) as refused:
        services.application_act(application_id=application.pk, action=action, actor=actor)
    detail = refused.value.as_data()["detail"]
    assert isinstance(detail, str) and len(detail) > 1
    return detail


def test_submitting_while_another_of_the_same_service_is_open_is_refused_whole(owner, owner_client, staff):
    # Given an open household registration application and a second draft of it
    hukou_in(Status.PRE_REVIEW, owner, staff)
    second = f.draft(owner, code=HUKOU)
    before = f.snapshot(second.pk)

    # When the talent submits the second one
    response = owner_client.post(f"/my/applications/{second.pk}/actions/submit/")

    # Then it stays a draft, and the review page says why in one readable message
    assert response.status_code == 302
    assert response["Location"] == f"/my/applications/{second.pk}/review/"
    assert f.snapshot(second.pk) == before
    shown = messages_on(page(owner_client, response["Location"]))
    assert shown == [service_refusal(second, "submit", owner)]
    assert shown[0].startswith("已有一件同类申请正在办理")


def test_a_refusal_without_a_field_is_shown_once_at_the_top_of_the_form(owner_client, draft, monkeypatch):
    # A state change between the page's check and the service's (another tab submitted it meanwhile).
    def refuse(**kwargs):
        raise Conflict("an application in state submitted cannot be edited")

    monkeypatch.setattr(services, "application_update", refuse)

    response = owner_client.post(f"/my/applications/{draft.pk}/edit/", {"remarks": "改"})

    assert response.status_code == 400
    summary = re.search(r'<div class="error-summary".*?</div>', response.content.decode(), re.S).group(0)
    assert re.findall(r"<li>(.*?)</li>", summary) == ["an application in state submitted cannot be edited"]


@pytest.mark.parametrize("action", ["accept", "approve", "precheck", "fulfil", "return", "reject", "nope"])
def test_a_staff_or_unknown_action_is_a_404_and_nothing_changes(owner, owner_client, staff, action):
    application = hukou_in(Status.PRE_REVIEW, owner, staff)
    before = f.snapshot(application.pk)

    response = owner_client.post(f"/my/applications/{application.pk}/actions/{action}/")

    assert response.status_code == 404
    assert f.snapshot(application.pk) == before


@pytest.mark.parametrize("action", ["submit", "withdraw"])
def test_get_on_an_action_url_is_405_and_nothing_changes(owner_client, draft, action):
    before = f.snapshot(draft.pk)

    response = owner_client.get(f"/my/applications/{draft.pk}/actions/{action}/")

    assert response.status_code == 405
    assert f.snapshot(draft.pk) == before


def test_a_submitted_application_is_no_longer_editable(owner, owner_client, staff):
    application = hukou_in(Status.PRE_REVIEW, owner, staff)
    before = f.snapshot(application.pk)

    for path in ("edit", "review"):
        response = owner_client.get(f"/my/applications/{application.pk}/{path}/")
        assert response.status_code == 302
        assert response["Location"] == f"/my/applications/{application.pk}/"
    posted = owner_client.post(f"/my/applications/{application.pk}/edit/", {"remarks": "改"})
    assert posted.status_code == 302
    assert f.snapshot(application.pk) == before


def test_supplementing_a_material_accepted_as_missing(owner, owner_client, staff):
    # Given the clerk accepted the application with the ID card missing (容缺受理)
    application = hukou_in(Status.PRE_REVIEW, owner, staff)
    f.act(application.pk, "accept_with_missing", staff[roles.INTAKE_CLERK])
    detail = page(owner_client, f"/my/applications/{application.pk}/")
    assert "已容缺受理，请补交材料" in detail
    assert f"<li>{material_name('id_card')}</li>" in detail

    # When the talent uploads it
    response = upload(owner_client, application, "id_card", f.pdf_bytes(), name="身份证.pdf")

    # Then it is kept, nothing is missing any more, and they are back on the application's page
    assert response.status_code == 302
    assert response["Location"] == f"/my/applications/{application.pk}/#material-id_card"
    application.refresh_from_db()
    assert application.status == Status.UNDER_REVIEW
    assert application.missing_materials == []
    assert application.supplement_deadline is None
    assert "supplemented" in application.events.values_list("action", flat=True)


def test_after_acceptance_a_material_not_asked_for_is_refused(owner, owner_client, staff):
    application = hukou_in(Status.PRE_REVIEW, owner, staff)
    f.act(application.pk, "accept_with_missing", staff[roles.INTAKE_CLERK])
    before = f.snapshot(application.pk)

    response = upload(owner_client, application, "application_form", f.pdf_bytes())

    assert response.status_code == 403
    assert f.snapshot(application.pk) == before


def test_a_file_over_the_materials_size_limit_is_refused(owner, owner_client):
    f.service()  # its id_card takes at most 1 MB
    application = f.draft(owner)

    response = upload(owner_client, application, "id_card", f.pdf_bytes(b"0" * (1024 * 1024)))

    assert response.status_code == 400
    assert "文件过大" in response.content.decode()
    assert Attachment.objects.count() == 0


def _csrf(html: str) -> str:
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)


def test_the_wizard_works_with_csrf_checks_as_a_browser_would(owner, django_capture_on_commit_callbacks):
    client = Client(enforce_csrf_checks=True)
    client.force_login(owner)

    new = page(client, "/my/applications/new/?service=hukou")
    created = client.post(
        "/my/applications/new/?service=hukou", {"csrfmiddlewaretoken": _csrf(new), "service": HUKOU, "remarks": "甲"}
    )
    assert created.status_code == 302
    application = Application.objects.get()
    materials = page(client, created["Location"])
    uploaded = client.post(
        created["Location"],
        {
            "csrfmiddlewaretoken": _csrf(materials),
            "material": "application_form",
            "application_form-file": SimpleUploadedFile("a.pdf", f.pdf_bytes()),
        },
    )
    assert uploaded.status_code == 302
    review = page(client, f"/my/applications/{application.pk}/review/")
    with django_capture_on_commit_callbacks(execute=True):
        submitted = client.post(
            f"/my/applications/{application.pk}/actions/submit/", {"csrfmiddlewaretoken": _csrf(review)}
        )
    assert submitted.status_code == 302
    application.refresh_from_db()
    assert application.status == Status.PRE_REVIEW


def test_a_post_without_the_csrf_token_is_refused_and_changes_nothing(owner, draft):
    client = Client(enforce_csrf_checks=True)
    client.force_login(owner)
    before = f.snapshot(draft.pk)

    for path in (f"/my/applications/{draft.pk}/actions/withdraw/", "/my/applications/new/"):
        response = client.post(path, {"service": HUKOU})
        assert response.status_code == 403

    assert f.snapshot(draft.pk) == before


def test_what_the_applicant_typed_is_escaped_on_the_pages(owner_client):
    owner_client.post("/my/applications/new/", {"service": HUKOU, "remarks": "<script>alert(1)</script>"})
    application = Application.objects.get()

    html = page(owner_client, f"/my/applications/{application.pk}/review/")

    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


# --- someone else's application ------------------------------------------------------------------


@pytest.fixture
def theirs(make_user) -> SimpleNamespace:
    """Another talent's draft, with one uploaded material."""
    account = make_user(roles.TALENT)
    with_profile(account, n=103, name="王小明")
    application = f.draft(account, code=HUKOU)
    attachment = services.attachment_upload(
        application_id=application.pk,
        user=account,
        material_code="application_form",
        upload=SimpleUploadedFile("a.pdf", f.pdf_bytes()),
    )
    return SimpleNamespace(account=account, application=application, attachment=attachment)


def _requests_on(application: Application, attachment: Attachment, side: str = "my") -> list[tuple[str, str, dict]]:
    base = f"/{side}/applications/{application.pk}"
    return [
        ("get", f"{base}/", {}),
        ("get", f"{base}/edit/", {}),
        ("post", f"{base}/edit/", {"remarks": "被改了"}),
        ("get", f"{base}/materials/", {}),
        (
            "post",
            f"{base}/materials/",
            {"material": "id_card", "id_card-file": SimpleUploadedFile("x.pdf", f.pdf_bytes())},
        ),
        ("get", f"{base}/review/", {}),
        ("get", f"{base}/attachments/{attachment.pk}/", {}),
        ("post", f"{base}/actions/submit/", {}),
        ("post", f"{base}/actions/withdraw/", {}),
        ("post", f"{base}/rating/", {"score": "1"}),
    ]


def test_every_page_of_another_talents_application_is_a_404_and_nothing_changes(owner_client, theirs):
    before = f.snapshot(theirs.application.pk)

    for method, path, data in _requests_on(theirs.application, theirs.attachment):
        response = getattr(owner_client, method)(path, data)

        assert response.status_code == 404, (method, path, response.status_code)
        assert "页面不存在" in response.content.decode()
        assert "王小明" not in response.content.decode()
    assert f.snapshot(theirs.application.pk) == before
    assert ServiceRating.objects.count() == 0


def test_rating_another_talents_completed_application_is_a_404(owner_client, make_user, staff):
    account = make_user(roles.TALENT)
    with_profile(account, n=104)
    application = hukou_in(Status.COMPLETED, account, staff)

    response = owner_client.post(f"/my/applications/{application.pk}/rating/", {"score": "1"})

    assert response.status_code == 404
    assert ServiceRating.objects.count() == 0


def test_another_applications_attachment_through_ones_own_application_is_a_404(owner_client, draft, theirs):
    response = owner_client.get(f"/my/applications/{draft.pk}/attachments/{theirs.attachment.pk}/")

    assert response.status_code == 404


def test_an_application_that_does_not_exist_is_a_404(owner_client):
    assert owner_client.get("/my/applications/987654/").status_code == 404


# --- the application's page ----------------------------------------------------------------------


@pytest.mark.parametrize("action", ["accept", "return"])
def test_the_page_never_shows_a_staff_members_login_name(owner, owner_client, staff, action):
    # Given a clerk with a distinctive login name acted on the talent's application
    application = hukou_in(Status.PRE_REVIEW, owner, staff)
    f.act(application.pk, action, staff[roles.INTAKE_CLERK], note="材料已核对")

    # When the talent opens it
    html = page(owner_client, f"/my/applications/{application.pk}/")

    # Then the clerk appears as the intake role ("受理人员"), never by login name
    assert CLERK_USERNAME not in html
    assert "受理人员" in html
    assert "申请人" in html and "系统" in html
    assert "材料已核对" in html


def test_a_returned_applications_page_shows_the_one_time_notice(owner, owner_client, staff):
    # Given the clerk returned the application asking for the ID card and naming a problem
    application = hukou_in(Status.RETURNED, owner, staff)

    # When the talent opens it
    html = page(owner_client, f"/my/applications/{application.pk}/")

    # Then the notice names the material and the problem and links to the materials page
    notice = re.search(
        r'<div class="notice-box" role="region" aria-labelledby="returned-title">.*?</div>\s*</div>', html, re.S
    )
    assert notice is not None
    text = notice.group(0)
    assert "申请已退回补正（一次性告知）" in text
    assert f"<li>{material_name('id_card')}</li>" in text
    assert f"<li>{RETURN_PROBLEM}</li>" in text
    assert f'href="/my/applications/{application.pk}/materials/"' in text
    assert f'href="/my/applications/{application.pk}/review/"' in text
    assert "请按一次性告知书补正材料后重新提交。" in html


def test_uploading_the_asked_material_then_resubmitting(owner, owner_client, staff, django_capture_on_commit_callbacks):
    # Given a returned application asking for the ID card
    application = hukou_in(Status.RETURNED, owner, staff, complete=False)
    materials = page(owner_client, f"/my/applications/{application.pk}/materials/")
    assert re.search(r'id="material-id_card".*?需补交', materials, re.S)

    # When the talent uploads it and resubmits
    uploaded = upload(owner_client, application, "id_card", f.pdf_bytes(), name="身份证.pdf")
    assert uploaded.status_code == 302
    assert uploaded["Location"] == f"/my/applications/{application.pk}/materials/#material-id_card"
    review = page(owner_client, f"/my/applications/{application.pk}/review/")
    assert f"/my/applications/{application.pk}/actions/resubmit/" in form_actions(review)
    with django_capture_on_commit_callbacks(execute=True):
        response = owner_client.post(f"/my/applications/{application.pk}/actions/resubmit/")

    # Then it is submitted again and pre-checked
    assert response.status_code == 302
    application.refresh_from_db()
    assert application.status == Status.PRE_REVIEW
    assert Attachment.objects.filter(application=application, material_code="id_card").count() == 1
    assert "已重新提交，等待窗口受理。" in messages_on(page(owner_client, response["Location"]))


def test_downloading_ones_own_attachment_gives_the_exact_bytes(owner_client, draft):
    content = f.pdf_bytes(b"exactly these bytes \x00\xff")
    upload(owner_client, draft, "application_form", content)
    attachment = Attachment.objects.get()

    response = owner_client.get(f"/my/applications/{draft.pk}/attachments/{attachment.pk}/")

    assert response.status_code == 200
    assert b"".join(response.streaming_content) == content
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == f'attachment; filename="{draft.number}-application_form-v1.pdf"'
    assert response["X-Content-Type-Options"] == "nosniff"


def test_the_page_lists_every_uploaded_version(owner_client, draft):
    upload(owner_client, draft, "application_form", f.pdf_bytes(b"1"), name="第一版.pdf")
    upload(owner_client, draft, "application_form", f.pdf_bytes(b"2"), name="第二版.pdf")

    html = page(owner_client, f"/my/applications/{draft.pk}/")

    for attachment in Attachment.objects.all():
        assert f'href="/my/applications/{draft.pk}/attachments/{attachment.pk}/">{attachment.original_name}</a>' in html


# --- HR ------------------------------------------------------------------------------------------


@pytest.fixture
def company(make_user) -> SimpleNamespace:
    """An enterprise with an HR user and two talents on its payroll; a second enterprise with one."""
    enterprise = f.enterprise("琶洲数智科技有限公司")
    hr = f.hr_user(enterprise)
    employee = talent_create(name="刘嘉怡", id_number=resident_id(201), phone="13700002011", employer=enterprise)
    employee_account = make_user(roles.TALENT)
    # Named by the talent, confirmed by the enterprise's HR: only then an employee HR sees.
    employment_confirm(talent=with_profile(employee_account, n=202, name="赵子轩", employer=enterprise), actor=hr)
    elsewhere = f.enterprise("广州别家科技有限公司")
    outsider = talent_create(name="孙外人", id_number=resident_id(203), phone="13700002033", employer=elsewhere)
    return SimpleNamespace(
        enterprise=enterprise,
        hr=hr,
        client=logged_in(hr),
        employee=employee,
        employee_account=employee_account,
        elsewhere=elsewhere,
        other_hr=f.hr_user(elsewhere),
        outsider=outsider,
    )


def test_hr_sees_only_its_enterprises_talents_to_apply_for(company):
    html = page(company.client, "/hr/applications/new/?service=hukou")

    options = dict(re.findall(r'<option value="(\d*)"[^>]*>([^<]*)</option>', html))
    assert options == {
        "": "请选择",
        str(company.employee.pk): f"刘嘉怡（{company.employee.id_number_masked}）",
        str(Talent.objects.get(user=company.employee_account).pk): (
            f"赵子轩（{Talent.objects.get(user=company.employee_account).id_number_masked}）"
        ),
    }
    assert company.employee.id_number not in html


def test_hr_applies_for_a_talent_of_its_enterprise(company):
    # When HR files a household registration application for its employee
    response = company.client.post(
        "/hr/applications/new/?service=hukou",
        {"service": HUKOU, "talent": str(company.employee.pk), "remarks": "单位引进"},
    )

    # Then the draft is HR's, for that talent, and HR goes on to the materials
    application = Application.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/hr/applications/{application.pk}/materials/"
    assert application.submitted_by_id == company.hr.pk
    assert application.applicant_id == company.employee.pk
    assert application.enterprise_id == company.enterprise.pk
    assert application.status == Status.DRAFT
    assert application.data == {"remarks": "单位引进"}


def test_hr_choosing_a_talent_of_another_enterprise_is_refused_naming_talent(company):
    response = company.client.post(
        "/hr/applications/new/?service=hukou", {"service": HUKOU, "talent": str(company.outsider.pk), "remarks": ""}
    )

    assert response.status_code == 400
    html = response.content.decode()
    assert invalid_inputs(html) == {"id_talent"}
    assert summary_links(html) == ["id_talent"]
    assert Application.objects.count() == 0


def test_hr_without_choosing_a_talent_is_refused(company):
    response = company.client.post("/hr/applications/new/", {"service": HUKOU, "talent": "", "remarks": ""})

    assert response.status_code == 400
    assert invalid_inputs(response.content.decode()) == {"id_talent"}
    assert Application.objects.count() == 0


def test_hr_of_an_enterprise_without_talents_is_told_so(make_user):
    hr = f.hr_user(f.enterprise())

    html = page(logged_in(hr), "/hr/applications/new/?service=hukou")

    assert "贵单位暂无已登记的人才，无法代为申请。" in html
    assert 'name="talent"' not in html


def test_hr_works_through_the_wizard_on_its_side(company, django_capture_on_commit_callbacks):
    application = f.draft(company.hr, talent_id=company.employee.pk, code=HUKOU)

    uploaded = upload(company.client, application, "application_form", f.pdf_bytes(), side="hr")
    assert uploaded.status_code == 302
    assert uploaded["Location"] == f"/hr/applications/{application.pk}/materials/#material-application_form"
    review = page(company.client, f"/hr/applications/{application.pk}/review/")
    assert f"/hr/applications/{application.pk}/actions/submit/" in form_actions(review)
    with django_capture_on_commit_callbacks(execute=True):
        submitted = company.client.post(f"/hr/applications/{application.pk}/actions/submit/")

    assert submitted.status_code == 302
    assert submitted["Location"] == f"/hr/applications/{application.pk}/"
    application.refresh_from_db()
    assert application.status == Status.PRE_REVIEW


@pytest.mark.parametrize("path", ["/hr/", "/hr/applications/new/?service=hukou"])
def test_a_talent_on_the_hr_pages_gets_403(owner_client, path):
    response = owner_client.get(path)

    assert response.status_code == 403
    assert "无权访问" in response.content.decode()


def test_a_talent_cannot_post_an_hr_application(owner_client, company):
    response = owner_client.post("/hr/applications/new/", {"service": HUKOU, "talent": str(company.employee.pk)})

    assert response.status_code == 403
    assert Application.objects.count() == 0


def test_hr_sees_the_applications_it_submitted_and_no_others(company):
    # Given one application HR filed, one its employee filed, and one another enterprise's HR filed
    filed = f.draft(company.hr, talent_id=company.employee.pk, code=HUKOU)
    own = f.draft(company.employee_account, code=HUKOU)
    foreign = f.draft(company.other_hr, talent_id=company.outsider.pk, code=HUKOU)

    # Then HR opens only its own
    assert company.client.get(f"/hr/applications/{filed.pk}/").status_code == 200
    for application in (own, foreign):
        before = f.snapshot(application.pk)
        for method, path, data in _requests_on(application, Attachment(pk=1), side="hr"):
            response = getattr(company.client, method)(path, data)
            assert response.status_code == 404, (method, path, response.status_code)
        assert f.snapshot(application.pk) == before
    home = page(company.client, "/hr/")
    assert filed.number in home
    assert own.number not in home and foreign.number not in home


def test_hr_is_refused_on_the_talent_side_even_for_its_own_application(company):
    filed = f.draft(company.hr, talent_id=company.employee.pk, code=HUKOU)

    assert company.client.get(f"/my/applications/{filed.pk}/").status_code == 403


def test_the_talent_follows_an_application_hr_filed_for_them_on_my(company):
    account = company.employee_account
    filed = f.draft(company.hr, talent_id=Talent.objects.get(user=account).pk, code=HUKOU)
    client = logged_in(account)

    assert filed.number in page(client, "/my/")
    assert client.get(f"/my/applications/{filed.pk}/").status_code == 200


def test_the_hr_page_shows_quota_usage(company):
    # Given a hukou quota of 5 for this year, 2 of them used
    year = timezone.localdate().year
    quota_set_total(enterprise_id=company.enterprise.pk, kind=Quota.Kind.HUKOU_INDICATOR, year=year, total=5)
    for _ in range(2):
        quota_consume(enterprise_id=company.enterprise.pk, kind=Quota.Kind.HUKOU_INDICATOR, year=year)
    quota_set_total(enterprise_id=company.elsewhere.pk, kind=Quota.Kind.SCHOOL_PLACE, year=year, total=9)

    # When HR opens its page
    html = page(company.client, "/hr/")

    # Then the usage is shown, as text and as a meter
    assert "已用 2 / 共 5，剩余 3" in html
    assert 'aria-valuemax="5" aria-valuenow="2"' in html
    assert 'class="pct-40"' in html
    assert company.enterprise.name in html
    assert "共 9" not in html  # another enterprise's quota


def test_the_hr_page_lists_its_talents_with_masked_ids_and_unverified_categories(company):
    hold(company.employee, "postdoc", verified=False)

    html = page(company.client, "/hr/")

    assert company.employee.id_number_masked in html
    assert company.employee.id_number not in html
    assert "博士后（待核实）" in html
    assert "孙外人" not in html


def test_the_hr_page_counts_every_talent_of_a_large_enterprise(make_user):
    from apps.talents.tests.factories import TalentFactory

    enterprise = f.enterprise()
    hr = f.hr_user(enterprise)
    TalentFactory.create_batch(201, employer=enterprise, id_number="", phone="")

    html = page(logged_in(hr), "/hr/")

    assert "<dd>201 人</dd>" in html
    assert "按姓名列出前 200 位，共 201 位。" in html


def test_hr_without_an_enterprise_is_told_so(make_user):
    html = page(logged_in(make_user(roles.ENTERPRISE_HR)), "/hr/")

    assert "您的账户尚未关联企业，请联系区人社局。" in html


# --- rating --------------------------------------------------------------------------------------


def test_a_completed_applications_page_shows_the_rating_form(owner, owner_client, staff):
    application = hukou_in(Status.COMPLETED, owner, staff)

    html = page(owner_client, f"/my/applications/{application.pk}/")

    assert f"/my/applications/{application.pk}/rating/" in form_actions(html)
    assert html.count('name="score"') == 5


def test_rating_a_completed_application_once(owner, owner_client, staff):
    # Given a completed application
    application = hukou_in(Status.COMPLETED, owner, staff)

    # When the talent rates it 5
    response = owner_client.post(f"/my/applications/{application.pk}/rating/", {"score": "5", "comment": "办事快"})

    # Then the rating is stored and shown in place of the form
    assert response.status_code == 302
    assert response["Location"] == f"/my/applications/{application.pk}/#rating"
    rating = ServiceRating.objects.get()
    assert (rating.application_id, rating.score, rating.comment, rating.rated_by_id) == (
        application.pk,
        5,
        "办事快",
        owner.pk,
    )
    html = page(owner_client, f"/my/applications/{application.pk}/")
    assert "感谢您的评价。" in messages_on(html)
    assert "您的评价：非常满意</p><blockquote>办事快</blockquote>" in html
    assert f"/my/applications/{application.pk}/rating/" not in form_actions(html)

    # And a second rating is refused with a message, the first kept
    again = owner_client.post(f"/my/applications/{application.pk}/rating/", {"score": "1"})
    assert again.status_code == 302
    assert "该申请已评价，每件申请只能评价一次" in messages_on(page(owner_client, again["Location"]))
    assert list(ServiceRating.objects.values_list("score", flat=True)) == [5]


def test_rating_an_application_not_yet_completed_is_refused(owner, owner_client, staff):
    application = hukou_in(Status.APPROVED, owner, staff)
    before = f.snapshot(application.pk)

    html_before = page(owner_client, f"/my/applications/{application.pk}/")
    response = owner_client.post(f"/my/applications/{application.pk}/rating/", {"score": "5"})

    assert f"/my/applications/{application.pk}/rating/" not in form_actions(html_before)
    assert response.status_code == 302
    assert "申请办结后才能评价" in messages_on(page(owner_client, response["Location"]))
    assert ServiceRating.objects.count() == 0
    assert f.snapshot(application.pk) == before


@pytest.mark.parametrize("score", ["", "0", "6", "five"])
def test_a_rating_without_a_valid_score_is_refused(owner, owner_client, staff, score):
    application = hukou_in(Status.COMPLETED, owner, staff)

    response = owner_client.post(f"/my/applications/{application.pk}/rating/", {"score": score})

    assert response.status_code == 302
    assert "请选择一项评价。" in messages_on(page(owner_client, response["Location"]))
    assert ServiceRating.objects.count() == 0


def test_a_too_long_comment_is_reported_as_such_not_as_a_missing_score(owner, owner_client, staff):
    application = hukou_in(Status.COMPLETED, owner, staff)

    response = owner_client.post(f"/my/applications/{application.pk}/rating/", {"score": "5", "comment": "长" * 1001})

    assert response.status_code == 302
    shown = messages_on(page(owner_client, response["Location"]))
    assert len(shown) == 1
    assert "请选择一项评价。" not in shown
    assert "1000" in shown[0]
    assert ServiceRating.objects.count() == 0


def test_hr_rates_the_application_it_filed(company, staff):
    application = f.drive(
        f.draft(company.hr, talent_id=company.employee.pk, code=HUKOU),
        Status.COMPLETED,
        applicant=company.hr,
        staff=staff,
    )

    response = company.client.post(f"/hr/applications/{application.pk}/rating/", {"score": "4"})

    assert response.status_code == 302
    assert response["Location"] == f"/hr/applications/{application.pk}/#rating"
    assert ServiceRating.objects.get().rated_by_id == company.hr.pk


def test_rating_get_is_405(owner, owner_client, staff):
    application = hukou_in(Status.COMPLETED, owner, staff)

    assert owner_client.get(f"/my/applications/{application.pk}/rating/").status_code == 405
    assert ServiceRating.objects.count() == 0


# --- query budgets -------------------------------------------------------------------------------

MY_HOME_QUERIES = 11  # +1: the parent's school-place results (apps.schools, one query whatever the count)
DETAIL_QUERIES = 10
HR_HOME_QUERIES = 15  # + the talents count, the applications pager count and the employment claims


def _drafts(account, n: int) -> None:
    codes = ["hukou", "green_card", "subsidy", "apartment", "school_place"]
    for i in range(n):
        f.draft(account, code=codes[i % len(codes)])


def test_my_home_costs_the_same_queries_for_3_or_15_applications(
    make_user, owner, owner_client, django_assert_max_num_queries
):
    _drafts(owner, 3)
    with django_assert_max_num_queries(MY_HOME_QUERIES) as three:
        assert owner_client.get("/my/").status_code == 200

    _drafts(owner, 12)
    with django_assert_max_num_queries(MY_HOME_QUERIES) as fifteen:
        response = owner_client.get("/my/")
    assert response.status_code == 200
    assert response.content.decode().count('<td data-label="申请编号">') == 15
    assert len(fifteen.captured_queries) == len(three.captured_queries)


def test_the_detail_page_has_a_query_budget(owner, owner_client, staff, django_assert_max_num_queries):
    application = f.draft(owner, code=HUKOU)
    for code in ("application_form", "id_card", "diploma"):
        upload(owner_client, application, code, f.pdf_bytes(code.encode()))
    upload(owner_client, application, "application_form", f.pdf_bytes(b"v2"))
    application = f.drive(application, Status.RETURNED, applicant=owner, staff=staff)

    with django_assert_max_num_queries(DETAIL_QUERIES):
        response = owner_client.get(f"/my/applications/{application.pk}/")

    assert response.status_code == 200


def test_the_completed_detail_page_with_a_rating_has_the_same_budget(
    owner, owner_client, staff, django_assert_max_num_queries
):
    application = hukou_in(Status.COMPLETED, owner, staff)
    rating_submit(application_id=application.pk, user=owner, score=4)

    with django_assert_max_num_queries(DETAIL_QUERIES):
        response = owner_client.get(f"/my/applications/{application.pk}/")

    assert response.status_code == 200


def test_the_hr_page_costs_the_same_queries_however_many_talents_and_applications(
    company, django_assert_max_num_queries
):
    year = timezone.localdate().year
    quota_set_total(enterprise_id=company.enterprise.pk, kind=Quota.Kind.HUKOU_INDICATOR, year=year, total=5)
    f.draft(company.hr, talent_id=company.employee.pk, code=HUKOU)
    with django_assert_max_num_queries(HR_HOME_QUERIES) as few:
        assert company.client.get("/hr/").status_code == 200

    for n in range(10):
        talent = talent_create(
            name=f"员工{n}", id_number=resident_id(300 + n), phone=f"1370000{300 + n:04d}", employer=company.enterprise
        )
        hold(talent, "postdoc", "shortage", verified=bool(n % 2))
        f.draft(company.hr, talent_id=talent.pk, code=["hukou", "green_card", "subsidy"][n % 3])
    quota_set_total(enterprise_id=company.enterprise.pk, kind=Quota.Kind.SCHOOL_PLACE, year=year, total=3)
    with django_assert_max_num_queries(HR_HOME_QUERIES) as many:
        response = company.client.get("/hr/")

    assert response.status_code == 200
    assert response.content.decode().count("（待核实）") == 10
    assert len(many.captured_queries) == len(few.captured_queries)
