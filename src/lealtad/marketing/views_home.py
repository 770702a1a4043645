"""Marketing's front page: one link per area (segments, campaigns, offers, calendar), from
``_nav.html``, which each area extends with its own link."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path
from django.views.decorators.http import require_GET

from lealtad.core.access import require
from lealtad.core.roles import Capability


@login_required
@require_GET
def home(request: HttpRequest) -> HttpResponse:
    require(request, Capability.MARKETING_VIEW)
    return render(request, "marketing/home.html")


urlpatterns = [path("", home, name="home")]
