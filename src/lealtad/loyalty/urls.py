"""Loyalty's pages under ``/loyalty/``."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver

from lealtad.loyalty.views_members import urlpatterns as member_urls
from lealtad.loyalty.views_till import urlpatterns as till_urls

app_name = "loyalty"

urlpatterns: list[URLPattern | URLResolver] = []
urlpatterns += member_urls
urlpatterns += till_urls
