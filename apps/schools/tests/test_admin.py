"""The admin: schools import/export, rounds with the run action, nominations masked."""

from __future__ import annotations

import pytest
import tablib
from django.test import Client

from apps.schools.models import Nomination, Round, School
from apps.schools.resources import SchoolResource

from . import factories as f

pytestmark = pytest.mark.django_db


def _admin(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_run_action_calls_the_service_and_a_second_run_is_refused_with_a_message():
    w = f.world()
    f.verify(w, f.nominate(w, w.parents[0], 1))
    client = _admin(w.admin)
    data = {"action": "run_rounds", "_selected_action": [w.round.pk]}
    response = client.post("/admin/schools/round/", data, follow=True)
    assert response.status_code == 200
    w.round.refresh_from_db()
    assert w.round.status == Round.Status.RUN
    assert Nomination.objects.get().status == Nomination.Status.ASSIGNED
    response = client.post("/admin/schools/round/", data, follow=True)
    assert "本轮已完成分配" in response.content.decode()


def test_nomination_admin_masks_the_child_id_and_lists_in_constant_queries(django_assert_max_num_queries):
    w = f.world(parents=6, quota_total=10)
    f.nominate(w, w.parents[0], 1)
    client = _admin(w.admin)
    with django_assert_max_num_queries(40) as small:
        html = client.get("/admin/schools/nomination/").content.decode()
    assert f.child_id(1) not in html
    for n, parent in enumerate(w.parents[1:], 2):
        f.nominate(w, parent, n)
    with django_assert_max_num_queries(len(small.captured_queries)):
        html = client.get("/admin/schools/nomination/").content.decode()
    assert f.child_id(3) not in html
    nomination = Nomination.objects.first()
    html = client.get(f"/admin/schools/nomination/{nomination.pk}/change/").content.decode()
    assert nomination.child_id_number not in html and nomination.child_id_number_masked in html


def test_schools_export_and_import_by_name():
    w = f.world()
    exported = SchoolResource().export()
    assert exported.headers == ["学校名称", "学段", "地址", "启用"]
    assert [w.schools[0].name, "小学", w.schools[0].address, "是"] in [list(row) for row in exported]
    assert _admin(w.admin).get("/admin/schools/school/export/").status_code == 200

    data = tablib.Dataset(headers=["学校名称", "学段", "地址", "启用"])
    data.append(["海珠区导入测试小学", "小学", "海珠区测试路1号", "是"])
    data.append([w.schools[0].name, "初中", "新地址", "否"])
    result = SchoolResource().import_data(data, dry_run=False)
    assert not result.has_errors() and not result.has_validation_errors()
    assert School.objects.get(name="海珠区导入测试小学").stage == School.Stage.PRIMARY
    updated = School.objects.get(pk=w.schools[0].pk)
    assert (updated.stage, updated.address, updated.active) == (School.Stage.JUNIOR, "新地址", False)
    bad = tablib.Dataset(headers=["学校名称", "学段", "地址", "启用"])
    bad.append(["海珠区坏数据学校", "大学", "", ""])
    assert SchoolResource().import_data(bad, dry_run=True).has_errors()
