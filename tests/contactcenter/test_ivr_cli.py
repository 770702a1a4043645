"""``lealtad contactcenter ivr``: check and walk flow files, load them, list them."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from lealtad.contactcenter.cli import app
from lealtad.contactcenter.models import IvrFlow

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "ivr"
runner = CliRunner()


def test_check_lists_every_problem_and_fails(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("flow: x\nstart: a\nnodes:\n  a:\n    kind: say\n    next: b\n  c: 3\n")
    done = runner.invoke(app, ["ivr", "check", str(EXAMPLES / "bank.yaml"), str(bad)])
    assert done.exit_code == 1
    assert "flow bank, 17 nodes, ok" in done.output
    assert "node a, field prompt, line 5: missing prompt" in done.output
    assert "node c: a node is a mapping with a kind" in done.output


def test_walk_a_flow_without_a_pbx():
    done = runner.invoke(
        app,
        [
            "ivr",
            "walk",
            str(EXAMPLES / "bank.yaml"),
            "--keys",
            "1,4111111111111111#,-,0",
            "--fact",
            "known_customer=true",
            "--fact",
            "customer_name=Ana",
            "--answer",
            "balance=5,00 USD",
            "--answer",
            "status=Activo",
        ],
    )
    assert done.exit_code == 0, done.output
    lines = done.output.splitlines()
    assert lines[0].startswith("[main_menu] Bienvenido, Ana.")
    assert "-> [after_balance] Su saldo pendiente es 5,00 USD." in lines[2]
    assert "(silence) -> [after_balance] No recibimos su respuesta." in lines[3]
    assert lines[-1].startswith("=> {'type': 'queue', 'queue': 'general'")


@pytest.mark.django_db
def test_seed_load_and_list(center, tmp_path):
    assert runner.invoke(app, ["ivr", "seed"]).exit_code == 0
    edited = tmp_path / "bank.yaml"
    edited.write_text((EXAMPLES / "bank.yaml").read_text().replace("Banco Lealtad", "Banco L"))
    done = runner.invoke(app, ["ivr", "load", str(edited), "--no-activate"])
    assert done.exit_code == 0 and "bank version 2" in done.output
    assert IvrFlow.objects.get(active=True, name="bank").version == 1
    listed = runner.invoke(app, ["ivr", "flows"]).output.splitlines()
    bank = [line.split()[:3] for line in listed if " bank " in line]
    assert bank == [["bank", "v2", bank[0][2]], ["*", "bank", "v1"]]  # inactive v2, active v1
