"""Commission rules and statements over HTTP and from the shell: a sales manager's job."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone
from typer.testing import CliRunner

from lealtad.commerce import demo
from lealtad.sales.cli_commissions import app
from lealtad.sales.models import CommissionLine, CommissionSale, CommissionStatement
from tests.loyalty.helpers import dispatch, place

pytestmark = pytest.mark.django_db
RULES = "/api/v1/sales/commissions/rules"
runner = CliRunner()


@pytest.fixture
def manager(token_client: Any) -> Any:
    return token_client("sales_manager", ("sales:manage",))


def body(**values: Any) -> dict[str, Any]:
    start = timezone.localdate() - timedelta(days=40)
    return {
        "name": "Todo 5%",
        "basis": "invoice",
        "rate": "0.05",
        "valid_from": str(start),
        **values,
    }


def post(client: Any, url: str, data: dict[str, Any]) -> Any:
    return client.post(url, data, content_type="application/json")


def test_an_overlapping_rule_answers_409_naming_both(manager):
    made = post(manager, RULES, body())
    assert made.status_code == 201, made.content
    clash = post(manager, RULES, body(name="Camisas 3%", rate="0.03", product_line="camisas"))
    assert clash.status_code == 409
    text = clash.content.decode()
    assert "Camisas 3%" in text and "Todo 5%" in text and f"#{made.json()['id']}" in text
    assert [r["name"] for r in manager.get(RULES).json()] == ["Todo 5%"]
    other_basis = post(manager, RULES, body(name="Margen", basis="margin", rate="0.02"))
    assert other_basis.status_code == 201


def test_a_rate_above_one_is_refused_naming_the_field(manager):
    refused = post(manager, RULES, body(rate="1.5"))
    assert refused.status_code == 422 and "rate" in refused.content.decode()


def test_a_seller_may_not_set_rules(token_client):
    seller = token_client("sales_rep", ("sales:work",))
    assert post(seller, RULES, body()).status_code == 403


def test_preview_settle_and_settle_again_over_http(api, manager, db):
    demo.seed_catalog()
    story = demo.seed_customer()
    assert post(manager, RULES, body()).status_code == 201
    place(api, story, [{"sku": demo.SHIRT_M, "quantity": 1}])
    dispatch()
    rep = CommissionSale.objects.get().rep.get_username()
    today = timezone.localdate()
    period = {"rep": rep, "start": str(today.replace(day=1)), "end": str(today)}
    shown = manager.get("/api/v1/sales/commissions/preview", period)
    assert shown.status_code == 200 and shown.json()["settled"] is False
    assert shown.json()["net"] == str(CommissionLine.objects.get().amount)
    settled = post(manager, "/api/v1/sales/commissions/statements", period)
    assert settled.status_code == 201 and settled.json()["net"] == shown.json()["net"]
    again = post(manager, "/api/v1/sales/commissions/statements", period)
    assert again.status_code == 409 and CommissionStatement.objects.count() == 1
    got = manager.get(f"/api/v1/sales/commissions/statements/{settled.json()['statement_id']}")
    assert got.status_code == 200 and len(got.json()["lines"]) == 1


def test_the_shell_previews_settles_once_and_shows_the_statement(api, manager, db):
    demo.seed_catalog()
    story = demo.seed_customer()
    post(manager, RULES, body())
    place(api, story, [{"sku": demo.SHIRT_M, "quantity": 1}])
    dispatch()
    rep = CommissionSale.objects.get().rep.get_username()
    amount = str(CommissionLine.objects.get().amount)
    shown = runner.invoke(app, ["preview", rep])
    assert shown.exit_code == 0 and "(preview)" in shown.output and amount in shown.output
    settled = runner.invoke(app, ["settle", rep])
    assert settled.exit_code == 0 and "(settled)" in settled.output
    again = runner.invoke(app, ["settle", rep])
    assert again.exit_code != 0 and again.output.startswith("period:")  # the field, any language
    assert CommissionStatement.objects.count() == 1
    statement = runner.invoke(app, ["statement", rep])
    assert statement.exit_code == 0 and f"net {amount}" in statement.output
