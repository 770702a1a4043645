"""``lealtad sales …``: import a file (bad rows listed, a second run adds nothing), convert
(twice refused), pipelines, move."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth.models import User
from typer.testing import CliRunner

from lealtad.sales.cli import app
from lealtad.sales.models import Lead, Opportunity

pytestmark = pytest.mark.django_db(transaction=True)
runner = CliRunner()
AS = ("--as", "vendedor")


@pytest.fixture
def seller(db):
    return User.objects.create_user("vendedor")


def test_import_convert_and_move(tmp_path, seller):
    good = tmp_path / "feria.csv"
    good.write_text(
        "external_id,person_name,company_name,email,region\n"
        "v1,Rosa Mamani,Textiles Andinos,rosa@example.com,Imbabura\n"
        "v2,Jorge Quispe,,jorge@example.com,Pichincha\n",
        encoding="utf-8",
    )
    made = runner.invoke(app, ["leads", "import", str(good), "--as", "vendedor"])
    assert made.exit_code == 0, made.output
    assert "2 leads created" in made.output
    again = runner.invoke(app, ["leads", "import", str(good), "--as", "vendedor"])
    assert "0 leads created" in again.output and "2 imported before" in again.output
    assert runner.invoke(app, ["pipelines", "--standard"]).exit_code == 0
    listed = runner.invoke(app, ["pipelines"])
    assert "ventas *" in listed.output and re.search(r"Ganada\s+100%\s+won", listed.output)
    lead = Lead.objects.get(external_id="v1")
    converted = runner.invoke(app, ["leads", "convert", str(lead.pk), "--amount", "300", *AS])
    assert converted.exit_code == 0, converted.output
    number = Opportunity.objects.get().number
    assert number in converted.output
    twice = runner.invoke(app, ["leads", "convert", str(lead.pk), *AS])
    assert twice.exit_code == 1 and "converted already" in twice.output
    won = runner.invoke(app, ["move", number, "ganada", "--reason", "precio", *AS])
    assert won.exit_code == 0, won.output
    back = runner.invoke(app, ["move", number, "Propuesta", *AS])
    assert back.exit_code == 1 and "cannot move back" in back.output


def test_a_bad_file_imports_nothing_and_lists_every_row(tmp_path, seller):
    bad = tmp_path / "malo.csv"
    bad.write_text("person_name,email,color\nAna,ana@,rojo\n", encoding="utf-8")
    answer = runner.invoke(app, ["leads", "import", str(bad), "--as", "vendedor"])
    assert answer.exit_code == 1
    assert "line 1, color" in answer.output and "line 2, email" in answer.output
    assert not Lead.objects.exists()
