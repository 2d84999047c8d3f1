"""A resubmission answers the return: the lists of what was missing are cleared on the application,
and kept where they belong, in the return's event and its one-time notice (一次性告知书)."""

from __future__ import annotations

import pytest
from django.test import Client

from apps.accounts import roles
from apps.workflow import notices, services
from apps.workflow.models import Application, ApplicationEvent
from apps.workflow.states import Status

from . import factories as f

pytestmark = pytest.mark.django_db

RETURN = {"missing_materials": ["photo"], "problems": ["照片不清晰 / the photo is unreadable"]}


@pytest.fixture
def staff():
    f.service()
    return f.staff_users()


def returned_and_resubmitted(owner, staff) -> Application:
    application = f.application_in(Status.PRE_REVIEW, applicant=owner, staff=staff, complete=False)
    f.act(application.pk, "return", staff[roles.INTAKE_CLERK], **RETURN)
    f.act(application.pk, "resubmit", owner)
    services.application_precheck(application_id=application.pk)  # after commit in production
    return Application.objects.get(pk=application.pk)


def test_resubmit_clears_the_missing_materials_and_problems(staff):
    # given a returned application
    owner = f.talent_user()
    application = f.application_in(Status.PRE_REVIEW, applicant=owner, staff=staff)
    f.act(application.pk, "return", staff[roles.INTAKE_CLERK], **RETURN)
    assert Application.objects.get(pk=application.pk).missing_materials == ["photo"]

    # when the applicant resubmits
    response = f.client_for(owner).post(f"/api/v1/applications/{application.pk}/actions/resubmit/", {}, format="json")

    # then nothing is listed as missing any more; the return's event still says what was asked
    assert response.status_code == 200, response.json()
    assert (response.json()["missing_materials"], response.json()["problems"]) == ([], [])
    event = ApplicationEvent.objects.get(application=application, action="return")
    assert event.data == RETURN


def test_the_one_time_notice_still_lists_what_the_return_asked_for(staff):
    owner = f.talent_user()
    application = returned_and_resubmitted(owner, staff)

    context = notices.notice_build(application, notices.MISSING_MATERIALS)

    assert context is not None
    assert (context["mode"], context["missing"], context["problems"]) == (
        "return",
        [{"code": "photo", "name": "证件照"}],
        ["照片不清晰 / the photo is unreadable"],
    )
    assert [n["kind"] for n in notices.notices_for(application)] == [notices.MISSING_MATERIALS]


def test_the_next_intake_form_starts_from_the_new_pre_check_not_the_old_return(staff):
    # given a resubmitted application, pre-checked again (nothing uploaded: form and ID missing)
    owner = f.talent_user()
    application = returned_and_resubmitted(owner, staff)
    assert application.status == Status.PRE_REVIEW
    client = Client()
    client.force_login(staff[roles.INTAKE_CLERK])

    # when the clerk opens 容缺受理
    response = client.get(f"/admin/workflow/application/{application.pk}/act/accept_with_missing/")

    # then the boxes ticked are the pre-check's, not the returned photo
    assert response.status_code == 200
    assert response.context["form"].fields["missing_materials"].initial == ["application_form", "id_card"]
