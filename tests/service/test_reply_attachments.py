"""Files sent with an agent's reply: uploaded on the case page or through the API (multipart),
held to the mailbox's attachment limit with a refusal naming the file (nothing written),
stored by their hash like inbound attachments, downloadable by whoever may read the case (a
customer on the portal: public lines of their own cases only), and carried by the reply mail
(aiosmtpd receives the MIME part). Every reply, whoever writes it, announces ``case.replied``
once."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from hypothesis import given, settings
from hypothesis import strategies as st

from lealtad.core import body_limits
from lealtad.core.dispatcher import default_dispatcher
from lealtad.core.models import OutboxMessage
from lealtad.service.models import Attachment, Case, CaseEntry, Mailbox
from lealtad.service.services import attachments, cases, outbound
from lealtad.service.services.attachments import AttachmentRefused
from lealtad.service.services.cases import NewCase
from tests.service.mail_fixtures import (  # noqa: F401
    ACTOR,
    DESK,
    customer,
    desk_mailbox,
    mail_home_fixture,
    smtp_sink_fixture,
)

pytestmark = pytest.mark.django_db(transaction=True)
PDF = b"%PDF-1.4\n\x00\x01\x02binary\x00 content\n%%EOF"  # NUL bytes, as real files have
CASES = "/api/v1/service/cases"


@pytest.fixture
def desk(mail_home) -> Mailbox:
    return desk_mailbox(max_attachment_bytes=1000)


@pytest.fixture
def case(desk) -> Case:
    ana = customer("ana@cliente.ec")
    new = NewCase(subject="Router", category="post_sale", customer_id=ana, extra={"mailbox": DESK})
    return cases.open_case(new, ACTOR)


@pytest.fixture
def agent(make_user) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(make_user("agent"))
    return client


@pytest.fixture
def api(token_client) -> Client:
    return token_client("agent", scopes=("service:handle",))


def _file(name: str = "factura.pdf", data: bytes = PDF, kind: str = "application/pdf"):
    return SimpleUploadedFile(name, data, content_type=kind)


def _stored_files(home: Path) -> list[Path]:
    root = home / "service" / "attachments"
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def test_an_agent_replies_with_files_from_the_case_page(agent, case, mail_home):
    response = agent.post(
        f"/service/cases/{case.pk}/reply/",
        {"body": "Adjunto la factura", "files": [_file(), _file("foto.png", b"\x89PNG\x00")]},
    )
    assert response.status_code == 302
    line = case.entries.get(kind="reply")
    files = {a.filename: a for a in line.attachments.all()}
    assert set(files) == {"factura.pdf", "foto.png"}
    pdf = files["factura.pdf"]
    assert pdf.size == len(PDF) and pdf.sha256 == hashlib.sha256(PDF).hexdigest()
    assert pdf.stored == f"service/attachments/{pdf.sha256[:2]}/{pdf.sha256}"
    assert (mail_home / pdf.stored).read_bytes() == PDF
    page = agent.get(f"/service/cases/{case.pk}/").content.decode()
    link = f"/service/cases/{case.pk}/files/{pdf.pk}/"
    assert link in page and 'enctype="multipart/form-data"' in page
    download = agent.get(link)
    assert download.status_code == 200 and b"".join(download.streaming_content) == PDF
    assert "attachment" in download["Content-Disposition"]
    assert download["Content-Type"] == "application/octet-stream"  # never rendered inline


def test_a_file_over_the_mailbox_limit_refuses_the_reply_and_writes_nothing(agent, case, mail_home):
    big = _file("grande.zip", b"x" * 1001, "application/zip")
    response = agent.post(
        f"/service/cases/{case.pk}/reply/", {"body": "Va el archivo", "files": [_file(), big]}
    )
    assert response.status_code == 302
    shown = agent.get(f"/service/cases/{case.pk}/").content.decode()
    assert "grande.zip is 1001 bytes" in shown and "1000 bytes" in shown
    assert not case.entries.filter(kind="reply").exists()
    assert Attachment.objects.count() == 0 and _stored_files(mail_home) == []
    assert not OutboxMessage.objects.filter(event_type="case.replied").exists()


def test_a_reply_with_no_text_keeps_no_file(agent, case, mail_home):
    agent.post(f"/service/cases/{case.pk}/reply/", {"body": "  ", "files": [_file()]})
    assert Attachment.objects.count() == 0 and _stored_files(mail_home) == []


def test_the_same_file_twice_is_stored_once(agent, case, mail_home):
    for text in ("uno", "dos"):
        agent.post(f"/service/cases/{case.pk}/reply/", {"body": text, "files": [_file()]})
    assert Attachment.objects.count() == 2 and len(_stored_files(mail_home)) == 1


def test_the_api_takes_a_multipart_reply_and_lists_its_files(api, case):
    response = api.post(f"{CASES}/{case.pk}/reply", {"body": "Adjunto", "files": [_file()]})
    assert response.status_code == 200, response.content
    thread = api.get(f"{CASES}/{case.pk}").json()["thread"]
    reply = next(line for line in thread if line["kind"] == "reply")
    (listed,) = reply["attachments"]
    assert listed["filename"] == "factura.pdf" and listed["size"] == len(PDF)
    assert listed["sha256"] == hashlib.sha256(PDF).hexdigest() and listed["stored"] is True


def test_the_api_still_takes_json(api, case):
    response = api.post(
        f"{CASES}/{case.pk}/reply", {"body": "Sin archivos"}, content_type="application/json"
    )
    assert response.status_code == 200, response.content
    assert case.entries.get(kind="reply").body == "Sin archivos"


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"files": []}, "body"),
        ({"body": ""}, "body"),
        ({"body": "x" * 100_001}, "body"),
    ],
)
def test_the_api_refuses_a_bad_form_by_field(api, case, data, field):
    response = api.post(f"{CASES}/{case.pk}/reply", data)
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"][-1] == field
    assert not case.entries.filter(kind="reply").exists()


def test_the_api_names_the_file_over_the_limit(api, case, mail_home):
    big = _file("grande.zip", b"x" * 1001, "application/zip")
    response = api.post(f"{CASES}/{case.pk}/reply", {"body": "Va", "files": [big]})
    assert response.status_code == 422
    body = response.json()
    assert body["field"] == "files" and "grande.zip" in body["message"]
    assert not case.entries.filter(kind="reply").exists() and _stored_files(mail_home) == []


def test_unreadable_json_is_a_400(api, case):
    response = api.post(f"{CASES}/{case.pk}/reply", "{no", content_type="application/json")
    assert response.status_code == 400


def test_a_reply_to_a_case_that_does_not_exist_is_404(api, desk):
    response = api.post(f"{CASES}/999999/reply", {"body": "Hola", "files": [_file()]})
    assert response.status_code == 404


def test_too_many_files_are_refused():
    with pytest.raises(AttachmentRefused):
        attachments.check([_file(f"f{n}.txt", b"x") for n in range(11)], 1000)


def test_the_reply_paths_take_uploads_and_binary_files():
    for path in ("/api/v1/service/cases/12/reply", "/service/cases/12/reply/"):
        assert body_limits.limit_for(path) > body_limits.limit_for("/api/v1/service/cases")
        assert body_limits.takes_binary_files(path)
    assert not body_limits.takes_binary_files("/api/v1/customers/import")
    assert not body_limits.takes_binary_files("/service/cases/12/note/")


@dataclass
class _Named:
    """An upload as any client may name it (Django's own class refuses some names early)."""

    name: str
    size: int = 4
    content_type: str = "text/plain"

    def chunks(self, chunk_size: int | None = None) -> Iterator[bytes]:
        yield b"data"


@settings(max_examples=60, deadline=None)
@given(name=st.text(min_size=0, max_size=400))
def test_any_uploaded_name_is_kept_as_a_bare_file_name(name):
    """Whatever a client sends as the name, what is kept has no directory, no control
    character and fits; a name that is only a directory or blanks is refused by field."""
    upload = _Named(name)
    try:
        (checked,) = attachments.check([upload], 1000)
    except AttachmentRefused as exc:
        assert exc.field == "files"
        return
    kept = attachments._name(checked)
    assert kept and kept not in (".", "..") and len(kept) <= 255
    assert "/" not in kept and "\\" not in kept and all(ch.isprintable() for ch in kept)


def test_the_reply_mail_carries_the_files(agent, case, smtp_sink):
    agent.post(f"/service/cases/{case.pk}/reply/", {"body": "Su factura", "files": [_file()]})
    default_dispatcher().run_once()
    replies = [m for m in smtp_sink.received if "Su factura" in m.get_body().get_content()]
    assert len(replies) == 1
    (part,) = list(replies[0].iter_attachments())
    assert part.get_filename() == "factura.pdf"
    assert part.get_content_type() == "application/pdf" and part.get_content() == PDF
    default_dispatcher().run_once()  # delivered once
    assert len([m for m in smtp_sink.received if "Su factura" in str(m)]) == 1


def test_every_reply_announces_case_replied_once(api, case):
    cases.reply(case.pk, "Por el servicio", ACTOR)
    outbound.reply(case.pk, "Por el correo", ACTOR)
    api.post(f"{CASES}/{case.pk}/reply", {"body": "Por la API"}, content_type="application/json")
    cases.note(case.pk, "Nota interna", ACTOR)
    events = OutboxMessage.objects.filter(event_type="case.replied").order_by("id")
    assert events.count() == 3
    assert {e.customer_id for e in events} == {case.customer_id}
    lines = CaseEntry.objects.filter(case=case, kind="reply").order_by("id")
    assert [e.payload["entry_id"] for e in events] == [line.pk for line in lines]


def test_an_employees_case_announces_no_reply(desk, make_user):
    employee = make_user("agent")
    new = NewCase(subject="Laptop", category="internal", subtype="it", requester_id=employee.pk)
    internal = cases.open_case(new, ACTOR)
    cases.reply(internal.pk, "Listo", ACTOR)
    assert not OutboxMessage.objects.filter(event_type="case.replied").exists()


def test_a_user_without_the_desk_may_not_download(case, make_user):
    line = cases.reply(case.pk, "x", ACTOR).entries.get(kind="reply")
    kept = attachments.write(_file(), 1000)
    (row,) = attachments.attach(line, [kept])
    stranger = Client(HTTP_ACCEPT_LANGUAGE="en")
    stranger.force_login(make_user("marketing"))
    assert stranger.get(f"/service/cases/{case.pk}/files/{row.pk}/").status_code == 403


def _portal(customer_id: int) -> Client:
    browser = Client(HTTP_ACCEPT_LANGUAGE="en")
    session = browser.session
    session["portal_customer"] = customer_id
    session.save()
    return browser


def test_a_customer_downloads_the_files_of_public_lines_of_their_own_case(agent, case):
    agent.post(f"/service/cases/{case.pk}/reply/", {"body": "Factura", "files": [_file()]})
    row = Attachment.objects.get()
    note = cases.note(case.pk, "interno", ACTOR).entries.get(kind="note")
    (hidden,) = attachments.attach(note, [attachments.write(_file("interno.txt", b"s"), 1000)])
    ana = _portal(case.customer_id)
    page = ana.get(f"/portal/cases/{case.pk}/").content.decode()
    assert f"/portal/cases/{case.pk}/files/{row.pk}/" in page and "interno.txt" not in page
    download = ana.get(f"/portal/cases/{case.pk}/files/{row.pk}/")
    assert download.status_code == 200 and b"".join(download.streaming_content) == PDF
    assert ana.get(f"/portal/cases/{case.pk}/files/{hidden.pk}/").status_code == 404
    other = _portal(customer("otra@cliente.ec"))
    assert other.get(f"/portal/cases/{case.pk}/files/{row.pk}/").status_code == 404
