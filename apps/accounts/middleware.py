from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import translation


class StaffIdleTimeoutMiddleware:
    """Staff sessions end after ``STAFF_IDLE_TIMEOUT_SECONDS`` without a request.

    Setting the expiry on every staff request marks the session modified, so it is saved and the
    idle window slides forward; a talent's session keeps the ordinary lifetime.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and user.is_staff and hasattr(request, "session"):
            request.session.set_expiry(settings.STAFF_IDLE_TIMEOUT_SECONDS)
        return self.get_response(request)


def _supported(language: str) -> bool:
    try:
        return bool(language) and bool(translation.get_supported_language_variant(language))
    except LookupError:
        return False


class UserLanguageCookieMiddleware:
    """The language a user chose, remembered on the account, follows them to any browser.

    Placed right after ``LocaleMiddleware``. A logged-in user with a stored language and no language
    cookie gets that language for the request (in ``process_view``: the user is known only once
    ``AuthenticationMiddleware`` has run); a cookie naming a language the portal speaks, set by the
    language switcher, still wins. On the response to a login (``request._portal_language``, set by
    the ``user_logged_in`` receiver) the cookie is set, so the pages after the login speak it.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        language = getattr(request, "_portal_language", "")
        if language:
            response.set_cookie(
                settings.LANGUAGE_COOKIE_NAME,
                language,
                max_age=settings.LANGUAGE_COOKIE_AGE,
                path=settings.LANGUAGE_COOKIE_PATH,
                domain=settings.LANGUAGE_COOKIE_DOMAIN,
                secure=settings.LANGUAGE_COOKIE_SECURE,
                httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
                samesite=settings.LANGUAGE_COOKIE_SAMESITE,
            )
        return response

    def process_view(self, request: HttpRequest, view_func: Any, view_args: Any, view_kwargs: Any) -> None:
        if _supported(request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")):
            return None  # the browser's own choice
        user = getattr(request, "user", None)
        language = getattr(user, "language", "") if user is not None and user.is_authenticated else ""
        if language in dict(settings.LANGUAGES):
            translation.activate(language)
            request.LANGUAGE_CODE = translation.get_language()
        return None
