"""Sign-in pages: password, then (for staff and enrolled users) a code; enrolment; lockout.

The password step never signs a user in who owes a code: it keeps who passed it in the session
for a few minutes, and only the code step calls ``login()``. So no session of such a user
exists without a verified device (``RequireTwoFactorMiddleware`` ends older ones).
"""

from __future__ import annotations

import time
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model, login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from lealtad.accounts import throttle, two_factor
from lealtad.accounts.forms import CodeForm
from lealtad.core.client_address import client_address

PENDING = "lealtad_pending_sign_in"
PENDING_SECONDS = 300


class LoginView(auth_views.LoginView):
    """The password step; the throttle guards it through the authentication backend."""

    template_name = "web/login.html"
    redirect_authenticated_user = True

    def form_valid(self, form: Any) -> HttpResponse:
        user = form.get_user()
        if not two_factor.asks_for_code(user):
            return super().form_valid(form)
        self.request.session[PENDING] = {
            "user": user.pk,
            "backend": user.backend,
            "next": self.get_success_url(),
            "at": time.time(),
        }
        if two_factor.confirmed_device(user) is None:
            return redirect("accounts:enrol")
        return redirect("accounts:verify")


def _pending(request: HttpRequest) -> tuple[Any, dict[str, Any]] | None:
    found = request.session.get(PENDING)
    if not found or time.time() - found.get("at", 0) > PENDING_SECONDS:
        request.session.pop(PENDING, None)
        return None
    user = get_user_model().objects.filter(pk=found["user"], is_active=True).first()
    return (user, found) if user is not None else None


def _locked(request: HttpRequest, lock: throttle.Lockout) -> HttpResponse:
    response = render(
        request, "accounts/locked.html", {"retry_after": lock.retry_after}, status=429
    )
    response["Retry-After"] = str(lock.retry_after)
    return response


def _finish(request: HttpRequest, user: Any, pending: dict[str, Any], device: Any) -> HttpResponse:
    request.session.pop(PENDING, None)
    login(request, user, backend=pending["backend"])
    otp_login(request, device)
    target = pending.get("next") or settings.LOGIN_REDIRECT_URL
    if not url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        target = settings.LOGIN_REDIRECT_URL
    return redirect(target)


def _check_code(request: HttpRequest, user: Any, form: CodeForm) -> bool:
    """Count a wrong code against the account and address like a wrong password."""
    if form.is_valid():
        return True
    throttle.record_failure(user.get_username(), client_address(request))
    return False


def verify(request: HttpRequest) -> HttpResponse:
    """The code step of a sign-in that passed the password."""
    found = _pending(request)
    if found is None:
        return redirect(settings.LOGIN_URL)
    user, pending = found
    if two_factor.confirmed_device(user) is None:
        return redirect("accounts:enrol")
    form = CodeForm(request.POST or None)
    if request.method == "POST":
        lock = throttle.lockout(user.get_username(), client_address(request))
        if lock is not None:
            return _locked(request, lock)
        if _check_code(request, user, form):
            device = two_factor.verify(user, form.cleaned_data["code"])
            if device is not None:
                return _finish(request, user, pending, device)
            throttle.record_failure(user.get_username(), client_address(request))
            form.add_error("code", _("That code is not right, or it was already used."))
    return render(request, "accounts/verify.html", {"form": form})


def enrol(request: HttpRequest) -> HttpResponse:
    """Set up an authenticator: during a sign-in that owes a code, or from the account page."""
    found = _pending(request)
    if found is not None:
        user, pending = found
    elif request.user.is_authenticated:
        user, pending = request.user, None
    else:
        return redirect(settings.LOGIN_URL)
    if two_factor.confirmed_device(user) is not None:
        return redirect("accounts:verify" if pending else "accounts:two_factor")
    device = two_factor.pending_device(user)
    form = CodeForm(request.POST or None)
    if request.method == "POST":
        lock = throttle.lockout(user.get_username(), client_address(request))
        if lock is not None:
            return _locked(request, lock)
        if _check_code(request, user, form) and _confirmed(request, device, form):
            if pending is not None:
                return _finish(request, user, pending, device)
            otp_login(request, device)
            messages.success(request, _("Two-factor sign-in is on for your account."))
            return redirect("accounts:two_factor")
    return render(request, "accounts/enrol.html", _enrol_context(device, form))


def _confirmed(request: HttpRequest, device: TOTPDevice, form: CodeForm) -> bool:
    if two_factor.confirm(device, form.cleaned_data["code"]):
        return True
    throttle.record_failure(device.user.get_username(), client_address(request))
    form.add_error("code", _("That code is not right: check the phone's clock and try again."))
    return False


def _enrol_context(device: TOTPDevice, form: CodeForm) -> dict[str, Any]:
    return {
        "form": form,
        "secret": two_factor.secret(device),
        "uri": two_factor.provisioning_uri(device),
        "qr": two_factor.qr_svg(device),
    }


@login_required
def two_factor_status(request: HttpRequest) -> HttpResponse:
    """The user's own page: is a second factor set up, and is it required of them."""
    device = two_factor.confirmed_device(request.user)
    return render(
        request,
        "accounts/two_factor.html",
        {"device": device, "required": two_factor.required_for(request.user)},
    )
