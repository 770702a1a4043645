"""``lealtad service field``: a technician, a work order dispatched and closed, stock, and a
refusal shown as a red line with exit status 1."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from lealtad.core.audit import Actor
from lealtad.service.cli import app
from lealtad.service.models import Case, SupportGroup, WorkOrder
from lealtad.service.services import cases, parts
from lealtad.service.services.parts import NewPart

runner = CliRunner()
pytestmark = pytest.mark.django_db(transaction=True)


def test_a_visit_from_the_shell():
    SupportGroup.objects.create(name="nivel1", label="Nivel 1", level=1)
    case = cases.open_case(
        cases.NewCase(subject="Caldera", category="post_sale", customer_id=3), Actor.system("t")
    )
    got = runner.invoke(
        app,
        ["field", "technician", "Carla", "--skills", "caldera", "--zones", "norte", "--rate", "40"],
    )
    assert got.exit_code == 0, got.output
    got = runner.invoke(
        app, ["field", "work-order", str(case.pk), "--skill", "caldera", "--zone", "norte"]
    )
    assert got.exit_code == 0, got.output
    number = WorkOrder.objects.get().number
    got = runner.invoke(app, ["field", "dispatch", number, "--day", "2026-12-07"])
    assert got.exit_code == 0 and "Carla at 2026-12-07 08:00" in got.output, got.output
    board = runner.invoke(app, ["field", "board", "--day", "2026-12-07"])
    assert "Carla:" in board.output and number in board.output
    got = runner.invoke(app, ["field", "close", number, "--minutes", "30", "--report", "ok"])
    assert got.exit_code == 0 and "closed: 20.00" in got.output, got.output
    again = runner.invoke(app, ["field", "close", number, "--minutes", "30"])
    assert again.exit_code == 1 and number in again.output  # refused, the order named
    assert Case.objects.get(pk=case.pk).status == "resolved"


def test_stock_counts_and_refusals():
    from decimal import Decimal

    parts.save_part(NewPart("VAL-GAS", "Válvula", "Repuestos Andinos", Decimal("9.90")))
    got = runner.invoke(
        app, ["field", "stock", "VAL-GAS", "VAN-1", "--on-hand", "4", "--minimum", "2"]
    )
    assert got.exit_code == 0 and "VAL-GAS@VAN-1: 4 (minimum 2)" in got.output
    bad = runner.invoke(app, ["field", "stock", "NADA", "VAN-1", "--on-hand", "4"])
    assert bad.exit_code == 1 and "NADA" in bad.output


def test_the_demo_loads_once():
    first = runner.invoke(app, ["field", "demo"])
    assert first.exit_code == 0 and "5 technicians added" in first.output, first.output
    again = runner.invoke(app, ["field", "demo"])
    assert "0 technicians added" in again.output
    board = runner.invoke(app, ["field", "board", "--day", "2026-12-07"])
    assert "Carla Pérez:" in board.output and "Marco Villacís:" in board.output
