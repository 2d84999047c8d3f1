"""Audit records are kept: the admin offers no way to delete (or change) any of them, not even to a
superuser, and its delete view answers 403 and deletes nothing."""

from __future__ import annotations

import pytest
from django.contrib import admin
from django.test import Client, RequestFactory

from apps.accounts import roles
from apps.engagement.models import ServiceRating
from apps.enterprises.models import QuotaMovement
from apps.notifications.models import Notification
from apps.talents.admin import HistoryInline, TalentAdmin
from apps.talents.models import ExportLog, Talent, TalentProfileChange
from apps.workflow.models import ApplicationEvent, DeadlineNotice
from apps.workflow.tests import factories as f

pytestmark = pytest.mark.django_db

# Who did what, when: the events of every application, the history of every talent record, the
# log of unmasked exports, quota spending, deadline notices sent, notifications sent, ratings given.
AUDIT_MODELS = [
    ApplicationEvent,
    TalentProfileChange,
    ExportLog,
    QuotaMovement,
    DeadlineNotice,
    Notification,
    ServiceRating,
]
REGISTERED = [model for model in AUDIT_MODELS if model in admin.site._registry]


@pytest.fixture
def superuser():
    return f.user(roles.DISTRICT_ADMIN, is_superuser=True)


@pytest.fixture
def submitted(superuser, django_capture_on_commit_callbacks):
    """An application submitted through the API: its events and notifications, the talent's history."""
    f.service()
    owner = f.talent_user()
    client = f.client_for(owner)
    application = f.draft(owner)
    assert f.upload(client, application.pk, "application_form", f.pdf_bytes()).status_code == 201
    with django_capture_on_commit_callbacks(execute=True):  # the notices are written after the commit
        response = client.post(f"/api/v1/applications/{application.pk}/actions/submit/", {}, format="json")
    assert response.status_code == 200
    return application


def test_every_audit_model_but_the_talent_history_has_a_read_only_admin():
    # The talent history is shown only inside the talent's page (HistoryInline), never on its own.
    assert set(AUDIT_MODELS) - set(REGISTERED) == {TalentProfileChange}


@pytest.mark.parametrize("model", REGISTERED, ids=lambda m: m.__name__)
def test_the_admin_offers_no_delete_of_audit_records_even_to_a_superuser(model, superuser):
    model_admin = admin.site._registry[model]
    request = RequestFactory().get("/admin/")
    request.user = superuser
    assert model_admin.has_delete_permission(request) is False
    assert model_admin.has_delete_permission(request, model()) is False
    assert model_admin.has_change_permission(request) is False
    assert model_admin.has_add_permission(request) is False
    assert "delete_selected" not in model_admin.get_actions(request)


@pytest.mark.parametrize("model", [ApplicationEvent, Notification], ids=lambda m: m.__name__)
def test_the_delete_view_answers_403_and_deletes_nothing(model, superuser, submitted):
    records = list(model.objects.order_by("pk").values_list("pk", flat=True))
    assert records
    client = Client()
    client.force_login(superuser)
    url = f"/admin/{model._meta.app_label}/{model._meta.model_name}/{records[0]}/delete/"

    assert client.get(url).status_code == 403
    assert client.post(url, {"post": "yes"}).status_code == 403
    # nor through the changelist's bulk action
    changelist = f"/admin/{model._meta.app_label}/{model._meta.model_name}/"
    client.post(changelist, {"action": "delete_selected", "_selected_action": records, "post": "yes"})

    assert list(model.objects.order_by("pk").values_list("pk", flat=True)) == records


@pytest.mark.parametrize(
    "model", [m for m in REGISTERED if m not in (ApplicationEvent, Notification)], ids=lambda m: m.__name__
)
def test_the_delete_view_of_every_other_audit_model_answers_403(model, superuser):
    client = Client()
    client.force_login(superuser)
    url = f"/admin/{model._meta.app_label}/{model._meta.model_name}/1/delete/"
    # The permission is checked before the record is looked up: 403 whether or not it exists.
    assert client.get(url).status_code == 403
    assert client.post(url, {"post": "yes"}).status_code == 403


def test_the_talent_history_is_shown_read_only_and_has_no_admin_of_its_own(superuser, submitted):
    assert HistoryInline in TalentAdmin.inlines
    assert HistoryInline.can_delete is False
    request = RequestFactory().get("/admin/")
    request.user = superuser
    inline = HistoryInline(TalentAdmin.model, admin.site)
    assert inline.has_add_permission(request) is False
    assert inline.has_change_permission(request) is False
    client = Client()
    client.force_login(superuser)
    changes = list(TalentProfileChange.objects.values_list("pk", flat=True))
    assert changes
    assert client.get(f"/admin/talents/talentprofilechange/{changes[0]}/delete/").status_code == 404
    assert list(TalentProfileChange.objects.values_list("pk", flat=True)) == changes


def test_a_talent_record_cannot_be_deleted_from_the_admin_since_its_history_would_go_with_it(superuser, submitted):
    talent = submitted.applicant
    changes = TalentProfileChange.objects.filter(talent=talent).count()
    assert changes
    request = RequestFactory().get("/admin/")
    request.user = superuser
    model_admin = admin.site._registry[Talent]
    assert model_admin.has_delete_permission(request, talent) is False
    assert "delete_selected" not in model_admin.get_actions(request)
    client = Client()
    client.force_login(superuser)

    assert client.post(f"/admin/talents/talent/{talent.pk}/delete/", {"post": "yes"}).status_code == 403
    assert TalentProfileChange.objects.filter(talent=talent).count() == changes
