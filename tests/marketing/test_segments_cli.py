"""The segments' commands: the audience rebuild, a rule counted, segments listed and rebuilt,
a static list imported (a bad file exits 1 naming its line, nothing written)."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from lealtad.core.audit import Actor
from lealtad.core.envelope import CustomerRef
from lealtad.customers import services as customers
from lealtad.customers.schemas import CustomerProfile
from lealtad.marketing.cli import app
from lealtad.marketing.models import AudienceProfile, SegmentMember
from lealtad.marketing.services import segments

pytestmark = pytest.mark.django_db
T = Actor.system("test")


def person(name: str, email: str) -> int:
    ctx = customers.ChangeContext(actor=T, channel="test")
    ref = CustomerRef(email=email)
    return int(customers.create_customer(CustomerProfile(given_names=name), ref, ctx).pk)


def test_the_commands_rebuild_count_list_and_import(tmp_path) -> None:
    ids = [person(f"P{i}", f"p{i}@x.ec") for i in range(3)]
    run = CliRunner()
    done = run.invoke(app, ["audience", "rebuild", "--chunk", "2"])
    assert done.exit_code == 0, done.output
    assert "3 audience rows written" in done.output
    assert AudienceProfile.objects.count() == 3
    rule = json.dumps({"field": "has_email", "op": "eq", "value": True})
    counted = run.invoke(app, ["segments", "count", rule])
    assert counted.exit_code == 0 and counted.output.strip().endswith("3")
    bad_rule = run.invoke(app, ["segments", "count", '{"field": "nope", "op": "eq", "value": 1}'])
    assert bad_rule.exit_code != 0 and "rule.field" in bad_rule.output
    [dyn] = segments.create([segments.SegmentIn("Con correo", rule=json.loads(rule))], by="t")
    [static] = segments.create([segments.SegmentIn("Lista", kind="static")], by="t")
    listed = run.invoke(app, ["segments", "list"])
    assert "Con correo" in listed.output and "Lista" in listed.output
    rebuilt = run.invoke(app, ["segments", "rebuild"])
    assert f"segment {dyn}: 0 entered, 0 left, 3 members" in rebuilt.output
    bad = tmp_path / "bad.csv"
    bad.write_text("email\np0@x.ec\nnadie@x.ec\n", encoding="utf-8")
    refused = run.invoke(app, ["segments", "import", str(static), str(bad)])
    assert refused.exit_code == 1 and "line 3 (email)" in refused.output
    assert SegmentMember.objects.filter(segment_id=static).count() == 0
    good = tmp_path / "good.csv"
    good.write_text(f"customer_id\n{ids[0]}\n{ids[2]}\n", encoding="utf-8")
    imported = run.invoke(app, ["segments", "import", str(static), str(good)])
    assert imported.exit_code == 0 and "2 added, 0 removed, 2 members" in imported.output
