"""The contact center's entry page: the desk a person works at."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_GET

from lealtad.core.access import principal, require
from lealtad.core.roles import Capability


@login_required
@require_GET
def home(request: HttpRequest) -> HttpResponse:
    """A supervisor lands on the wallboard, an agent on the desktop."""
    if principal(request).can(Capability.CONTACT_SUPERVISE):
        return redirect("contactcenter:wallboard")
    require(request, Capability.CONTACT_HANDLE)
    return redirect("contactcenter:desktop")
