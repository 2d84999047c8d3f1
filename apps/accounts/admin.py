from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.translation import gettext_lazy as _

from apps.core.crypto import pii_hash
from apps.core.identifiers import IdentifierError, phone_validate

from .models import User


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
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

    def get_search_results(self, request, queryset, search_term):
        # A full phone number is found through its keyed hash; the column itself is ciphertext.
        results, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        try:
            phone = phone_validate(search_term)
        except IdentifierError:
            return results, may_have_duplicates
        return results | queryset.filter(phone_hash=pii_hash(phone)), True

    def save_model(self, request, obj, form, change):
        if obj.phone:
            obj.phone = phone_validate(obj.phone)
            obj.phone_hash = pii_hash(obj.phone)
        else:
            obj.phone_hash = None
        super().save_model(request, obj, form, change)
