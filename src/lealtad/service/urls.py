"""The service desk's pages under ``/service/``: each area includes its own patterns here."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver

from lealtad.service.views_cases import urlpatterns as cases_urls
from lealtad.service.views_contracts import urlpatterns as contract_urls
from lealtad.service.views_field import urlpatterns as field_urls
from lealtad.service.views_knowledge import urlpatterns as knowledge_urls
from lealtad.service.views_mail import urlpatterns as mail_urls
from lealtad.service.views_reports import urlpatterns as reports_urls
from lealtad.service.views_rma import urlpatterns as rma_urls
from lealtad.service.views_surveys import urlpatterns as survey_urls

app_name = "service"

urlpatterns: list[URLPattern | URLResolver] = []
urlpatterns += knowledge_urls
urlpatterns += field_urls
urlpatterns += survey_urls
urlpatterns += cases_urls
urlpatterns += mail_urls
urlpatterns += rma_urls
urlpatterns += contract_urls
urlpatterns += reports_urls
