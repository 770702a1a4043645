"""``lealtad loyalty …``: demo, expire, check and statement."""

from __future__ import annotations

import pytest
from django.utils import timezone
from typer.testing import CliRunner

from lealtad.commerce import demo as commerce_demo
from lealtad.loyalty.cli import app
from lealtad.loyalty.models import Member
from tests.loyalty.helpers import dispatch, place

pytestmark = pytest.mark.django_db(transaction=True)
runner = CliRunner()


def test_demo_check_statement_and_expire(api, story):
    place(api, story, [{"sku": commerce_demo.SHIRT_M, "quantity": 1}])
    dispatch()  # no program yet: nothing earned
    made = runner.invoke(app, ["demo"])
    assert made.exit_code == 0, made.output
    member = Member.objects.get(customer_id=story.customer_id)
    assert member.balance > 0 and member.tier.name == "Plata"
    again = runner.invoke(app, ["demo"])
    assert "0 entries" in again.output
    member.refresh_from_db()
    balance = member.balance
    checked = runner.invoke(app, ["check"])
    assert checked.exit_code == 0 and "every balance equals its ledger" in checked.output
    month = timezone.localdate().strftime("%Y-%m")
    shown = runner.invoke(app, ["statement", str(story.customer_id), "--month", month])
    assert shown.exit_code == 0, shown.output
    assert "opening balance 0" in shown.output and f"closing balance {balance}" in shown.output
    assert runner.invoke(app, ["expire"]).exit_code == 0
    Member.objects.filter(pk=member.pk).update(balance=balance + 1)  # a cache gone wrong
    broken = runner.invoke(app, ["check"])
    assert broken.exit_code == 1 and f"member {member.pk}" in broken.output
    assert runner.invoke(app, ["statement", "999999"]).exit_code == 1
