"""Marketing's pages under ``/marketing/``: each area includes its own patterns here."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver

from lealtad.marketing.views_calendar import urlpatterns as calendar_urls
from lealtad.marketing.views_campaigns import urlpatterns as campaign_urls
from lealtad.marketing.views_home import urlpatterns as home_urls
from lealtad.marketing.views_offers import urlpatterns as offer_urls
from lealtad.marketing.views_results import urlpatterns as results_urls
from lealtad.marketing.views_segments import urlpatterns as segment_urls

app_name = "marketing"

urlpatterns: list[URLPattern | URLResolver] = []
urlpatterns += home_urls
urlpatterns += segment_urls
urlpatterns += offer_urls
urlpatterns += results_urls
urlpatterns += calendar_urls
urlpatterns += campaign_urls
