"""Lealtad's URLs plus one page whose service refuses and no view handles it (the refusal
middleware's last resort, tests/web/test_domain_errors.py)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.urls import path
from django.utils.translation import gettext_lazy as _

from lealtad.customers.services import MergeRefused
from lealtad.urls import urlpatterns as lealtad_urls


def refuse(request: HttpRequest) -> HttpResponse:
    raise MergeRefused(_("this merge was already undone"))


urlpatterns = [path("test/refuse/", refuse), *lealtad_urls]
