"""The throttle as the first authentication backend, so it guards every login form.

Django's ``authenticate()`` asks each backend in turn; this one answers first and refuses
(``PermissionDenied`` stops the chain) while the account or the address is locked, before any
password is checked. The UI sign-in, the admin's and any form added later go through it.
The middleware (:mod:`lealtad.accounts.middleware`) turns the refusal into a 429 answer.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import BaseBackend, ModelBackend
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest

from lealtad.accounts import throttle
from lealtad.core.client_address import client_address

LOCKOUT_ATTRIBUTE = "lealtad_lockout"


class ThrottledSignInBackend(BaseBackend):
    def authenticate(  # type: ignore[override]
        self, request: HttpRequest | None, username: str | None = None, **credentials: Any
    ) -> None:
        if request is None or username is None:
            return None  # not a sign-in over HTTP (e.g. a command): nothing to throttle
        found = throttle.lockout(username, client_address(request))
        if found is not None:
            setattr(request, LOCKOUT_ATTRIBUTE, found)
            raise PermissionDenied(f"sign-in locked ({found.reason})")
        return None

    def get_user(self, user_id: Any) -> Any:
        """Sessions opened without a password (``force_login``) name the first backend."""
        return ModelBackend().get_user(user_id)


def on_login_failed(sender: Any, credentials: dict, request: HttpRequest | None, **_: Any) -> None:
    """Count a wrong password (not the refusals of a lockout, which would extend it forever)."""
    username = credentials.get("username")
    if request is None or not username or hasattr(request, LOCKOUT_ATTRIBUTE):
        return
    throttle.record_failure(str(username), client_address(request))


def on_logged_in(sender: Any, request: HttpRequest | None, user: Any, **_: Any) -> None:
    throttle.clear_account(user.get_username())
