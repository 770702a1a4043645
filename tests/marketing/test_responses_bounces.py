"""Bounces and complaints: the ESP webhook, DSN and ARF mails from a file and over IMAP
(a real Dovecot), each turning into the right suppression, once."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone
from typer.testing import CliRunner

from lealtad.cli import app as cli
from lealtad.customers.models import Consent, ConsentChange
from lealtad.marketing.models import Bounce, Message, Suppression
from lealtad.marketing.services.bounces import (
    BounceIn,
    BounceRefused,
    record_bounces,
)
from tests.marketing.response_data import campaign, customer, message

pytestmark = pytest.mark.django_db
SAMPLES = Path(__file__).parent / "mail"
URL = "/api/v1/marketing/bounces"


def sample(name: str, address: str, camp: int, msg: int) -> bytes:
    text = (SAMPLES / name).read_text()
    text = text.replace("{ADDRESS}", address).replace("{CAMPAIGN}", str(camp))
    return text.replace("{MESSAGE}", str(msg)).replace("\n", "\r\n").encode()


@pytest.fixture
def sent():
    ana = customer("ana@example.ec")
    camp = campaign()
    return message(camp, ana, "ana@example.ec")


def test_a_hard_bounce_marks_the_message_and_suppresses_at_once(sent):
    outcome = record_bounces([BounceIn("esp-1", "hard", message_id=sent.pk)])
    assert (outcome.recorded, outcome.suppressed) == (1, 1)
    assert Message.objects.get(pk=sent.pk).status == "bounced"
    row = Suppression.objects.get()
    assert (row.channel, row.address, row.reason) == ("email", "ana@example.ec", "bounce")
    again = record_bounces([BounceIn("esp-1", "hard", message_id=sent.pk)])
    assert (again.recorded, again.repeated) == (0, 1)
    assert Bounce.objects.count() == 1


def test_soft_bounces_suppress_on_the_third_within_thirty_days(sent):
    now = timezone.now()
    old = BounceIn("s-old", "soft", address="ana@example.ec", at=now - timedelta(days=40))
    record_bounces([old, BounceIn("s-1", "soft", address="ANA@example.ec", at=now)])
    assert not Suppression.objects.exists()
    record_bounces([BounceIn("s-2", "soft", address="ana@example.ec", at=now)])
    assert not Suppression.objects.exists()  # two in the window, one older
    record_bounces([BounceIn("s-3", "soft", address="ana@example.ec", at=now)])
    assert Suppression.objects.get().reason == "bounce"
    assert Message.objects.get(pk=sent.pk).status == "sent"  # soft: not bounced
    assert Bounce.objects.filter(message_id=sent.pk).count() == 4  # found by its address


def test_a_complaint_suppresses_and_withdraws_email_marketing(sent):
    record_bounces([BounceIn("fbl-1", "complaint", address="ana@example.ec")])
    assert Suppression.objects.get().reason == "complaint"
    consent = Consent.objects.get(customer_id=sent.customer_id, channel="email")
    assert consent.granted is False
    change = ConsentChange.objects.get(customer_id=sent.customer_id, granted=False)
    assert change.method == "complaint (marked as spam)"
    assert change.proof_reference == "bounce-fbl-1"


@pytest.mark.parametrize(
    ("row", "field"),
    [
        (BounceIn("", "hard", address="a@x.ec"), "rows[1].id"),
        (BounceIn("x", "bounced", address="a@x.ec"), "rows[1].kind"),
        (BounceIn("x", "hard"), "rows[1].message_id"),
        (BounceIn("x", "hard", message_id=987654), "rows[1].message_id"),
        (BounceIn("x", "hard", address="not an address"), "rows[1].address"),
    ],
)
def test_a_bad_row_refuses_the_batch(sent, row, field):
    with pytest.raises(BounceRefused) as refused:
        record_bounces([BounceIn("good", "hard", message_id=sent.pk), row])
    assert refused.value.field == field
    assert not Bounce.objects.exists() and not Suppression.objects.exists()


def test_the_webhook_records_refuses_per_row_and_is_idempotent(sent, token_client):
    client = token_client("marketer", ("marketing:manage",))
    body = [
        {"id": "w-1", "kind": "hard", "message_id": sent.pk, "at": "2026-12-05T10:00:00Z"},
        {"id": "w-2", "kind": "complaint", "address": "ana@example.ec"},
    ]
    first = client.post(URL, json.dumps(body), content_type="application/json")
    assert first.status_code == 200, first.content
    assert first.json() == {"recorded": 2, "repeated": 0, "suppressed": 1}
    again = client.post(URL, json.dumps(body), content_type="application/json")
    assert again.json() == {"recorded": 0, "repeated": 2, "suppressed": 0}
    bad = client.post(
        URL, json.dumps([{"id": "w-3", "kind": "hard", "message_id": 424242}]),
        content_type="application/json",
    )  # fmt: skip
    assert bad.status_code == 404
    assert "message_id" in bad.content.decode()
    reader = token_client("supervisor", ("marketing:read",))
    assert reader.post(URL, json.dumps(body), content_type="application/json").status_code == 403


def test_the_cli_reads_report_files_and_skips_ordinary_mail(sent, tmp_path):
    hard = tmp_path / "hard.eml"
    hard.write_bytes(sample("dsn_hard_postfix.eml", "ana@example.ec", sent.campaign_id, sent.pk))
    other = tmp_path / "reply.eml"
    other.write_bytes((SAMPLES / "ordinary_reply.eml").read_bytes())
    result = CliRunner().invoke(cli, ["marketing", "bounces", "read", str(hard), str(other)])
    assert result.exit_code == 0, result.output
    assert "1 recorded" in result.output and "1 not reports" in result.output
    bounce = Bounce.objects.get()
    assert (bounce.message_id, bounce.kind, bounce.status, bounce.source) == (
        sent.pk, "hard", "5.1.1", "file",
    )  # fmt: skip
    assert Message.objects.get(pk=sent.pk).status == "bounced"


@pytest.mark.django_db(transaction=True)
def test_fetch_reads_reports_from_an_imap_mailbox(dovecot, monkeypatch):
    ana = customer("ana@example.ec")
    bea = customer("bea@example.ec")
    camp = campaign()
    to_ana = message(camp, ana, "ana@example.ec")
    to_bea = message(camp, bea, "bea@example.ec")
    dovecot.append(sample("dsn_hard_postfix.eml", "ana@example.ec", camp.pk, to_ana.pk))
    dovecot.append(sample("arf_complaint.eml", "bea@example.ec", camp.pk, to_bea.pk))
    dovecot.append((SAMPLES / "ordinary_reply.eml").read_bytes())
    monkeypatch.setenv("LEALTAD_BOUNCE_IMAP_PASSWORD", dovecot.password)
    args = [
        "marketing", "bounces", "fetch", "--host", dovecot.host, "--port", str(dovecot.port),
        "--user", dovecot.user, "--no-ssl",
    ]  # fmt: skip
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    kinds = dict(Bounce.objects.values_list("message_id", "kind"))
    assert kinds == {to_ana.pk: "hard", to_bea.pk: "complaint"}
    assert set(Suppression.objects.values_list("address", "reason")) == {
        ("ana@example.ec", "bounce"),
        ("bea@example.ec", "complaint"),
    }
    again = CliRunner().invoke(cli, args)  # the mailbox read again: nothing new
    assert again.exit_code == 0 and "0 recorded" in again.output
    assert Bounce.objects.count() == 2
