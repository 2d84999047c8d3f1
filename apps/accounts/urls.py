from django.urls import path

from . import api

urlpatterns = [
    path("auth/register/", api.RegisterView.as_view(), name="auth-register"),
    path("auth/register/verify/", api.RegisterVerifyView.as_view(), name="auth-register-verify"),
    path("auth/register/resend/", api.RegisterResendView.as_view(), name="auth-register-resend"),
    path("auth/token/", api.TokenView.as_view(), name="auth-token"),
    path("auth/logout/", api.LogoutView.as_view(), name="auth-logout"),
    path("auth/logout-all/", api.LogoutAllView.as_view(), name="auth-logout-all"),
    path("auth/password/", api.PasswordChangeView.as_view(), name="auth-password"),
    path("me/", api.MeView.as_view(), name="me"),
    path("me/contact/", api.ContactChangeView.as_view(), name="me-contact"),
    path("me/contact/verify/", api.ContactChangeVerifyView.as_view(), name="me-contact-verify"),
]
