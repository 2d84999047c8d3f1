"""HR answers employment claims on ``/hr/`` in a real browser: accessible, fits a phone, works
without JavaScript (plain POST forms)."""

from __future__ import annotations

import itertools
from urllib.parse import urlsplit

import pytest

from apps.accounts import roles
from apps.enterprises.services import enterprise_create, enterprise_member_set
from apps.talents.models import Talent
from apps.talents.services import talent_create, talent_update
from apps.talents.tests.factories import resident_id
from tests.fixtures import PASSWORD
from tests.test_application_flow_helpers import valid_credit_code

_seq = itertools.count(1)


@pytest.mark.parametrize("language,width", [("zh-hans", 390), ("en", 1280)])
def test_hr_confirms_one_claim_and_refuses_another(
    page_for, login, axe_check, assert_no_horizontal_scroll, assert_citizen_page, make_user, language, width
):
    n = next(_seq)
    enterprise = enterprise_create(
        name="广州琶洲在职科技有限公司", credit_code=valid_credit_code(f"91440105{n + 50:07d}")
    )
    hr = make_user(roles.ENTERPRISE_HR, username=f"hrclaims{language[:2]}{width}")
    enterprise_member_set(user=hr, enterprise=enterprise)
    claimants = []
    for k, name in enumerate(("林申报", "郑申报")):
        account = make_user(roles.TALENT)
        talent = talent_create(user=account, actor=account, name=name, id_number=resident_id(960 + 10 * n + k))
        claimants.append(talent_update(talent=talent, actor=account, employer=enterprise))
    first, second = claimants

    page = page_for(language, width)
    login(page, hr.username, PASSWORD)
    assert urlsplit(page.url).path == "/hr/"
    section = page.locator("#employment-claims + p + .table-wrap")
    assert section.locator("tbody tr").count() == 2
    assert_citizen_page(page)
    assert_no_horizontal_scroll(page)
    axe_check(page)

    with page.expect_navigation():
        page.locator(f"form[action='/hr/employment-claims/{first.pk}/confirm/'] button").click()
    assert Talent.objects.get(pk=first.pk).employment_status == "confirmed"

    page.goto(f"/hr/employment-claims/{second.pk}/refuse/")
    assert_citizen_page(page)
    assert_no_horizontal_scroll(page)
    axe_check(page)
    with page.expect_navigation():
        page.locator("main form button[type=submit]").click()  # no reason: refused, error summary
    assert page.locator(".error-summary").count() == 1
    axe_check(page)
    page.fill("#id_reason", "本单位无此员工")
    with page.expect_navigation():
        page.locator("main form button[type=submit]").click()
    assert urlsplit(page.url).path == "/hr/"
    assert Talent.objects.get(pk=second.pk).employment_status == "refused"
