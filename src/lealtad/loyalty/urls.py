"""Loyalty's pages under ``/loyalty/``."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver

app_name = "loyalty"

urlpatterns: list[URLPattern | URLResolver] = []
