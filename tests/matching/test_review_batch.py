"""``lealtad identity dedupe`` opens reviews for the pairs between the thresholds, once."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from lealtad.customers import dedupe, dedupe_run
from lealtad.customers.identity_cli import app
from lealtad.customers.models import Customer, IdentityReview, Merge
from tests.matching.test_dedupe_django import _load

pytestmark = pytest.mark.django_db


@pytest.fixture
def trained(settings: Any, tmp_path: Path) -> None:
    settings.LEALTAD_HOME = tmp_path
    settings.LEALTAD_IDENTITY_UPPER = 0.9999999  # a wide review band on a small, clean base
    settings.LEALTAD_IDENTITY_LOWER = 0.001
    _load()
    dedupe.train_model()


def _summary(output: str) -> dict[str, Any]:
    return json.loads(output[output.index("{") : output.rindex("}") + 1])


def _pairs() -> list[tuple[int, int]]:
    return [
        tuple(sorted(p))
        for p in IdentityReview.objects.values_list("customer_a_id", "customer_b_id")
    ]


def test_dry_run_opens_reviews_only_when_asked_and_never_twice(trained) -> None:
    runner = CliRunner()
    plain = runner.invoke(app, ["dedupe"])
    assert plain.exit_code == 0, plain.output
    assert not IdentityReview.objects.exists()

    first = runner.invoke(app, ["dedupe", "--reviews"])
    assert first.exit_code == 0, first.output
    opened = _summary(first.stdout)["reviews_opened"]
    assert opened > 0 and IdentityReview.objects.count() == opened
    assert not Merge.objects.exists()
    upper, lower = dedupe.thresholds()
    for review in IdentityReview.objects.all():
        assert review.reason.startswith("probable match (p=")
        assert lower <= review.evidence["probability"] < upper
        assert review.evidence["reason"] and "weight" in review.evidence
    pairs = _pairs()
    assert len(pairs) == len(set(pairs))

    IdentityReview.objects.filter(pk=IdentityReview.objects.first().pk).update(status="distinct")
    again = runner.invoke(app, ["dedupe", "--reviews"])
    assert again.exit_code == 0, again.output
    assert _summary(again.stdout)["reviews_opened"] == 0
    assert sorted(_pairs()) == sorted(pairs)


def test_apply_opens_reviews_between_survivors(trained) -> None:
    run = dedupe_run.run_dedupe(apply=True)
    assert run.merges > 0 and run.reviews > 0
    live = set(Customer.objects.filter(merged_into__isnull=True).values_list("pk", flat=True))
    for a, b in _pairs():
        assert a in live and b in live and a != b
    assert dedupe_run.run_dedupe(apply=True).reviews == 0
