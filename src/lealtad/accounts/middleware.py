"""Sign-in guards that act on every request: lockout answers and the two-factor demand."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render

from lealtad.accounts import two_factor
from lealtad.accounts.backends import LOCKOUT_ATTRIBUTE

Handler = Callable[[HttpRequest], HttpResponse]


class SignInLockoutMiddleware:
    """Answer 429 with a clear page when the throttle refused a sign-in on any login form."""

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        lock = getattr(request, LOCKOUT_ATTRIBUTE, None)
        if lock is None:
            return response
        locked = render(request, "accounts/locked.html", {"retry_after": lock.retry_after})
        locked.status_code = 429
        locked["Retry-After"] = str(lock.retry_after)
        return locked


# Paths an unverified user may still reach: signing in (and out), the language switch.
# The admin checks verification itself (its login asks for the code).
_OPEN_PREFIXES = ("/login/", "/logout/", "/i18n/", "/admin/")


class RequireTwoFactorMiddleware:
    """End any session of a user who owes a second factor but never gave one.

    Sign-in never creates such a session, but one can predate the rule, or its user can have
    been made staff since: the user is signed out and sent to sign in again, with the code.
    Token calls to the API are not sessions and are not affected.
    """

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if (
            user.is_authenticated
            and not request.path.startswith(_OPEN_PREFIXES)
            and not user.is_verified()  # type: ignore[union-attr,attr-defined]
            and two_factor.required_for(user)
        ):
            path = request.get_full_path()
            logout(request)
            if request.path.startswith("/api/"):
                return JsonResponse(
                    {"detail": "Two-factor verification required: sign in again."}, status=401
                )
            return redirect_to_login(path)
        return self.get_response(request)
