"""``lealtad sales quotes …``: draft from a file, a refused line named, submit, the PDF
written, a manager's decision."""

from __future__ import annotations

import json

import pytest
from django.contrib.auth.models import User
from typer.testing import CliRunner

from lealtad.commerce import demo
from lealtad.sales.cli_quotes import app
from lealtad.sales.models import Quote

pytestmark = pytest.mark.django_db
runner = CliRunner()


def test_create_show_submit_and_decide(tmp_path, db) -> None:
    demo.seed_catalog()
    story = demo.seed_customer()
    User.objects.create_user("vendedor")
    draft = {
        "country": "PE",
        "customer_id": story.customer_id,
        "discount_percent": "40",
        "lines": [{"sku": demo.SHIRT_M, "quantity": 4, "group": "Camisas"}],
    }
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({**draft, "lines": [{"sku": "NADA", "quantity": 1}]}))
    refused = runner.invoke(app, ["create", str(bad), "--as", "vendedor"])
    assert refused.exit_code == 1 and "lines[0].sku" in refused.output
    good = tmp_path / "good.json"
    good.write_text(json.dumps(draft))
    made = runner.invoke(app, ["create", str(good), "--as", "vendedor"])
    assert made.exit_code == 0, made.output
    quote = Quote.objects.get()
    assert quote.tax_name == "IGV" and "IGV" in made.output
    pdf = tmp_path / "q.pdf"
    shown = runner.invoke(app, ["show", quote.number, "--pdf", str(pdf)])
    assert shown.exit_code == 0 and pdf.read_bytes().startswith(b"%PDF")
    submitted = runner.invoke(app, ["submit", quote.number, "--as", "vendedor"])
    assert submitted.output.strip() == "pending_approval"
    not_manager = runner.invoke(app, ["decide", quote.number, "--approve", "--as", "vendedor"])
    assert not_manager.exit_code == 2
    User.objects.create_superuser("gerente")
    decided = runner.invoke(app, ["decide", quote.number, "--approve", "--as", "gerente"])
    assert decided.output.strip() == "approved", decided.output
