"""Sales pages under ``/sales/``: each page module adds its patterns here."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver

app_name = "sales"

urlpatterns: list[URLPattern | URLResolver] = []

from lealtad.sales import (  # noqa: E402
    views_board,
    views_calendar,
    views_commissions,
    views_dashboard,
    views_field,
    views_forecast,
    views_opportunity,
    views_quotes,
    views_scoring,
    views_telesales,
    views_webform,
)

urlpatterns += views_board.urlpatterns
urlpatterns += views_forecast.urlpatterns
urlpatterns += views_dashboard.urlpatterns
urlpatterns += views_calendar.urlpatterns
urlpatterns += views_field.urlpatterns
urlpatterns += views_scoring.urlpatterns
urlpatterns += views_telesales.urlpatterns
urlpatterns += views_webform.urlpatterns
urlpatterns += views_quotes.urlpatterns
urlpatterns += views_commissions.urlpatterns
urlpatterns += views_opportunity.urlpatterns
