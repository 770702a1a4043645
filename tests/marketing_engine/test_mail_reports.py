"""DSN (RFC 3464) and ARF (RFC 5965) reports read from realistic mails."""

from __future__ import annotations

from pathlib import Path

import pytest

from lealtad.marketing_engine.mail_reports import COMPLAINT, HARD, SOFT, NotAReport, parse

SAMPLES = Path(__file__).parent.parent / "marketing" / "mail"


def sample(name: str, address: str = "ana@example.ec", campaign: int = 7, message: int = 345):
    text = (SAMPLES / name).read_text()
    text = text.replace("{ADDRESS}", address).replace("{CAMPAIGN}", str(campaign))
    return text.replace("{MESSAGE}", str(message)).replace("\n", "\r\n").encode()


def test_a_postfix_hard_bounce():
    [report] = parse(sample("dsn_hard_postfix.eml", "Ana@Example.ec"))
    assert report.kind == HARD
    assert report.address == "ana@example.ec"
    assert report.message_id == 345
    assert report.status == "5.1.1"
    assert "User unknown" in report.detail
    assert report.external_id == "<20261205190211.4F1C2A0123@mx1.lealtad.localhost>/ana@example.ec"
    assert report.at is not None and report.at.year == 2026


def test_an_exim_delay_is_a_soft_bounce_with_the_original_quoted_whole():
    [report] = parse(sample("dsn_soft_exim.eml", message=9))
    assert (report.kind, report.status, report.message_id) == (SOFT, "4.2.2", 9)


def test_a_feedback_report_is_a_complaint():
    [report] = parse(sample("arf_complaint.eml", "bea@example.ec", message=12))
    assert report.kind == COMPLAINT
    assert report.address == "bea@example.ec"
    assert report.message_id == 12
    assert report.status == "abuse"


def test_an_ordinary_mail_is_not_a_report():
    with pytest.raises(NotAReport):
        parse(sample("ordinary_reply.eml"))


def test_one_dsn_for_several_recipients_skips_the_delivered_one():
    raw = (
        b"From: MAILER-DAEMON@mx\r\nMessage-ID: <dsn-2@mx>\r\nMIME-Version: 1.0\r\n"
        b'Content-Type: multipart/report; report-type=delivery-status; boundary="b"\r\n\r\n'
        b"--b\r\nContent-Type: text/plain\r\n\r\nSee below.\r\n"
        b"--b\r\nContent-Type: message/delivery-status\r\n\r\n"
        b"Reporting-MTA: dns; mx\r\n\r\n"
        b"Final-Recipient: rfc822; a@x.ec\r\nAction: failed\r\nStatus: 5.2.1\r\n\r\n"
        b"Final-Recipient: rfc822; b@x.ec\r\nAction: delivered\r\nStatus: 2.0.0\r\n\r\n"
        b"Final-Recipient: rfc822; c@x.ec\r\nAction: failed\r\nStatus: 4.4.7\r\n\r\n"
        b"--b--\r\n"
    )
    reports = parse(raw)
    assert [(r.address, r.kind, r.message_id) for r in reports] == [
        ("a@x.ec", HARD, None),
        ("c@x.ec", SOFT, None),
    ]
    assert len({r.external_id for r in reports}) == 2
