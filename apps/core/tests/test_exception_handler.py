"""Every 400 maps each field to a list of strings: a bad list item is named by position, not nested."""

from __future__ import annotations

import pytest
from django.utils import translation
from rest_framework import serializers
from rest_framework.exceptions import ValidationError

from apps.accounts import roles
from apps.core.exceptions import ValidationFailed, api_exception_handler
from apps.workflow.states import Status
from apps.workflow.tests import factories as f


def handled(exc: Exception) -> tuple[int, object]:
    response = api_exception_handler(exc, {})
    assert response is not None
    return response.status_code, response.data


def test_a_list_fields_item_errors_are_named_by_position():
    class Body(serializers.Serializer):
        problems = serializers.ListField(child=serializers.CharField(max_length=3))

    body = Body(data={"problems": ["ok", "too long", "abc", "also too long"]})
    with translation.override("en"):  # DRF's messages are translated; another test may leave zh-hans active
        assert not body.is_valid()
        status, data = handled(ValidationError(body.errors))

    assert status == 400
    assert data == {
        "problems": [
            "item 2: Ensure this field has no more than 3 characters.",
            "item 4: Ensure this field has no more than 3 characters.",
        ]
    }


def test_nested_objects_and_lists_of_objects_flatten_to_strings():
    exc = ValidationError(
        {
            "address": {"city": ["required"], "non_field_errors": ["incomplete"]},
            "members": [{}, {"name": ["blank"]}, {"name": ["blank"], "age": ["not a number"]}],
            "name": ["blank"],
        }
    )

    assert handled(exc) == (
        400,
        {
            "address": ["city: required", "incomplete"],
            "members": ["item 2: name: blank", "item 3: name: blank", "item 3: age: not a number"],
            "name": ["blank"],
        },
    )
    for messages in handled(exc)[1].values():
        assert all(type(m) is str for m in messages)


def test_a_service_error_with_a_nested_value_flattens_too():
    assert handled(ValidationFailed({"rows": {0: ["bad"]}, "file": "required"})) == (
        400,
        {"rows": ["item 1: bad"], "file": ["required"]},
    )
    assert handled(ValidationFailed("a JSON object is expected")) == (400, {"detail": "a JSON object is expected"})


@pytest.mark.django_db
def test_a_bad_item_in_an_actions_list_is_a_flat_400_and_changes_nothing():
    # given an application waiting for intake
    f.service()
    staff = f.staff_users()
    application = f.application_in(Status.PRE_REVIEW, staff=staff)
    before = f.snapshot(application.pk)

    # when the clerk returns it with a problem text over 1,000 characters
    response = f.client_for(staff[roles.INTAKE_CLERK]).post(
        f"/api/v1/applications/{application.pk}/actions/return/",
        {"problems": ["照片不清晰", "x" * 1001], "missing_materials": ["id_card"]},
        format="json",
        HTTP_ACCEPT_LANGUAGE="en",
    )

    # then the item is named by position, and nothing changed
    assert response.status_code == 400
    assert response.json() == {"problems": ["item 2: Ensure this field has no more than 1000 characters."]}
    assert f.snapshot(application.pk) == before
