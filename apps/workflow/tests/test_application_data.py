"""An application's service-specific ``data``: a bounded JSON object, never the engine's own fields."""

from __future__ import annotations

import pytest

from apps.core.exceptions import ValidationFailed
from apps.workflow import admin as workflow_admin
from apps.workflow import engine, records
from apps.workflow.models import Application

from . import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _service():
    f.service()


def nested(depth: int) -> dict:
    """An object ``depth`` levels deep: nested(1) == {"k": 1}."""
    value: object = 1
    for _ in range(depth):
        value = {"k": value}
    return value  # type: ignore[return-value]


def test_patching_an_engine_field_into_data_is_refused_and_changes_nothing():
    # given a talent's draft
    owner = f.talent_user()
    application = f.draft(owner)
    before = f.snapshot(application.pk)

    # when the talent tries to set the status (and a priority) through data
    response = f.client_for(owner).patch(
        f"/api/v1/applications/{application.pk}/", {"status": "approved", "priority": 9}, format="json"
    )

    # then each key is named as read-only and nothing changed
    assert response.status_code == 400
    assert response.json() == {
        "priority": ["只读字段，不能作为申请内容提交"],
        "status": ["只读字段，不能作为申请内容提交"],
    }
    assert f.snapshot(application.pk) == before
    assert Application.objects.get(pk=application.pk).status == "draft"


@pytest.mark.parametrize(
    "key", ["number", "deadline", "supplement_deadline", "missing_materials", "problems", "assignee", "result"]
)
def test_creating_with_an_engine_field_in_data_is_refused(key):
    owner = f.talent_user()

    response = f.client_for(owner).post(
        "/api/v1/applications/", {"service": f.SERVICE, "data": {key: "x"}}, format="json"
    )

    assert response.status_code == 400
    assert response.json() == {key: ["只读字段，不能作为申请内容提交"]}
    assert Application.objects.count() == 0


def test_a_top_level_engine_field_on_create_is_refused_too():
    owner = f.talent_user()

    response = f.client_for(owner).post(
        "/api/v1/applications/", {"service": f.SERVICE, "status": "completed"}, format="json"
    )

    assert response.status_code == 400
    assert list(response.json()) == ["status"]
    assert Application.objects.count() == 0


def test_data_nested_five_deep_is_kept_six_deep_refused():
    owner = f.talent_user()
    client = f.client_for(owner)

    ok = client.post("/api/v1/applications/", {"service": f.SERVICE, "data": {"form": nested(4)}}, format="json")
    too_deep = client.post("/api/v1/applications/", {"service": f.SERVICE, "data": {"form": nested(5)}}, format="json")

    assert ok.status_code == 201
    assert ok.json()["data"] == {"form": nested(4)}
    assert too_deep.status_code == 400
    assert too_deep.json() == {"data": ["申请内容嵌套不得超过5层"]}
    assert Application.objects.count() == 1


def test_a_list_nests_like_an_object():
    owner = f.talent_user()

    response = f.client_for(owner).post(
        "/api/v1/applications/", {"service": f.SERVICE, "data": {"a": [[[[[1]]]]]}}, format="json"
    )

    assert response.status_code == 400
    assert response.json() == {"data": ["申请内容嵌套不得超过5层"]}


def test_data_over_16_kb_is_refused_and_changes_nothing():
    # given a draft with a little data
    owner = f.talent_user()
    application = f.draft(owner)
    client = f.client_for(owner)
    assert (
        client.patch(f"/api/v1/applications/{application.pk}/", {"data": {"remark": "a"}}, format="json").status_code
        == 200
    )
    before = f.snapshot(application.pk)

    # when an edit would make it 16 KB + 1 byte serialized ({"remark": "...", "text": "..."})
    overhead = len('{"remark": "a", "text": ""}')
    response = client.patch(
        f"/api/v1/applications/{application.pk}/", {"data": {"text": "x" * (16 * 1024 - overhead + 1)}}, format="json"
    )
    # then it is refused; exactly 16 KB is fine
    assert response.status_code == 400
    assert response.json() == {"data": ["申请内容不得超过16 KB"]}
    assert f.snapshot(application.pk) == before
    fits = client.patch(
        f"/api/v1/applications/{application.pk}/", {"data": {"text": "x" * (16 * 1024 - overhead)}}, format="json"
    )
    assert fits.status_code == 200


def test_size_counts_utf8_bytes():
    with pytest.raises(ValidationFailed):
        engine.data_bounds_check({"t": "字" * 6000})  # 18,000 bytes, 6,000 characters
    assert engine.data_bounds_check({"t": "字" * 5000}) == {"t": "字" * 5000}


def test_data_must_be_an_object():
    with pytest.raises(ValidationFailed) as refused:
        engine.ServiceSteps().clean_data(["a"], application=None)  # type: ignore[arg-type]
    assert refused.value.as_data() == {"data": ["申请内容须为JSON对象"]}


def test_a_stored_engine_key_from_before_does_not_block_later_edits():
    # given a draft whose data holds a status key stored before such keys were refused
    owner = f.talent_user()
    application = f.draft(owner)
    Application.objects.filter(pk=application.pk).update(data={"status": "approved", "remark": "a"})

    # when the applicant edits another field
    response = f.client_for(owner).patch(f"/api/v1/applications/{application.pk}/", {"remark": "b"}, format="json")

    # then the edit goes through and the stale key is gone
    assert response.status_code == 200
    assert Application.objects.get(pk=application.pk).data == {"remark": "b"}


def test_the_admin_shows_a_placeholder_for_data_too_deep_to_render():
    # given data nested deeper than anyone reads (accepted before data was bounded)
    deep: list = []
    for _ in range(5000):
        deep = [deep]
    reader = records.Reader(Application())

    # when the admin renders it as the application's data, its result, or an event's data
    # then a placeholder stands in for it instead of a crash
    assert reader.lines({"deep": deep}) == [("deep", str(records.TOO_DEEP))]
    assert workflow_admin.lines_html(reader.lines({"deep": deep})) == (
        f'<dl class="hz-event-data"><dt>deep</dt><dd>{records.TOO_DEEP}</dd></dl>'
    )
    # and shallow data reads as words, not JSON
    assert reader.lines({"a": [1, 2], "b": {"c": True}}) == [("a", "1、2"), ("b", "c：是")]
