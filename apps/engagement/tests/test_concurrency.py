"""Two ratings of one application at once, each on its own thread and database connection
(PostgreSQL): the application's row lock makes the second wait and then find the first."""

from __future__ import annotations

import pytest

from apps.engagement.models import ServiceRating
from apps.workflow.states import Status
from apps.workflow.tests import factories as f
from apps.workflow.tests.factories import database_left_as_migrated  # noqa: F401 (a fixture)
from apps.workflow.tests.test_concurrency import at_once

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("database_left_as_migrated")]


def rate_call(account, application_id: int, score: int):
    client = f.client_for(account)  # the token is made here, on the test's thread

    def call() -> int:
        url = f"/api/v1/applications/{application_id}/rating/"
        return client.post(url, {"score": score}, format="json").status_code

    return call


@pytest.mark.postgres
def test_two_ratings_at_once_store_exactly_one():
    f.service()
    staff = f.staff_users()
    for _ in range(3):  # a few rounds: the outcome must not depend on who wins
        owner = f.talent_user()
        application = f.application_in(Status.COMPLETED, applicant=owner, staff=staff)

        codes = at_once(rate_call(owner, application.pk, 5), rate_call(owner, application.pk, 1))

        assert sorted(codes) == [201, 409], codes
        rating = ServiceRating.objects.get(application=application)
        assert rating.score == (5 if codes[0] == 201 else 1)


@pytest.mark.postgres
def test_the_talent_and_the_hr_user_who_submitted_rating_at_once_store_exactly_one():
    f.service()
    staff = f.staff_users()
    company = f.enterprise()
    hr = f.hr_user(company)
    employee = f.talent_user(employer=company)
    application = f.drive(
        f.draft(hr, talent_id=employee.talent_profile.pk), Status.COMPLETED, applicant=hr, staff=staff
    )

    codes = at_once(rate_call(hr, application.pk, 4), rate_call(employee, application.pk, 2))

    assert sorted(codes) == [201, 409], codes
    rating = ServiceRating.objects.get(application=application)
    assert (rating.rated_by_id, rating.score) == ((hr.pk, 4) if codes[0] == 201 else (employee.pk, 2))
