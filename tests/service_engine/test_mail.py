"""Inbound mail: each corpus mail parsed, classified and threaded, each decision asserted."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lealtad.service_engine.mail import (
    LOOP_HEADER,
    Action,
    LoopGuard,
    Mailbox,
    MailKind,
    MailLimits,
    MailRefused,
    build_reply,
    case_token,
    classify,
    conversation_of,
    decide,
    parse_message,
    verified_case,
)
from lealtad.service_engine.mail.token import message_id
from tests.service_engine import mail_corpus as corpus
from tests.service_engine.mail_corpus import OUTLOOK_GUID, SECRET

LOOP_ID = "lealtad-ec-1"
DESK = Mailbox(corpus.DESK, "Soporte Lealtad", SECRET, LOOP_ID)


@dataclass
class Cases:
    """The caller's side of threading: what the service context knows from its tables."""

    by_message_id: dict[str, int] = field(default_factory=dict)
    by_conversation: dict[str, int] = field(default_factory=dict)
    customers: dict[int, str] = field(default_factory=dict)

    def case_by_message_id(self, message_id: str) -> int | None:
        return self.by_message_id.get(message_id)

    def case_by_conversation(self, conversation: str) -> int | None:
        return self.by_conversation.get(conversation)

    def is_customer_of(self, case_id: int, sender: str) -> bool:
        return self.customers.get(case_id) == sender


CASES = Cases(
    by_message_id={"CAF3xK9d7q=Vd9Jc2p+ZKQ@mail.gmail.com": 4711},
    by_conversation={OUTLOOK_GUID.hex(): 5020},
    customers={4711: "ana.lopez@gmail.com", 5020: "jperez@constructora-andina.com.ec"},
)


def run(raw: bytes, guard: LoopGuard | None = None, at: datetime | None = None):
    mail = parse_message(raw)
    kind = classify(mail, loop_id=LOOP_ID, guard=guard, received_at=at)
    return mail, decide(mail, kind, CASES, secret=SECRET)


def test_gmail_first_mail_opens_a_new_case_with_the_plain_text_part() -> None:
    mail, decision = run(corpus.gmail_new(subject="Consulta sobre mi pedido 1182"))
    assert decision.action is Action.NEW_CASE and decision.reason == "no_thread"
    assert mail.sender == "ana.lopez@gmail.com" and mail.sender_name == "Ana López"
    assert "factura electrónica" in mail.text and "<div" not in mail.text
    assert mail.date == datetime(2026, 12, 3, 15, 14, 7, tzinfo=UTC)


def test_gmail_reply_to_our_mail_joins_by_the_signed_token() -> None:
    ours = message_id(4711, SECRET, "lealtad.ec")
    refs = f"<CAF3xK9d7q=Vd9Jc2p+ZKQ@mail.gmail.com> <{ours}>"
    _, decision = run(corpus.gmail_reply(ours, refs))
    assert (decision.action, decision.case_id, decision.reason) == (
        Action.JOIN,
        4711,
        "signed_token",
    )
    assert decision.sender_is_customer is True


def test_a_reply_to_a_known_message_id_joins_that_case() -> None:
    known = "CAF3xK9d7q=Vd9Jc2p+ZKQ@mail.gmail.com"
    _, decision = run(corpus.gmail_reply(known, f"<{known}>"))
    assert (decision.action, decision.case_id, decision.reason) == (Action.JOIN, 4711, "message_id")


def test_outlook_reply_without_in_reply_to_joins_by_thread_index() -> None:
    mail, decision = run(corpus.outlook_reply())
    assert mail.in_reply_to == () and mail.references == ()
    assert (decision.action, decision.case_id, decision.reason) == (
        Action.JOIN,
        5020,
        "thread_index",
    )
    assert "número de serie" in mail.text  # iso-8859-1 decoded


def test_an_unknown_outlook_conversation_is_a_new_case() -> None:
    _, decision = run(corpus.outlook_reply(guid=b"\xff" * 16))
    assert decision.action is Action.NEW_CASE


def test_spanish_out_of_office_without_headers_is_dropped_as_auto_reply() -> None:
    mail, decision = run(corpus.out_of_office_es())
    assert mail.subject.startswith("Respuesta automática")
    assert (decision.action, decision.reason) == (Action.DROP, "auto_reply")
    assert decision.detail.startswith("Subject: ")


@pytest.mark.parametrize(
    "header",
    [
        "Auto-Submitted: auto-replied",
        "Auto-Submitted: auto-generated",
        "X-Autoreply: yes",
        "Precedence: bulk",
        "Precedence: junk",
    ],
)
def test_rfc3834_and_vendor_headers_mark_auto_replies(header: str) -> None:
    _, decision = run(corpus.auto_submitted(header))
    assert (decision.action, decision.reason) == (Action.DROP, "auto_reply")


def test_auto_submitted_no_is_a_person() -> None:
    _, decision = run(corpus.auto_submitted("Auto-Submitted: no"))
    assert decision.action is Action.NEW_CASE


def test_a_complaint_about_an_absence_is_not_an_out_of_office() -> None:
    _, decision = run(corpus.gmail_new(subject="Ausencia del técnico en la visita del lunes"))
    assert decision.action is Action.NEW_CASE


def test_dsn_bounce_is_dropped_and_names_the_case_whose_mail_bounced() -> None:
    ours = message_id(4711, SECRET, "lealtad.ec")
    mail, decision = run(corpus.dsn_bounce(ours))
    assert mail.report is not None
    assert mail.report.recipients == ("ana.lopez@gmial.com",)
    assert (mail.report.action, mail.report.status) == ("failed", "5.4.4")
    assert (decision.action, decision.reason, decision.case_id) == (Action.DROP, "bounce", 4711)


def test_mailer_daemon_without_a_report_is_still_a_bounce() -> None:
    raw = corpus.auto_submitted("X-Foo: bar").replace(
        b"helpdesk@proveedor.co", b"MAILER-DAEMON@proveedor.co"
    )
    _, decision = run(raw)
    assert (decision.action, decision.reason) == (Action.DROP, "bounce")


def test_broken_mime_is_read_not_lost() -> None:
    mail, decision = run(corpus.broken_mime())
    assert "dos veces el pedido 7731" in mail.text
    assert mail.date is None and mail.defects
    assert decision.action is Action.NEW_CASE


def test_unknown_charset_falls_back_and_says_so() -> None:
    mail, _ = run(corpus.unknown_charset())
    assert "venció ayer" in mail.text
    assert any(d.startswith("charset:") for d in mail.defects)


def test_html_only_body_becomes_text_without_scripts_or_fetches() -> None:
    mail, _ = run(corpus.html_only())
    assert mail.text.splitlines()[0] == "Faltan dos piezas del pedido."
    assert "- Bisagra" in mail.text and "- Tornillo" in mail.text
    assert "alert" not in mail.text and "color" not in mail.text and "tracker" not in mail.text


def test_a_30_mb_attachment_keeps_its_metadata_and_leaves_its_content() -> None:
    size = 30 * 1024 * 1024
    mail, decision = run(corpus.with_attachment(size))
    (video,) = mail.attachments
    assert (video.filename, video.content_type, video.content) == ("falla.mp4", "video/mp4", None)
    assert abs(video.size - size) < 1024
    assert video.left_behind is not None and "10,485,760" in video.left_behind
    assert mail.text.strip() == "Adjunto el video."
    assert decision.action is Action.NEW_CASE


def test_a_small_attachment_is_kept_byte_for_byte() -> None:
    mail, _ = run(corpus.with_attachment(5000))
    assert mail.attachments[0].content == (bytes(range(256)) * 19 + b"\x00" * 136)


def test_a_mail_over_the_size_limit_is_refused_while_streaming() -> None:
    raw = corpus.with_attachment(3 * 1024 * 1024)
    chunks_read = []

    def stream():
        for i in range(0, len(raw), 65536):
            chunks_read.append(i)
            yield raw[i : i + 65536]

    with pytest.raises(MailRefused) as err:
        parse_message(stream(), MailLimits(max_message_bytes=1024 * 1024))
    assert err.value.code == "too_large"
    assert len(chunks_read) < len(raw) // 65536  # stopped early, not read to the end


def test_two_auto_responders_looping_are_cut_after_the_limit() -> None:
    guard = LoopGuard(limit=5)
    start = datetime(2026, 12, 4, 10, tzinfo=UTC)
    actions = [
        run(corpus.responder(n), guard, start + timedelta(seconds=3 * n))[1] for n in range(30)
    ]
    assert [d.action for d in actions[:5]] == [Action.NEW_CASE] * 5
    assert all(d.action is Action.DROP and d.reason == "loop" for d in actions[5:])
    # Minutes of quiet later, the same sender is a person again.
    later = run(corpus.responder(99), guard, start + timedelta(minutes=5))[1]
    assert later.action is Action.NEW_CASE


def test_our_own_mail_coming_back_is_a_loop() -> None:
    ours = build_reply(
        DESK, case_id=4711, to="ana.lopez@gmail.com", subject="Hola", body="x", automatic=True
    )
    ours.replace_header("Auto-Submitted", "no")
    _, decision = run(ours.as_bytes())
    assert (decision.action, decision.reason) == (Action.DROP, "loop")


def test_subject_reference_from_the_cases_customer_joins() -> None:
    raw = corpus.gmail_new(subject="[CASO-4711] Sigue sin llegar la factura")
    _, decision = run(raw)
    assert (decision.action, decision.case_id, decision.reason) == (
        Action.JOIN,
        4711,
        "subject_reference",
    )


def test_subject_reference_from_another_sender_never_joins_that_case() -> None:
    raw = corpus.gmail_new(subject="[CASO-4711] Mi caso", sender="intruso@example.org")
    _, decision = run(raw)
    assert decision.action is Action.NEW_CASE and decision.case_id is None
    assert decision.reason == "subject_reference_refused"
    assert "intruso@example.org" in decision.detail


def test_a_forged_token_is_not_a_token() -> None:
    forged = f"abc.c4711.{'0' * 20}@lealtad.ec"
    _, decision = run(corpus.gmail_reply(forged, f"<{forged}>", sender="intruso@example.org"))
    assert decision.action is Action.NEW_CASE


def test_reply_to_plus_address_carries_the_token() -> None:
    raw = corpus.gmail_new(subject="Otra pregunta").replace(
        corpus.DESK.encode(), f"soporte+{case_token(4711, SECRET)}@lealtad.ec".encode()
    )
    _, decision = run(raw)
    assert (decision.action, decision.case_id) == (Action.JOIN, 4711)


def test_our_reply_threads_and_the_customers_answer_comes_back_to_the_case() -> None:
    inbound = parse_message(corpus.gmail_new())
    reply = build_reply(
        DESK,
        case_id=4711,
        to="ana.lopez@gmail.com",
        subject="Re: " + inbound.subject,
        body="Le reenviamos la factura.",
        answering=inbound,
    )
    assert reply["In-Reply-To"] == "<CAF3xK9d7q=Vd9Jc2p+ZKQ@mail.gmail.com>"
    assert reply["Subject"] == "Re: [CASO-4711] No me llega la factura de noviembre"
    assert verified_case(str(reply["Reply-To"]), SECRET) == 4711
    assert reply["Auto-Submitted"] is None and reply[LOOP_HEADER] == LOOP_ID
    sent = parse_message(reply.as_bytes())
    refs = " ".join(f"<{m}>" for m in (*sent.references, sent.message_id))
    answer = corpus.gmail_reply(sent.message_id or "", refs, sender="otra@persona.com")
    _, decision = run(answer)
    assert (decision.action, decision.case_id, decision.reason) == (
        Action.JOIN,
        4711,
        "signed_token",
    )
    assert decision.sender_is_customer is False  # a colleague the mail was forwarded to


def test_automatic_notifications_say_so() -> None:
    note = build_reply(DESK, case_id=12, to="a@b.ec", subject="Recibido", body="x", automatic=True)
    assert note["Auto-Submitted"] == "auto-replied"
    assert note["X-Auto-Response-Suppress"] == "All"
    assert note["Subject"] == "[CASO-12] Recibido"
    assert classify(parse_message(note.as_bytes()), loop_id="other").kind is MailKind.AUTO_REPLY


def test_thread_index_conversation_is_stable_across_replies() -> None:
    one = conversation_of(corpus.thread_index(OUTLOOK_GUID, 0))
    three = conversation_of(corpus.thread_index(OUTLOOK_GUID, 3))
    assert one == three == OUTLOOK_GUID.hex()
    assert conversation_of("not base64!") is None and conversation_of("AAAA") is None


@given(st.integers(0, 10**12), st.binary(min_size=1, max_size=32))
def test_a_token_verifies_only_with_its_own_secret(case_id: int, other: bytes) -> None:
    token = case_token(case_id, SECRET)
    assert verified_case(f"x.{token}@d", SECRET) == case_id
    if other != SECRET:
        assert verified_case(f"x.{token}@d", other) is None


@given(st.binary(max_size=2000))
def test_any_bytes_parse_without_raising(raw: bytes) -> None:
    mail = parse_message(raw)
    classify(mail, loop_id=LOOP_ID)


def test_the_loop_guard_forgets_quiet_senders_but_not_busy_ones() -> None:
    guard = LoopGuard(limit=2, max_senders=3)
    start = datetime(2026, 12, 4, 10, tzinfo=UTC)
    for i in range(3):
        guard.hit(f"quiet{i}@x.ec", start)
    guard.hit("busy@x.ec", start + timedelta(minutes=5))
    guard.hit("busy@x.ec", start + timedelta(minutes=5, seconds=1))
    assert guard.hit("busy@x.ec", start + timedelta(minutes=5, seconds=2)) == 3
    assert len(guard._seen) <= 3


CORPUS = [
    corpus.gmail_new(),
    corpus.outlook_reply(),
    corpus.dsn_bounce("x.c1.00000000000000000000@lealtad.ec"),
    corpus.broken_mime(),
    corpus.html_only(),
    corpus.unknown_charset(),
]


@given(
    st.sampled_from(CORPUS),
    st.lists(st.tuples(st.integers(0, 10_000), st.integers(0, 255)), max_size=20),
    st.integers(0, 10_000),
)
def test_mangled_real_mail_parses_classifies_and_threads_without_raising(
    raw: bytes, flips: list[tuple[int, int]], cut: int
) -> None:
    data = bytearray(raw[: max(cut, 1)] if cut < len(raw) else raw)
    for position, value in flips:
        if data:
            data[position % len(data)] = value
    _mail, decision = run(bytes(data))
    assert decision.action in set(Action)
