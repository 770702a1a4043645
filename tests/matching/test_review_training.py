"""The review queue's decisions feed back into training: labels move m and u."""

from __future__ import annotations

import datetime
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from typer.testing import CliRunner

from lealtad.customers import dedupe
from lealtad.customers.identity_cli import app
from lealtad.customers.models import Customer, Email, IdentityReview, Phone
from lealtad.matching import Model
from tests.matching.test_dedupe_django import _load

pytestmark = pytest.mark.django_db


def _customer(n: int, given: str, birth: datetime.date, email: str) -> Customer:
    c = Customer.objects.create(
        given_names=given,
        first_surname=f"Apellido{n}",
        second_surname="Guamán",
        display_name=given,
        search_name="",
        birth_date=birth,
    )
    Phone.objects.create(customer=c, e164=f"+5939876{n:05d}", is_mobile=True)
    Email.objects.create(customer=c, address=email)
    return c


def _weights(model: Model, name: str) -> np.ndarray:
    k = [c.name for c in model.comparisons].index(name)
    return model.level_weights()[k]


@pytest.fixture
def home(settings: Any, tmp_path: Path) -> Path:
    settings.LEALTAD_HOME = tmp_path
    return tmp_path


def test_decisions_move_the_weights_the_expected_way(home: Path) -> None:
    _load()
    before, _path = dedupe.train_model()
    assert before.info["labels"] == {"matches": 0, "non_matches": 0}
    birth = datetime.date(1977, 7, 7)
    for n in range(12):
        # the same person, who never gives the same email twice
        a = _customer(2 * n, "Ana", datetime.date(1980, 1, 1 + n), f"ana{n}@a.ec")
        b = _customer(2 * n, "Ana", datetime.date(1980, 1, 1 + n), f"zz{n}q@b.ec")
        b.phones.update(e164=f"+5939876{2 * n:05d}")
        IdentityReview.objects.create(customer_a=a, customer_b=b, reason="x", status="merged")
        # strangers born on the same day
        c = _customer(100 + n, f"Carla{n}", birth, f"carla{n}@c.ec")
        d = _customer(200 + n, f"Diego{n}", birth, f"diego{n}@d.ec")
        IdentityReview.objects.create(customer_a=c, customer_b=d, reason="x", status="distinct")
    IdentityReview.objects.create(
        customer_a=Customer.objects.first(), customer_b=Customer.objects.last(), reason="open"
    )

    result = CliRunner().invoke(app, ["train"])
    assert result.exit_code == 0, result.output
    assert "12 confirmed matches, 12 confirmed non-matches" in result.stdout
    after = Model.load(dedupe.model_path())
    assert after.info["labels"] == {"matches": 12, "non_matches": 12}

    email_before, email_after = _weights(before, "email"), _weights(after, "email")
    assert email_after[1] < email_before[1]  # agreeing on email says less
    assert email_after[-1] > email_before[-1]  # disagreeing on it counts less against
    birth_before, birth_after = _weights(before, "birth_date"), _weights(after, "birth_date")
    assert birth_after[1] < birth_before[1]  # strangers share birth dates more than thought
