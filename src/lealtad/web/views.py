"""The UI shell's own pages: sign-out and the home page (sign-in is lealtad.accounts)."""

from __future__ import annotations

from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_POST


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    logout(request)
    return redirect("accounts:login")


@login_required
def home(request: HttpRequest) -> HttpResponse:
    return redirect("customers:search")
