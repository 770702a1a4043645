"""``lealtad service kb``: search, an all-or-nothing import, an export import reads back."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from lealtad.service.cli import app
from lealtad.service.models import Article, ArticleVersion

runner = CliRunner()
pytestmark = pytest.mark.django_db(transaction=True)

ROW = {
    "key": "pago-qr",
    "category": "billing_inquiry",
    "status": "published",
    "versions": [{"language": "es", "title": "Pagar con código QR", "body": "<p>Use Yape.</p>"}],
}


def test_import_search_and_export_round_trip(tmp_path):
    source = tmp_path / "kb.json"
    source.write_text(json.dumps([ROW]), encoding="utf-8")
    got = runner.invoke(app, ["kb", "import", str(source)])
    assert got.exit_code == 0, got.output
    assert "1 articles saved" in got.output
    found = runner.invoke(app, ["kb", "search", "codigo qr"])
    assert "pago-qr" in found.output and "codigo" in found.output
    out = tmp_path / "out.json"
    assert runner.invoke(app, ["kb", "export", "--out", str(out)]).exit_code == 0
    assert json.loads(out.read_text())[0]["versions"][0]["title"] == "Pagar con código QR"
    Article.objects.all().delete()
    assert runner.invoke(app, ["kb", "import", str(out)]).exit_code == 0
    assert ArticleVersion.objects.get().title == "Pagar con código QR"


def test_a_bad_row_is_named_and_nothing_is_imported(tmp_path):
    bad = {**ROW, "key": "otro", "versions": [{"language": "es", "title": "", "body": "x"}]}
    source = tmp_path / "kb.yaml"
    source.write_text(json.dumps([ROW, bad]), encoding="utf-8")  # JSON is YAML too
    got = runner.invoke(app, ["kb", "import", str(source)])
    assert got.exit_code == 1
    assert "articles.1.versions.0.title" in got.output
    assert not Article.objects.exists()
    twice = tmp_path / "twice.json"
    twice.write_text(json.dumps([ROW, ROW]), encoding="utf-8")
    got = runner.invoke(app, ["kb", "import", str(twice)])
    assert got.exit_code == 1 and "articles.1.key" in got.output
    assert not Article.objects.exists()
