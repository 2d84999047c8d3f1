from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import UserChangeForm
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from apps.core.crypto import pii_hash
from apps.core.identifiers import IdentifierError, phone_validate

from .models import User


class PortalUserChangeForm(UserChangeForm):
    """Validates and normalises the phone, and refuses one another account already has: the admin
    answers with a field error instead of a database error."""

    class Meta(UserChangeForm.Meta):  # type: ignore[name-defined]
        model = User

    def clean_phone(self) -> str:
        raw = (self.cleaned_data.get("phone") or "").strip()
        if not raw:
            return ""
        try:
            phone = phone_validate(raw)
        except IdentifierError as exc:
            raise forms.ValidationError(str(exc)) from None
        if User.objects.filter(phone_hash=pii_hash(phone)).exclude(pk=self.instance.pk).exists():
            raise forms.ValidationError(_("该手机号已被其他账户使用"))
        return phone

    def save(self, commit: bool = True) -> User:
        user = super().save(commit=False)
        user.phone_hash = pii_hash(user.phone) if user.phone else None
        if commit:
            user.save()
            self.save_m2m()
        return user


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    form = PortalUserChangeForm
    list_display = ("username", "email", "phone_display", "is_staff", "is_active", "last_login")
    list_filter = ("is_staff", "is_superuser", "is_active", "groups")
    search_fields = ("username", "email", "first_name", "last_name")
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        (_("个人信息"), {"fields": ("first_name", "last_name", "email", "phone")}),
        (_("权限"), {"fields": ("is_active", "is_staff", "is_superuser", "groups")}),
        (_("日期"), {"fields": ("last_login", "date_joined")}),
    )

    @admin.display(description=_("手机号码"))
    def phone_display(self, obj: User) -> str:
        return obj.phone_masked

    @staticmethod
    def _sees_personal_data(request: HttpRequest) -> bool:
        return request.user.has_perm("accounts.view_personal_data")

    def get_fieldsets(self, request: HttpRequest, obj: Any = None):
        fieldsets = super().get_fieldsets(request, obj)
        if obj is None or self._sees_personal_data(request):
            return fieldsets
        # Without the right to see personal data, the phone shows masked and cannot be edited.
        return [
            (name, {**opts, "fields": tuple("phone_display" if f == "phone" else f for f in opts["fields"])})
            for name, opts in fieldsets
        ]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None):
        readonly = list(super().get_readonly_fields(request, obj))
        if obj is not None and not self._sees_personal_data(request):
            readonly.append("phone_display")
        return readonly

    def get_search_results(self, request, queryset, search_term):
        # A full phone number is found through its keyed hash; the column itself is ciphertext.
        results, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        try:
            phone = phone_validate(search_term)
        except IdentifierError:
            return results, may_have_duplicates
        return results | queryset.filter(phone_hash=pii_hash(phone)), True
