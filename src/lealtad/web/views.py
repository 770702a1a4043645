"""The UI shell's own pages: sign-in (rate-limited) and the home page."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import logout
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST


def _client_key(request: HttpRequest) -> str:
    return f"login-fail:{request.META.get('REMOTE_ADDR', '?')}"


class LoginView(auth_views.LoginView):
    """Django's sign-in with a per-address limit on failed attempts."""

    template_name = "web/login.html"
    redirect_authenticated_user = True

    def post(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:  # type: ignore[override]
        key = _client_key(request)
        if cache.get(key, 0) >= settings.LEALTAD_LOGIN_ATTEMPTS:
            return render(
                request,
                self.template_name,
                {"form": self.get_form(), "locked": _("Too many failed attempts. Try later.")},
                status=429,
            )
        response = super().post(request, *args, **kwargs)
        if response.status_code == 200:  # the form came back: wrong credentials
            try:
                cache.incr(key)
            except ValueError:
                cache.set(key, 1, settings.LEALTAD_LOGIN_WINDOW_SECONDS)
        return response


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    logout(request)
    return redirect("web:login")


@login_required
def home(request: HttpRequest) -> HttpResponse:
    return redirect("customers:search")
