"""The cube's API: questions (``/analytics/cube``) as JSON, CSV or Excel, its catalog under
the caller's scope, the scoped fact tables as Parquet for an outside warehouse, and the
administrator's scope settings. Thin: the selectors apply the scope, the services write."""

from __future__ import annotations

import io
from typing import Any

import pyarrow.parquet as pq
from django.http import HttpRequest, HttpResponse
from ninja import Field, Query, Router, Schema
from pydantic import ConfigDict

from lealtad.analytics import cube_files
from lealtad.analytics.selectors import cube
from lealtad.analytics.selectors.scope import describe, scope_of
from lealtad.analytics.services import scopes
from lealtad.core.access import require
from lealtad.core.roles import Capability

router = Router(tags=["analytics"])

FORMATS = {"json", "csv", "xlsx"}
FILTER = Query([], description="dimension:value,value (repeat the parameter, or join with ;)")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class ScopeIn(Schema):
    model_config = ConfigDict(extra="forbid")

    stores: list[str] = Field(default_factory=list, description="Store codes; empty: all")
    channels: list[str] = Field(default_factory=list, description="Channels; empty: all")
    regions: list[str] = Field(default_factory=list, description="Regions; empty: all")
    partner: bool = Field(default=False, description="Only the channels listed, nothing else")


@router.get("/analytics/cube", summary="Ask the cube", response=dict[str, Any])
def ask(
    request: HttpRequest,
    measures: str = Query(..., description="revenue,margin,orders,customers,units,…"),
    rows: str = Query("", description="Row dimensions: channel,date:month"),
    columns: str = Query("", description="Column dimensions"),
    filter: list[str] = FILTER,
    date_from: str = Query("", alias="from", description="First day (YYYY-MM-DD)"),
    date_to: str = Query("", alias="to", description="Last day (YYYY-MM-DD)"),
    format: str = Query("json", description="json, csv or xlsx"),
) -> Any:
    """Measures cut by dimensions over the rows the caller's data scope allows."""
    who = require(request, Capability.ANALYTICS_VIEW)
    if format not in FORMATS:
        raise cube.CubeRefused(field="format", reason="one of json, csv, xlsx")
    asked = cube.parse(measures, rows, columns, filter, date_from, date_to)
    result = cube.query(scope_of(who), asked)
    if format == "csv":
        response = HttpResponse(cube_files.to_csv(result), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="cube.csv"'
        return response
    if format == "xlsx":
        response = HttpResponse(cube_files.to_xlsx(result), content_type=XLSX)
        response["Content-Disposition"] = 'attachment; filename="cube.xlsx"'
        return response
    return result.to_json()


@router.get("/analytics/cube/dimensions", summary="The cube's catalog", response=dict[str, Any])
def dimensions(request: HttpRequest) -> dict[str, Any]:
    """Measures, dimensions and each dimension's values the caller's scope lets them see."""
    who = require(request, Capability.ANALYTICS_VIEW)
    return cube.describe_catalog(scope_of(who))


@router.get("/analytics/facts/{table}.parquet", summary="A fact table as Parquet")
def fact_table(request: HttpRequest, table: str) -> HttpResponse:
    """One fact table (orders, order_lines, returns, contacts, customers), the rows the
    caller's scope allows, for an outside warehouse."""
    who = require(request, Capability.ANALYTICS_MANAGE)
    rows = cube.fact_rows(table, scope_of(who))
    sink = io.BytesIO()
    pq.write_table(rows, sink, compression="zstd")
    response = HttpResponse(sink.getvalue(), content_type="application/vnd.apache.parquet")
    response["Content-Disposition"] = f'attachment; filename="{table}.parquet"'
    return response


@router.get("/analytics/scopes/{username}", summary="A user's data scope", response=dict[str, Any])
def get_scope(request: HttpRequest, username: str) -> dict[str, Any]:
    require(request, Capability.ANALYTICS_MANAGE)
    return describe(scopes.user_named(username))


@router.put(
    "/analytics/scopes/{username}", summary="Set a user's data scope", response=dict[str, Any]
)
def put_scope(request: HttpRequest, username: str, body: ScopeIn) -> dict[str, Any]:
    """Limit what the user sees in the cube, its filter lists and exports."""
    who = require(request, Capability.ANALYTICS_MANAGE)
    row = scopes.set_scope(
        username,
        stores=body.stores,
        channels=body.channels,
        regions=body.regions,
        partner=body.partner,
        actor=who.actor,
    )
    return describe(row.user)
