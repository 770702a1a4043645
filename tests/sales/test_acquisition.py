"""Acquisition cost per channel: the spend recorded per lead source and month, divided by the
leads each source brought and the customers it won, on the sales dashboard and over HTTP."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from lealtad.core.models import AuditEntry
from lealtad.sales.models import AcquisitionSpend, Opportunity
from lealtad.sales.selectors_acquisition import acquisition_costs
from lealtad.sales.services import acquisition, conversion, opportunities
from lealtad.sales.services.common import SalesRefused
from tests.sales.helpers import ACTOR, lead

from .screens_data import PASSWORD, seller

pytestmark = pytest.mark.django_db


def this_month():
    return timezone.localdate().replace(day=1)


def won_from(source: str, external_id: str, email: str, pipeline) -> Opportunity:
    captured = lead(source=source, external_id=external_id, email=email)
    deal = conversion.convert([conversion.Conversion(captured.lead.pk)], ACTOR)[0]
    won = pipeline.stages.get(name="Ganada")
    return opportunities.move([opportunities.Move(deal.pk, won.pk)], ACTOR)[0]


def test_cost_per_lead_and_per_won_customer_per_source(pipeline) -> None:
    won_from("web_form", "w-1", "ana@example.com", pipeline)
    lead(source="web_form", external_id="w-2", email="beto@example.com")
    lead(source="web_form", external_id="w-3", email="caro@example.com")
    lead(source="telemarketing", external_id="t-1", email="dani@example.com")
    acquisition.record_spend(
        [
            acquisition.Spend("web_form", this_month(), "300.00"),
            acquisition.Spend("campaign", this_month(), "50"),
        ],
        ACTOR,
    )
    costs = {c.source: c for c in acquisition_costs(this_month(), this_month())}
    web = costs["web_form"]
    assert (web.spend, web.leads, web.won) == (Decimal("300.00"), 3, 1)
    assert (web.cost_per_lead, web.cost_per_won) == (Decimal("100.00"), Decimal("300.00"))
    assert costs["telemarketing"].cost_per_lead == Decimal("0.00")  # leads, no spend
    assert costs["campaign"].cost_per_lead is None  # spend, nothing came of it
    assert "import" not in costs


def test_recording_a_month_again_replaces_it_and_is_audited(pipeline) -> None:
    acquisition.record_spend([acquisition.Spend("event", this_month(), "120")], ACTOR)
    acquisition.record_spend([acquisition.Spend("event", this_month(), "95.50")], ACTOR)
    acquisition.record_spend([acquisition.Spend("event", this_month(), "95.50")], ACTOR)
    row = AcquisitionSpend.objects.get()
    assert row.amount == Decimal("95.50") and row.month == this_month()
    changes = [e.changes["amount"] for e in AuditEntry.objects.order_by("id")]
    assert changes == [[None, "120.00"], ["120.00", "95.50"]]  # the same again: no entry


@pytest.mark.parametrize(
    ("bad", "field"),
    [
        ({"source": "billboard"}, "rows[1].source"),
        ({"amount": "-10"}, "rows[1].amount"),
        ({"amount": "diez"}, "rows[1].amount"),
        ({"amount": "10.005"}, "rows[1].amount"),
        ({"currency": "US"}, "rows[1].currency"),
        ({"month": "next"}, "rows[1].month"),
    ],
)
def test_a_bad_row_refuses_the_batch_naming_it(pipeline, bad, field) -> None:
    good = {"source": "web_form", "month": this_month(), "amount": "10"}
    row = {**good, **bad}
    if row["month"] == "next":
        row["month"] = this_month() + timedelta(days=32)
    with pytest.raises(SalesRefused) as refused:
        acquisition.record_spend([acquisition.Spend(**good), acquisition.Spend(**row)], ACTOR)
    assert refused.value.field == field
    assert not AcquisitionSpend.objects.exists() and not AuditEntry.objects.exists()


def test_the_dashboard_charts_the_cost_per_channel(client, pipeline) -> None:
    boss = seller("rosa.gerente", role="sales_manager")
    assert client.login(username=boss.username, password=PASSWORD)
    lead(source="web_form", external_id="w-1", email="ana@example.com")
    lead(source="web_form", external_id="w-2", email="beto@example.com")
    acquisition.record_spend([acquisition.Spend("web_form", this_month(), "45")], ACTOR)
    body = client.get("/sales/dashboard/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'id="acquisition"' in body and "Acquisition cost per channel" in body
    data = json.loads(body.split('id="acquisition-data" type="application/json">')[1].split("<")[0])
    assert data["labels"] == ["web form"]
    assert data["datasets"][0]["data"] == [22.5]  # 45 over two leads
    assert data["datasets"][1]["data"] == [None]  # nobody won yet


URL = "/api/v1/sales/acquisition"


def test_a_manager_records_spend_over_http_and_reads_the_costs(token_client, pipeline) -> None:
    manager = token_client("sales_manager", ("sales:work", "sales:manage"))
    lead(source="event", external_id="e-1", email="ana@example.com")
    month = f"{this_month():%Y-%m}"
    body = {"spend": [{"source": "event", "month": month, "amount": "80.00", "note": "Feria"}]}
    put = manager.put(f"{URL}/spend", body, content_type="application/json")
    assert put.status_code == 200, put.content
    assert put.json() == [
        {"source": "event", "month": month, "amount": "80.00", "currency": "USD", "note": "Feria"}
    ]
    assert manager.get(f"{URL}/spend").json()[0]["amount"] == "80.00"
    costs = manager.get(f"{URL}/costs", {"first": month, "last": month}).json()
    assert costs["sources"] == [
        {
            "source": "event",
            "spend": "80.00",
            "leads": 1,
            "won_customers": 0,
            "cost_per_lead": "80.00",
            "cost_per_won_customer": None,
        }
    ]


def test_bad_spend_over_http_is_refused_and_nothing_kept(token_client, pipeline) -> None:
    manager = token_client("sales_manager", ("sales:work", "sales:manage"))
    rep = token_client("sales_rep", ("sales:work",))
    month = f"{this_month():%Y-%m}"
    good = {"source": "event", "month": month, "amount": "10"}
    ahead = this_month() + timedelta(days=40)
    for bad, status in (
        ({**good, "amount": "-5"}, 422),
        ({**good, "source": "billboard"}, 422),
        ({**good, "month": f"{ahead:%Y-%m}"}, 409),
        ({**good, "month": "0000-01"}, 422),
    ):
        answer = manager.put(
            f"{URL}/spend", {"spend": [good, bad]}, content_type="application/json"
        )
        assert answer.status_code == status, answer.content
    refused = manager.put(
        f"{URL}/spend",
        {"spend": [good, {**good, "month": f"{ahead:%Y-%m}"}]},
        content_type="application/json",
    ).json()
    assert refused["field"] == "rows[1].month" and refused["code"] == "month_not_begun"
    denied = rep.put(f"{URL}/spend", {"spend": [good]}, content_type="application/json")
    assert denied.status_code == 403
    assert not AcquisitionSpend.objects.exists()
    assert manager.get(f"{URL}/costs", {"last": "0000-01"}).status_code == 422


def test_the_spend_commands(pipeline, django_user_model) -> None:
    from typer.testing import CliRunner

    from lealtad.sales.cli import app

    django_user_model.objects.create_user("gerente")
    runner = CliRunner()
    month = f"{this_month():%Y-%m}"
    made = runner.invoke(app, ["spend", "record", "telemarketing", month, "400", "--as", "gerente"])
    assert made.exit_code == 0, made.output
    assert f"telemarketing {month}: 400.00 USD" in made.output
    negative = ["spend", "record", "--as", "gerente", "--", "telemarketing", month, "-1"]
    bad = runner.invoke(app, negative)
    assert bad.exit_code == 1 and "cannot be negative" in bad.output
    unknown = runner.invoke(app, ["spend", "record", "radio", month, "5", "--as", "gerente"])
    assert unknown.exit_code == 1 and "radio is not a lead source" in unknown.output
    assert AcquisitionSpend.objects.get().amount == Decimal("400.00")
    listed = runner.invoke(app, ["spend", "list"])
    assert re.search(r"telemarketing\s+400.00 USD", listed.output)
    costs = runner.invoke(app, ["spend", "costs"])
    assert costs.exit_code == 0 and "telemarketing" in costs.output


def test_the_dashboard_speaks_spanish(client, pipeline) -> None:
    from django.utils import translation

    boss = seller("rosa.gerente", role="sales_manager")
    assert client.login(username=boss.username, password=PASSWORD)
    acquisition.record_spend([acquisition.Spend("web_form", this_month(), "45")], ACTOR)
    lead(source="web_form", external_id="w-1", email="ana@example.com")
    with translation.override("es"):
        body = client.get("/sales/dashboard/", HTTP_ACCEPT_LANGUAGE="es").content.decode()
    assert "Costo de adquisición por canal" in body and "Costo por cliente ganado" in body
