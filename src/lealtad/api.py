"""The REST API (``/api/v1``), assembled from each context's router."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.utils import translation
from ninja import NinjaAPI

from lealtad import __version__
from lealtad.analytics.api import router as analytics_router
from lealtad.analytics.api_basket import router as basket_router
from lealtad.analytics.api_cube import router as cube_router
from lealtad.analytics.api_economics import router as economics_router
from lealtad.channels.api import router as events_router
from lealtad.channels.api_connectors import router as connectors_router
from lealtad.commerce.api import router as commerce_router
from lealtad.contactcenter.api import router as contactcenter_router
from lealtad.contactcenter.api_cti import router as cti_router
from lealtad.contactcenter.api_dialer import router as dialer_router
from lealtad.contactcenter.api_ivr import router as ivr_router
from lealtad.contactcenter.api_staffing import router as staffing_router
from lealtad.contactcenter.api_whatif import router as whatif_router
from lealtad.core.access import SessionAuth, TokenAuth
from lealtad.core.api import router as hub_router
from lealtad.core.api_errors import declare_common_errors
from lealtad.core.envelope import Envelope
from lealtad.core.errors import DomainError
from lealtad.core.parameters import OneValueParser
from lealtad.customers.api import router as customers_router
from lealtad.customers.api_bulk import router as customers_bulk_router
from lealtad.customers.api_identity import router as identity_router
from lealtad.customers.api_quality import router as quality_router
from lealtad.loyalty.api_members import router as loyalty_members_router
from lealtad.loyalty.api_programs import router as loyalty_programs_router
from lealtad.marketing.api_campaigns import router as marketing_campaigns_router
from lealtad.marketing.api_offers import router as marketing_offers_router
from lealtad.marketing.api_responses import router as marketing_responses_router
from lealtad.marketing.api_segments import router as marketing_segments_router
from lealtad.marketing.api_suppressions import router as marketing_suppressions_router
from lealtad.privacy.api import router as privacy_router
from lealtad.sales.api_acquisition import router as sales_acquisition_router
from lealtad.sales.api_activities import router as sales_activities_router
from lealtad.sales.api_commissions import router as sales_commissions_router
from lealtad.sales.api_leads import router as sales_leads_router
from lealtad.sales.api_opportunity_lines import router as sales_opportunity_lines_router
from lealtad.sales.api_pipelines import router as sales_pipelines_router
from lealtad.sales.api_quotes import router as sales_quotes_router
from lealtad.sales.api_scoring import router as sales_scoring_router
from lealtad.sales.api_telesales import router as sales_telesales_router
from lealtad.service.api import router as service_cases_router
from lealtad.service.api_case_import import router as service_case_import_router
from lealtad.service.api_field import router as service_field_router
from lealtad.service.api_knowledge import router as service_kb_router
from lealtad.service.api_mail import router as service_mail_router
from lealtad.service.api_metrics import router as service_metrics_router
from lealtad.service.api_portal import router as service_community_router
from lealtad.service.api_surveys import router as service_surveys_router

api = NinjaAPI(
    title="Lealtad API",
    version=__version__,
    urls_namespace="api",
    docs_url="/docs",
    auth=[TokenAuth(), SessionAuth()],
    parser=OneValueParser(),
    description="One customer across every channel. Bearer tokens (`lealtad token create`) "
    "or the UI's session.",
)
# The bulk routes (/customers/import, /customers/export) first: /customers/{customer_id} would
# otherwise take their paths (a GET answered 422, a POST 405).
api.add_router("/", customers_bulk_router)
api.add_router("/", quality_router)
api.add_router("/", customers_router)
api.add_router("/", identity_router)
api.add_router("/", events_router)
api.add_router("/", hub_router)
api.add_router("/", commerce_router)
api.add_router("/", connectors_router)
api.add_router("/", privacy_router)
api.add_router("/", analytics_router)
api.add_router("/", cube_router)
api.add_router("/", economics_router)
api.add_router("/", basket_router)
api.add_router("/", contactcenter_router)
api.add_router("/", ivr_router)
api.add_router("/", staffing_router)
api.add_router("/", cti_router)
api.add_router("/", whatif_router)
api.add_router("/", dialer_router)
api.add_router("/", service_case_import_router)
api.add_router("/", service_cases_router)
api.add_router("/", service_mail_router)
api.add_router("/", service_kb_router)
api.add_router("/", service_field_router)
api.add_router("/", service_surveys_router)
api.add_router("/", service_community_router)
api.add_router("/", service_metrics_router)
api.add_router("/", marketing_offers_router)
api.add_router("/", loyalty_programs_router)
api.add_router("/", loyalty_members_router)
api.add_router("/", marketing_segments_router)
api.add_router("/", marketing_responses_router)
api.add_router("/", marketing_campaigns_router)
api.add_router("/", marketing_suppressions_router)
api.add_router("/", sales_acquisition_router)
api.add_router("/", sales_activities_router)
api.add_router("/", sales_commissions_router)
api.add_router("/", sales_scoring_router)
api.add_router("/", sales_telesales_router)
# /sales/leads/import before /sales/leads/{lead_id} (declared first in its router).
api.add_router("/", sales_leads_router)
api.add_router("/", sales_pipelines_router)
api.add_router("/", sales_opportunity_lines_router)
api.add_router("/", sales_quotes_router)


@api.exception_handler(PermissionDenied)
def forbidden(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
    return api.create_response(request, {"detail": str(exc) or "forbidden"}, status=403)


@api.exception_handler(DomainError)
def refused(request: HttpRequest, exc: DomainError) -> HttpResponse:
    """Every service refusal, answered here alone: the status its kind says, the ErrorOut body.

    ``message`` speaks the request's language; ``detail`` stays in English whatever it asks,
    as it always was, so integrations and logs that read it do not change with a header."""
    with translation.override("en"):
        detail = str(exc)
    body = {"detail": detail, "code": exc.code, "message": exc.message}
    if exc.field:
        body["field"] = exc.field
    return api.create_response(request, body, status=exc.status)


_schema = api.get_openapi_schema


def _with_envelope(*args, **kwargs):  # type: ignore[no-untyped-def]
    schema = _schema(*args, **kwargs)
    schema.setdefault("components", {}).setdefault("schemas", {})["Envelope"] = (
        Envelope.model_json_schema(ref_template="#/components/schemas/{model}")
    )
    defs = schema["components"]["schemas"]["Envelope"].pop("$defs", {})
    schema["components"]["schemas"].update(defs)
    return declare_common_errors(schema)


api.get_openapi_schema = _with_envelope  # type: ignore[method-assign]
