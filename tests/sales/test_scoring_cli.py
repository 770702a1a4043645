"""``lealtad sales scoring run|report`` and ``lealtad sales telesales …`` from a shell."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from lealtad.contactcenter.services import setup
from lealtad.sales.cli_scoring import app as scoring_app
from lealtad.sales.cli_telesales import app as telesales_app
from lealtad.sales.models import Lead
from lealtad.sales.services import scoring
from tests.sales.test_scoring import history, make_leads
from tests.sales.test_telesales import customer, segment_of

pytestmark = pytest.mark.django_db(transaction=True)
runner = CliRunner()


def test_scoring_runs_and_reports(pipeline):
    scoring.forget_model()
    history(converted_company=3, lost_bare=1)
    make_leads(2, 70_000)
    ran = runner.invoke(scoring_app, ["run"])
    assert ran.exit_code == 0, ran.output
    assert json.loads(ran.stdout.strip().splitlines()[-1])["scored"] == 2
    assert set(Lead.objects.filter(status="new").values_list("score", flat=True)) == {10}
    shown = runner.invoke(scoring_app, ["report", "--json"])
    assert shown.exit_code == 0
    [month] = [json.loads(line) for line in shown.stdout.splitlines()]
    assert month["count"] == 4 and month["brier"] == pytest.approx(0.09)


def test_a_call_list_from_a_segment_in_the_shell(django_user_model):
    django_user_model.objects.create_user("admin", password="x")
    setup.save_skill("general", "General")
    setup.save_queue("ventas", "Ventas", "general")
    sid = segment_of([customer(1), customer(2, consent=None)])
    args = ["list-from-segment", str(sid), "--name", "dic", "--queue", "ventas"]
    made = runner.invoke(telesales_app, args)
    assert made.exit_code == 0, made.output
    assert json.loads(made.stdout)["skipped"] == {"no_consent": 1}
    again = runner.invoke(telesales_app, args)
    assert again.exit_code != 0 and "name" in again.output
    listed = runner.invoke(telesales_app, ["lists"])
    assert json.loads(listed.stdout)["outcomes"] == {"pending": 1}
