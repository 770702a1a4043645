"""The UI shell's own pages: sign-out and the home page (sign-in is lealtad.accounts)."""

from __future__ import annotations

from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_POST

from lealtad.core.roles import Capability, Role, role_names, user_capabilities

# Those whose work starts from the figures (issue 12); everyone else starts at the search.
STARTS_AT_ANALYTICS = frozenset({Role.MANAGER.value, Role.MARKETER.value})


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    logout(request)
    return redirect("accounts:login")


@login_required
def home(request: HttpRequest) -> HttpResponse:
    if role_names(request.user) & STARTS_AT_ANALYTICS and (
        Capability.ANALYTICS_VIEW in user_capabilities(request.user)
    ):
        return redirect("analytics:dashboard")
    return redirect("customers:search")
