"""Sales pages under ``/sales/``: each page module adds its patterns here."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver

app_name = "sales"

urlpatterns: list[URLPattern | URLResolver] = []

from lealtad.sales import views_scoring, views_telesales, views_webform  # noqa: E402

urlpatterns += views_scoring.urlpatterns
urlpatterns += views_telesales.urlpatterns
urlpatterns += views_webform.urlpatterns
