from __future__ import annotations

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.password_validation import password_validators_help_texts
from django.utils.translation import gettext_lazy as _

from apps.core.forms import email_field, phone_field


class PortalLoginForm(AuthenticationForm):
    """Username, phone or e-mail and a password (the backend resolves the identifier)."""

    username = forms.CharField(
        label=_("账号"),
        max_length=254,
        help_text=_("用户名、手机号码或电子邮箱"),
        widget=forms.TextInput(attrs={"autocomplete": "username", "autocapitalize": "none"}),
    )
    password = forms.CharField(
        label=_("密码"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
    error_messages = {
        "invalid_login": _("账号或密码不正确。连续失败5次将锁定30分钟。"),
        "inactive": _("该账户已停用。"),
    }


class RegisterForm(forms.Form):
    username = forms.CharField(
        label=_("用户名"),
        max_length=150,
        help_text=_("字母、数字和 .+-_，不能是手机号码"),
        widget=forms.TextInput(attrs={"autocomplete": "username", "autocapitalize": "none"}),
    )
    phone = phone_field(help_text=_("用于接收办理进度短信；手机号码和电子邮箱至少填一项"))
    email = email_field()
    password = forms.CharField(
        label=_("密码"),
        strip=False,
        max_length=128,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    password2 = forms.CharField(
        label=_("再次输入密码"),
        strip=False,
        max_length=128,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["password"].help_text = " ".join(str(t) for t in password_validators_help_texts())

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("password") and cleaned.get("password2") and cleaned["password"] != cleaned["password2"]:
            self.add_error("password2", _("两次输入的密码不一致"))
        return cleaned


class RegisterVerifyForm(forms.Form):
    code = forms.CharField(
        label=_("验证码"),
        max_length=12,
        help_text=_("6位数字，10分钟内有效"),
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )


class ContactChangeForm(forms.Form):
    """A new phone or e-mail for the account (one of them); the service checks it."""

    phone = phone_field(help_text=_("新手机号码"))
    email = email_field()
