"""``lealtad identity train`` / ``dedupe`` on a small base of customers with known duplicates."""

from __future__ import annotations

import csv
import itertools
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from lealtad.core.normalize import phone
from lealtad.customers import dedupe, dedupe_run
from lealtad.customers.identity_cli import app
from lealtad.customers.models import Address, Customer, Email, Identifier, Merge, Phone
from lealtad.matching.synthetic import population
from tests.matching.conftest import f1, true_pairs

pytestmark = pytest.mark.django_db


def _load(n: int = 200) -> dict[int, int]:
    """Create the customers; returns the synthetic entity of each external id key."""
    truth = population(n, duplicate_share=0.3, seed=21)
    for p in truth.people:
        c = Customer.objects.create(
            given_names=p.given_names,
            first_surname=p.first_surname,
            second_surname=p.second_surname,
            display_name=f"{p.given_names} {p.first_surname}",
            search_name="",
            birth_date=p.birth_date,
            national_id=p.national_id,
        )
        Identifier.objects.create(customer=c, kind="external", system="crm", value=str(p.key))
        for number, mobile in p.phones:
            Phone.objects.create(customer=c, e164=phone(number, p.region).e164, is_mobile=mobile)
        for address in p.emails:
            Email.objects.create(customer=c, address=address)
        for line, city, region, _code in p.addresses:
            Address.objects.create(customer=c, kind="home", line1=line, city=city, region=region)
    return truth.entity


def _clusters() -> set[tuple[int, int]]:
    groups: dict[int, list[int]] = {}
    for value, cid in Identifier.objects.filter(system="crm").values_list("value", "customer_id"):
        groups.setdefault(cid, []).append(int(value))
    out: set[tuple[int, int]] = set()
    for members in groups.values():
        out.update(itertools.combinations(sorted(members), 2))
    return out


@pytest.fixture
def home(settings: Any, tmp_path: Path) -> Path:
    settings.LEALTAD_HOME = tmp_path
    return tmp_path


def test_train_then_report_then_apply(home: Path) -> None:
    entity = _load()
    runner = CliRunner()
    trained = runner.invoke(app, ["train"])
    assert trained.exit_code == 0, trained.output
    assert dedupe.model_path().exists()

    report = home / "pairs.csv"
    dry = runner.invoke(app, ["dedupe", "--report", str(report)])
    assert dry.exit_code == 0, dry.output
    assert not Merge.objects.exists()
    with report.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert list(rows[0])[:7] == list(dedupe_run.REPORT_COLUMNS)
    assert {"a_external:crm", "b_external:crm"} <= set(rows[0])
    assert all(float(r["probability"]) >= 0.5 for r in rows)
    linked = {
        tuple(sorted((int(r["a_external:crm"]), int(r["b_external:crm"]))))
        for r in rows
        if r["linked"] == "yes"
    }
    assert f1(linked, true_pairs(entity)) >= 0.95

    applied = runner.invoke(app, ["dedupe", "--apply"])
    assert applied.exit_code == 0, applied.output
    assert f1(_clusters(), true_pairs(entity)) >= 0.95
    merge = Merge.objects.first()
    assert merge is not None and merge.reason.startswith("identity dedupe: p=")
    assert merge.survivor_id < merge.absorbed_id  # the oldest customer survives
    live = Customer.objects.filter(merged_into__isnull=True).count()
    assert live == len(set(entity.values()))
