"""The service desk's pages under ``/service/``: each area includes its own patterns here."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver

app_name = "service"

urlpatterns: list[URLPattern | URLResolver] = []
