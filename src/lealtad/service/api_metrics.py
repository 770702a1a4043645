"""The service desk's metrics over HTTP: every figure of a period as JSON
(``/api/v1/service/metrics``) and each report as a CSV file
(``/api/v1/service/reports/{name}.csv``). Supervisors only. Thin: capability, period,
selector.

``from`` and ``to`` are days (``YYYY-MM-DD``, the installation's time zone); ``to`` is not
included. A bad day answers 422 naming ``from`` or ``to``.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import Field as NinjaField
from ninja import Query, Router, Schema

from lealtad.core.access import require
from lealtad.core.api_errors import errors
from lealtad.core.roles import Capability
from lealtad.service.selectors import metrics, reports

router = Router(tags=["service desk: metrics"])


class MetricsPeriodQuery(Schema):
    """The period and filters of a metrics request (plain text: the selector parses it, so
    a bad day is named the same way in the API, the CLI and the page)."""

    since: str = NinjaField(default="", alias="from", max_length=40)
    until: str = NinjaField(default="", alias="to", max_length=40)
    group: str = NinjaField(default="", max_length=60)
    channel: str = NinjaField(default="", max_length=40)
    category: str = NinjaField(default="", max_length=30)


def _scope(query: MetricsPeriodQuery) -> metrics.Scope:
    return metrics.scope_of(query.since, query.until, query.group, query.channel, query.category)


@router.get("/service/metrics", response={200: dict[str, Any], **errors(422)})
def service_metrics(request: HttpRequest, query: Query[MetricsPeriodQuery]) -> dict[str, Any]:
    """First-contact resolution, backlog (now, at the period's end, per day), SLA compliance,
    time to resolve and the cost of support, for the period and filters."""
    require(request, Capability.SERVICE_SUPERVISE)
    return reports.figures(_scope(query))


@router.get("/service/reports/{name}.csv", response={200: str, **errors(404, 422)})
def report_csv(request: HttpRequest, name: str, query: Query[MetricsPeriodQuery]) -> Any:
    """One report as CSV (header row first): ``fcr``, ``backlog``, ``daily``, ``sla``,
    ``resolution``, ``cost-per-case``, ``cost-per-customer``, ``survey-root-causes``."""
    require(request, Capability.SERVICE_SUPERVISE)
    scope = _scope(query)
    response = HttpResponse(reports.as_csv(name, scope), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{reports.file_name(name, scope)}"'
    return response
