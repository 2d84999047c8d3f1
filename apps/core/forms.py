"""Forms of the citizen pages hold no rules: they collect input, call a service, and show what the
service refused next to the field it names."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from .exceptions import DomainError


def form_errors_from(form: forms.Form, exc: DomainError) -> None:
    """Put a service's refusal on ``form``: each named field's messages beside that field, the rest
    (``detail`` or a field the form does not show) at the top."""
    for name, messages in exc.messages_by_field().items():
        target = name if name in form.fields else None
        for message in messages:
            if target is None and name != "detail":
                message = f"{name}: {message}"
            form.add_error(target, message)


def phone_field(*, help_text: Any = "") -> forms.CharField:
    """A mobile number as people type it; the service validates and normalises it."""
    return forms.CharField(
        label=_("手机号码"),
        max_length=20,
        required=False,
        help_text=help_text,
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel", "inputmode": "tel"}),
    )


def email_field() -> forms.CharField:
    """An e-mail address; the service validates it."""
    return forms.CharField(
        label=_("电子邮箱"),
        max_length=254,
        required=False,
        widget=forms.TextInput(attrs={"type": "email", "autocomplete": "email"}),
    )
