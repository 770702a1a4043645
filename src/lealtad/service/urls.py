"""The service desk's pages under ``/service/``: each area includes its own patterns here."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver

from lealtad.service.views_knowledge import urlpatterns as knowledge_urls

app_name = "service"

urlpatterns: list[URLPattern | URLResolver] = []
urlpatterns += knowledge_urls
