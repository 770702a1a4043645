"""``lealtad service cases``: open, list, show, resolve, and a bad reference named."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from lealtad.service.cli import app
from lealtad.service.models import BusinessCalendar, Case, SlaPolicy, SupportGroup

runner = CliRunner()
pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def desk(db):
    SupportGroup.objects.create(name="nivel1", label="Nivel 1", level=1)
    always = BusinessCalendar.objects.create(
        name="24x7", label="24x7", time_zone="UTC", always_open=True
    )
    SlaPolicy.objects.create(
        name="estandar",
        label="Estándar",
        calendar=always,
        first_response_minutes=60,
        resolution_minutes=480,
    )


def test_open_list_show_and_resolve_a_case():
    got = runner.invoke(
        app, ["cases", "open", "Router sin luz", "--category", "post_sale", "--customer", "9"]
    )
    assert got.exit_code == 0, got.output
    number = Case.objects.get().number
    assert number in got.output
    listed = runner.invoke(app, ["cases", "list"])
    assert number in listed.output
    shown = runner.invoke(app, ["cases", "show", number])
    assert "first_response: due" in shown.output and "opened" in shown.output
    done = runner.invoke(app, ["cases", "resolve", number, "--note", "Cambiado"])
    assert done.exit_code == 0 and "resolved" in done.output
    assert Case.objects.get().status == "resolved"
    assert "no cases" in runner.invoke(app, ["cases", "list"]).output


def test_bad_input_is_named():
    missing = runner.invoke(app, ["cases", "show", "CASO-999999"])
    assert missing.exit_code != 0 and "CASO-999999" in missing.output
    bad = runner.invoke(app, ["cases", "open", "X", "--category", "nada", "--customer", "1"])
    assert bad.exit_code != 0 and "category" in bad.output
    assert Case.objects.count() == 0


def test_demo_loads_once(db):
    first = runner.invoke(app, ["cases", "demo"])
    assert first.exit_code == 0, first.output
    assert SlaPolicy.objects.filter(name__in=["mvc", "estandar"]).count() == 2
    assert BusinessCalendar.objects.filter(country__in=["EC", "CO"]).count() >= 2
    assert SupportGroup.objects.get(name="nivel1").escalates_to.name == "expertos"
    groups = SupportGroup.objects.count()
    again = runner.invoke(app, ["cases", "demo"])
    assert "0 cases opened" in again.output and SupportGroup.objects.count() == groups
