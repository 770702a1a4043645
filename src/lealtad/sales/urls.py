"""Sales pages under ``/sales/``: each page module adds its patterns here."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver

app_name = "sales"

urlpatterns: list[URLPattern | URLResolver] = []
