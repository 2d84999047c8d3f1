"""``bench/urls_load.py``: the bare views ``bench/load.py`` compares the API with return the API's own rows,
by primary key, and exist only in the bench URLconf, never in the project's."""

from __future__ import annotations

import pytest
from django.test import override_settings

from apps.accounts import roles
from apps.workflow.tests.factories import application_in, enterprise, service, talent_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(make_user, client_for):
    return client_for(make_user(roles.DISTRICT_ADMIN))


def test_bare_views_are_not_in_the_projects_urls(api_client, admin_client):
    service()
    app = application_in("submitted")
    for path in (
        f"/bench/bare/applications/{app.pk}/",
        f"/bench/bare/applications/?ids={app.pk}",
        "/bench/bare/talents/",
    ):
        assert api_client.get(path).status_code == 404, path
        assert admin_client.get(path).status_code == 404, path


@override_settings(ROOT_URLCONF="bench.urls_load")
def test_bare_application_views_return_the_apis_rows(admin_client, api_client):
    service()
    apps = [application_in("submitted") for _ in range(3)]
    listed = admin_client.get("/api/v1/applications/").json()["results"]
    ids = [row["id"] for row in listed]
    assert sorted(ids) == sorted(a.pk for a in apps)

    bare = api_client.get(f"/bench/bare/applications/?ids={','.join(map(str, ids))}").json()["results"]
    assert [row["id"] for row in bare] == ids  # the API's order kept
    assert [(row["number"], row["status"]) for row in bare] == [(row["number"], row["status"]) for row in listed]

    detail = admin_client.get(f"/api/v1/applications/{ids[0]}/").json()
    row = api_client.get(f"/bench/bare/applications/{ids[0]}/").json()
    assert (row["id"], row["number"], row["status"]) == (detail["id"], detail["number"], detail["status"])
    # the project's own API is still served, with its own permissions, in the bench URLconf
    assert api_client.get(f"/api/v1/applications/{ids[0]}/").status_code in (401, 403)


@override_settings(ROOT_URLCONF="bench.urls_load")
def test_bare_talents_view_returns_the_employers_talents(admin_client, api_client):
    employer = enterprise()
    talents = [talent_user(employer=employer).talent_profile for _ in range(2)]
    talent_user()  # another employer's
    listed = admin_client.get(f"/api/v1/talents/?employer={employer.pk}").json()["results"]
    ids = [row["id"] for row in listed]
    assert sorted(ids) == sorted(t.pk for t in talents)
    bare = api_client.get(f"/bench/bare/talents/?ids={','.join(map(str, ids))}").json()["results"]
    assert [(row["id"], row["name"], row["employer_id"]) for row in bare] == [
        (row["id"], row["name"], row["employer"]) for row in listed
    ]


@override_settings(ROOT_URLCONF="bench.urls_load")
@pytest.mark.parametrize("path", ["/bench/bare/applications/?ids=1,x", "/bench/bare/applications/999999/"])
def test_bare_views_answer_404_for_bad_ids(api_client, path):
    assert api_client.get(path).status_code == 404
