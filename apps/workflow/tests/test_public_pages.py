"""The public pages: the service catalog with every material (一次性告知) and the lookup form."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.utils.html import escape

from apps.accounts import roles
from apps.enterprises.services import enterprise_create, enterprise_member_set
from apps.talents.services import talent_create
from apps.workflow import public, services
from apps.workflow.models import Application, MaterialRequirement, ServiceDefinition

pytestmark = pytest.mark.django_db


@pytest.fixture
def application(make_user):
    from tests.test_application_flow_helpers import valid_credit_code

    enterprise = enterprise_create(name="广州湾桥信息技术有限公司", credit_code=valid_credit_code("914401057080003"))
    hr = make_user(roles.ENTERPRISE_HR)
    enterprise_member_set(user=hr, enterprise=enterprise)
    talent = talent_create(name="林嘉欣", id_number="11010519491231002X", phone="13711112222", employer=enterprise)
    app = services.application_create(user=hr, service_code="green_card", talent_id=talent.pk)
    services.application_act(application_id=app.pk, action="submit", actor=hr)
    services.application_precheck(application_id=app.pk)
    return Application.objects.get(pk=app.pk)


def test_services_page_lists_every_service_linking_its_guide(client: Client):
    r = client.get("/services/")

    assert r.status_code == 200
    html = r.content.decode()
    services_shown = ServiceDefinition.objects.filter(active=True)
    assert services_shown.count() == 5
    for service in services_shown:
        assert service.name in html
        assert f'id="service-{service.code}"' in html
        assert f'href="/services/{service.code}/"' in html
    assert "办理时限 14 个工作日" in html  # household registration's time limit


@pytest.mark.parametrize("code", ["subsidy", "apartment", "school_place", "hukou", "green_card"])
def test_each_service_guide_tells_everything_once(client: Client, code):
    service = ServiceDefinition.objects.get(code=code)
    html = client.get(f"/services/{code}/").content.decode()

    for heading in (
        "事项名称",
        "设定依据",
        "申请条件",
        "申请材料",
        "办理流程",
        "办理时限",
        "收费标准",
        "办理地点与时间",
        "咨询电话",
    ):
        assert f">{heading}</h2>" in html
    for material in MaterialRequirement.objects.filter(service=service):
        assert material.name in html
        assert f"不超过 {material.max_size_mb} MB" in html
    assert service.policy_basis and service.policy_basis in html
    assert service.location in html
    assert "不收费" in html
    assert f"自受理之日起 {service.time_limit_days} 个工作日" in html


def test_a_service_guide_in_english_shows_the_english_texts(client: Client):
    hukou = ServiceDefinition.objects.get(code="hukou")
    html = client.get("/services/hukou/", HTTP_ACCEPT_LANGUAGE="en").content.decode()

    assert hukou.name_en in html
    assert escape(hukou.conditions_en) in html  # "Guangzhou's": the apostrophe is escaped
    assert "Labour contract" in html  # a material's English name
    assert MaterialRequirement.objects.filter(service=hukou).count() == 19


def test_staff_edits_to_a_guide_show_at_once(client: Client):
    ServiceDefinition.objects.filter(code="hukou").update(phone="020-89000000", fee="不收费（工本费免收）")

    html = client.get("/services/hukou/").content.decode()
    assert "020-89000000" in html
    assert "不收费（工本费免收）" in html


def test_an_unknown_or_inactive_service_guide_is_a_404_page(client: Client):
    ServiceDefinition.objects.filter(code="school_place").update(active=False)

    for path in ("/services/school_place/", "/services/nope/"):
        r = client.get(path)
        assert r.status_code == 404
        assert "页面不存在" in r.content.decode()


def test_inactive_services_are_not_listed(client: Client):
    ServiceDefinition.objects.filter(code="school_place").update(active=False)

    assert "优质学位" not in client.get("/services/").content.decode()


def test_lookup_page_shows_the_status(client: Client, application):
    assert client.get("/lookup/").status_code == 200

    r = client.post("/lookup/", {"number": application.number, "phone_last4": "2222"})

    assert r.status_code == 200
    html = r.content.decode()
    assert "待受理" in html and application.number in html and "人才绿卡" in html
    assert "林嘉欣" not in html


def test_lookup_page_answers_a_wrong_phone_like_an_unknown_number(client: Client, application):
    wrong = client.post("/lookup/", {"number": application.number, "phone_last4": "9999"})
    unknown = client.post("/lookup/", {"number": "HZ2026-999999", "phone_last4": "2222"})

    assert wrong.status_code == unknown.status_code == 404
    for r in (wrong, unknown):
        html = r.content.decode()
        assert str(public.NOT_FOUND_MESSAGE) in html
        assert "lookup-result" not in html

    # Apart from the number typed in (echoed back in the form) and the CSRF token, the pages are the same.
    def normalised(r, number):
        return re.sub(r'value="[A-Za-z0-9]{64}"', "", r.content.decode()).replace(number, "N")

    assert normalised(wrong, application.number) == normalised(unknown, "HZ2026-999999")


def test_lookup_page_names_the_bad_field(client: Client):
    r = client.post("/lookup/", {"number": "HZ2026-000001", "phone_last4": "12"})

    assert r.status_code == 400
    assert "请输入手机号码后四位数字" in r.content.decode()


@pytest.mark.usefixtures("cache_backend")
def test_lookup_page_shares_the_api_rate_limit(client: Client, application):
    api = Client()
    for _ in range(30):
        api.get("/api/v1/lookup/", {"number": application.number, "phone_last4": "2222"})

    r = client.post("/lookup/", {"number": application.number, "phone_last4": "2222"})

    assert r.status_code == 429
    assert "查询过于频繁" in r.content.decode()
    assert "Retry-After" in r
