"""The desk's mail pages: the mails received, filtered by what became of them and a page at a
time; one mail with its text, files and case; the triage of an unknown sender's case (find the
customer, link, go to the case: the customer then hears of it); the mails sent and their
bounces. Agents and supervisors only."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from lealtad.core.models import OutboxMessage
from lealtad.customers.models import Email
from lealtad.service.models import Case, InboundMail, OutboundMail
from lealtad.service.selectors import mail as reads
from lealtad.service.services import inbound, triage
from lealtad.service.services.cases import CaseState
from tests.service.mail_fixtures import (  # noqa: F401
    ACTOR,
    customer,
    desk_mailbox,
    mail,
    mail_home_fixture,
)

pytestmark = pytest.mark.django_db(transaction=True)
PDF = b"%PDF-1.4\x00factura"


@pytest.fixture
def agent(make_user) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(make_user("agent"))
    return client


@pytest.fixture
def inbox(mail_home) -> dict[str, InboundMail]:
    """One mail of each outcome."""
    box = desk_mailbox()
    customer("ana@cliente.ec")
    files = [("factura.pdf", "application/pdf", PDF)]
    inbound.apply(mail(message_id="m1@cliente.ec", attachments=files), box)
    answer = mail(
        subject="Re: No funciona",
        message_id="m2@cliente.ec",
        headers={"In-Reply-To": "<m1@cliente.ec>"},
    )
    inbound.apply(answer, box)
    stranger = mail(
        sender="nadie@desconocido.ec", subject="Quiero ayuda", message_id="m3@desconocido.ec"
    )
    inbound.apply(stranger, box)
    away = mail(
        subject="Fuera de la oficina",
        message_id="m4@cliente.ec",
        headers={"Auto-Submitted": "auto-replied"},
    )
    inbound.apply(away, box)
    now = timezone.now()
    InboundMail.objects.create(
        mailbox=box,
        message_id="<failed-x@lealtad.invalid>",
        sha256="0" * 64,
        received_at=now,
        applied_at=now,
        decision="failed",
        reason="ValueError: broken (kept as /tmp/x.eml)",
    )
    return {m.message_id: m for m in InboundMail.objects.all()}


def test_the_inbox_lists_every_mail_with_what_became_of_it(agent, inbox):
    page = agent.get("/service/mail/")
    assert page.status_code == 200
    text = page.content.decode()
    for subject in ("No funciona mi router", "Re: No funciona", "Quiero ayuda", "Fuera de la"):
        assert subject in text
    assert "Unknown sender: triage" in text and "Set aside: could not be read" in text
    assert Case.objects.get(subject="No funciona mi router").number in text


@pytest.mark.parametrize(
    ("outcome", "expected"),
    [
        ("joined", {"m2@cliente.ec"}),
        ("new_case", {"m1@cliente.ec"}),
        ("triage", {"m3@desconocido.ec"}),
        ("dropped", {"m4@cliente.ec"}),
        ("failed", {"<failed-x@lealtad.invalid>"}),
        (
            "",
            {
                "m1@cliente.ec",
                "m2@cliente.ec",
                "m3@desconocido.ec",
                "m4@cliente.ec",
                "<failed-x@lealtad.invalid>",
            },
        ),
        (
            "nonsense",
            {
                "m1@cliente.ec",
                "m2@cliente.ec",
                "m3@desconocido.ec",
                "m4@cliente.ec",
                "<failed-x@lealtad.invalid>",
            },
        ),
    ],
)
def test_the_inbox_filters_by_outcome(agent, inbox, outcome, expected):
    assert {m.message_id for m in reads.inbound(outcome)} == expected
    rows = agent.get("/service/mail/", {"outcome": outcome, "partial": "1"}).content.decode()
    assert "<html" not in rows and 'id="mail-rows"' in rows
    for message_id, row in inbox.items():
        link = f"/service/mail/{row.pk}/"
        assert (link in rows) == (message_id in expected)


def test_the_inbox_searches_sender_and_subject(agent, inbox):
    found = {m.message_id for m in reads.inbound("", "desconocido")}
    assert found == {"m3@desconocido.ec"}
    assert {m.message_id for m in reads.inbound("", "fuera de")} == {"m4@cliente.ec"}


def test_the_inbox_pages(agent, mail_home):
    box = desk_mailbox()
    now = timezone.now()
    InboundMail.objects.bulk_create(
        InboundMail(
            mailbox=box,
            message_id=f"bulk{n}@x.ec",
            sha256="1" * 64,
            subject=f"Correo {n:03d}",
            received_at=now - timedelta(minutes=n),
            applied_at=now,
            decision="loop",
        )
        for n in range(reads.PER_PAGE + 5)
    )
    first = agent.get("/service/mail/").content.decode()
    assert "Correo 000" in first and f"Correo {reads.PER_PAGE:03d}" not in first
    assert "Page 1 of 2" in first
    second = agent.get("/service/mail/", {"page": "2"}).content.decode()
    assert f"Correo {reads.PER_PAGE:03d}" in second and "Correo 000" not in second
    beyond = agent.get("/service/mail/", {"page": "99"}).content.decode()
    assert "Page 2 of 2" in beyond  # past the end: the last page
    assert agent.get("/service/mail/", {"page": "x"}).status_code == 200


def test_a_mails_page_shows_its_headers_text_files_and_case(agent, inbox):
    row = inbox["m1@cliente.ec"]
    page = agent.get(f"/service/mail/{row.pk}/").content.decode()
    assert "ana@cliente.ec" in page and "m1@cliente.ec" in page
    assert "desde ayer no tengo internet" in page
    attachment = row.entry.attachments.get()
    link = f"/service/cases/{row.case_id}/files/{attachment.pk}/"
    assert link in page and "factura.pdf" in page and row.case.number in page
    download = agent.get(link)
    assert b"".join(download.streaming_content) == PDF


def test_a_dropped_mail_shows_why_and_no_text(agent, inbox):
    row = inbox["m4@cliente.ec"]
    page = agent.get(f"/service/mail/{row.pk}/").content.decode()
    assert "not kept" in page and "Dropped: automatic reply" in page and 'id="triage"' not in page
    failed = inbox["<failed-x@lealtad.invalid>"]
    assert "kept as /tmp/x.eml" in agent.get(f"/service/mail/{failed.pk}/").content.decode()
    assert agent.get("/service/mail/999999/").status_code == 404


def test_an_agent_links_an_unknown_senders_case_to_a_customer_found_by_search(agent, inbox):
    row = inbox["m3@desconocido.ec"]
    marta = customer("marta@otro.ec", name="Marta")
    page = agent.get(f"/service/mail/{row.pk}/", {"q": "Marta"}).content.decode()
    assert 'id="triage"' in page and f'value="{marta}"' in page
    response = agent.post(
        f"/service/mail/{row.pk}/link/", {"customer_id": str(marta), "remember": "1"}
    )
    assert response.status_code == 302 and response["Location"] == f"/service/cases/{row.case_id}/"
    case = Case.objects.get(pk=row.case_id)
    assert case.customer_id == marta
    assert not InboundMail.objects.get(pk=row.pk).needs_triage
    note = case.entries.filter(kind="note").get()
    assert "Marta" in note.body and not note.public
    opened = OutboxMessage.objects.filter(event_type="case.opened", customer_id=marta)
    assert opened.count() == 1 and opened.get().payload["case_id"] == case.pk
    assert Email.objects.filter(customer_id=marta, address="nadie@desconocido.ec").exists()
    assert {m.message_id for m in reads.inbound("triage")} == set()


def test_without_remember_the_address_is_not_added(inbox):
    row = inbox["m3@desconocido.ec"]
    marta = customer("marta@otro.ec", name="Marta")
    triage.link_customer(row.case_id, marta, ACTOR)
    assert not Email.objects.filter(address="nadie@desconocido.ec").exists()


def test_a_case_with_a_customer_is_not_linked_again(agent, inbox):
    row = inbox["m3@desconocido.ec"]
    marta, luis = customer("marta@otro.ec", name="Marta"), customer("luis@otro.ec", name="Luis")
    triage.link_customer(row.case_id, marta, ACTOR)
    with pytest.raises(CaseState):
        triage.link_customer(row.case_id, luis, ACTOR)
    response = agent.post(f"/service/mail/{row.pk}/link/", {"customer_id": str(luis)})
    assert response["Location"] == f"/service/mail/{row.pk}/"
    assert Case.objects.get(pk=row.case_id).customer_id == marta
    assert OutboxMessage.objects.filter(event_type="case.opened", customer_id=luis).count() == 0


@pytest.mark.parametrize("value", ["", "abc", "999999"])
def test_linking_to_no_customer_is_refused_and_changes_nothing(agent, inbox, value):
    row = inbox["m3@desconocido.ec"]
    response = agent.post(f"/service/mail/{row.pk}/link/", {"customer_id": value}, follow=True)
    assert response.status_code == 200
    page = response.content.decode()
    assert "Choose a customer" in page or "There is no customer 999999" in page
    assert Case.objects.get(pk=row.case_id).customer_id is None
    assert InboundMail.objects.get(pk=row.pk).needs_triage


def test_the_sent_page_shows_each_mail_and_the_bounces_after_it(agent, inbox):
    case = Case.objects.get(subject="No funciona mi router")
    now = timezone.now()
    OutboundMail.objects.create(
        key="k1", case=case, kind="reply", to="ana@cliente.ec", message_id="o1@x", sent_at=now
    )
    other = Case.objects.get(subject="Quiero ayuda")
    OutboundMail.objects.create(
        key="k2", case=other, kind="acknowledgement", to="n@x.ec", message_id="o2@x", sent_at=now
    )
    bounce = InboundMail.objects.create(
        mailbox=inbox["m1@cliente.ec"].mailbox,
        message_id="b1@mailer",
        sha256="2" * 64,
        sender="mailer-daemon@cliente.ec",
        received_at=now + timedelta(minutes=1),
        applied_at=now,
        decision="bounce",
        case=case,
    )
    page = agent.get("/service/mail/sent/").content.decode()
    assert "ana@cliente.ec" in page and "n@x.ec" in page
    assert page.count("Bounced") == 1 and f"/service/mail/{bounce.pk}/" in page
    (first, second) = reads.with_bounces(list(OutboundMail.objects.order_by("key")))
    assert first.bounces == [bounce] and second.bounces == []


def test_only_the_desk_reads_the_mail(make_user, inbox):
    row = inbox["m1@cliente.ec"]
    other = Client(HTTP_ACCEPT_LANGUAGE="en")
    other.force_login(make_user("marketing"))
    for url in ("/service/mail/", f"/service/mail/{row.pk}/", "/service/mail/sent/"):
        assert other.get(url).status_code == 403
        assert Client().get(url).status_code == 302  # to the sign-in page
    assert other.post(f"/service/mail/{row.pk}/link/", {"customer_id": "1"}).status_code == 403
    supervisor = Client(HTTP_ACCEPT_LANGUAGE="en")
    supervisor.force_login(make_user("supervisor"))
    assert supervisor.get("/service/mail/").status_code == 200
