"""Pages a customer reaches from a message, with no account: signed links only (unsubscribe,
preference center, tracked clicks). Under ``/m/``."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver

from lealtad.marketing.views_public import urlpatterns as public_urls

app_name = "marketing_public"

urlpatterns: list[URLPattern | URLResolver] = []
urlpatterns += public_urls
