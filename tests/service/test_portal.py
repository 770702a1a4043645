"""The customer portal: a link by e-mail (aiosmtpd) signs in once within 15 minutes; a
customer sees and answers only their own cases (another's is 404), opens a case, searches
FAQs, changes consents; the community's accepted answer becomes an FAQ."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.contrib.auth.models import Group, User
from django.test import Client
from django.utils import timezone

from lealtad.core.audit import Actor
from lealtad.customers.models import Consent
from lealtad.service.models import Case, CaseEntry, CommunityQuestion, PortalLink, SupportGroup
from lealtad.service.selectors import portal as reads
from lealtad.service.services import cases, community, portal
from lealtad.service.services.cases import NewCase
from lealtad.service.services.community import CommunityNotFound, CommunityState
from tests.service.mail_fixtures import ACTOR, customer, smtp_sink_fixture  # noqa: F401

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _desk(db) -> None:
    SupportGroup.objects.get_or_create(name="nivel1", defaults={"label": "Nivel 1", "level": 1})


def _link_in(sink) -> str:
    mails = [m for m in sink.received if "/portal/link/" in m.get_body().get_content()]
    assert mails, "no sign-in mail"
    found = re.search(r"http://\S+(/portal/link/\S+/)", mails[-1].get_body().get_content())
    assert found is not None
    return found[1]


def _signed_in(sink, email: str = "ana@cliente.ec", language: str = "en") -> Client:
    browser = Client(HTTP_ACCEPT_LANGUAGE=language)
    assert browser.post("/portal/login/", {"email": email}).status_code == 200
    response = browser.get(_link_in(sink))
    assert response.status_code == 302 and response["Location"] == "/portal/"
    return browser


def test_a_link_by_mail_signs_in_once(smtp_sink):
    ana = customer("ana@cliente.ec")
    browser = _signed_in(smtp_sink)
    assert browser.get("/portal/").status_code == 200
    assert PortalLink.objects.get().customer_id == ana
    again = Client(HTTP_ACCEPT_LANGUAGE="en").get(_link_in(smtp_sink))
    assert again.status_code == 401 and b"already used" in again.content
    assert (
        Client(HTTP_ACCEPT_LANGUAGE="en").get("/portal/").status_code == 302
    )  # that second browser is not in


def test_an_expired_link_is_refused(smtp_sink):
    customer("ana@cliente.ec")
    Client(HTTP_ACCEPT_LANGUAGE="en").post("/portal/login/", {"email": "ana@cliente.ec"})
    PortalLink.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    response = Client(HTTP_ACCEPT_LANGUAGE="en").get(_link_in(smtp_sink))
    assert response.status_code == 401 and b"expired" in response.content


def test_a_strangers_address_gets_the_same_answer_and_no_mail(smtp_sink):
    customer("ana@cliente.ec")
    response = Client(HTTP_ACCEPT_LANGUAGE="en").post("/portal/login/", {"email": "nadie@otro.ec"})
    assert response.status_code == 200 and b'id="link-sent"' in response.content
    assert smtp_sink.received == [] and not PortalLink.objects.exists()


def test_links_are_throttled_per_address(smtp_sink):
    customer("ana@cliente.ec")
    sent = [portal.request_link("ana@cliente.ec") for _ in range(5)]
    assert sent == [True, True, True, False, False]
    assert len(smtp_sink.received) == 3


def test_a_malformed_address_is_refused_by_name():
    with pytest.raises(portal.PortalRefused) as refused:
        portal.request_link("no-es-correo")
    assert refused.value.field == "email"


def test_a_customer_opens_a_case_replies_and_never_sees_another_ones_case(smtp_sink):
    ana = customer("ana@cliente.ec")
    luis = customer("luis@cliente.ec", "Luis")
    his = cases.open_case(
        NewCase(subject="Factura de Luis", category="billing_inquiry", customer_id=luis), ACTOR
    )
    browser = _signed_in(smtp_sink)
    response = browser.post(
        "/portal/cases/new/",
        {"topic": "post_sale/service_problem", "subject": "Sin señal", "description": "Desde ayer"},
    )
    mine = Case.objects.get(customer_id=ana)
    assert response.status_code == 302 and response["Location"] == f"/portal/cases/{mine.pk}/"
    assert mine.channel == "portal" and mine.subtype == "service_problem"
    browser.post(f"/portal/cases/{mine.pk}/", {"body": "Sigue igual"})
    assert CaseEntry.objects.filter(case=mine, kind="message", body="Sigue igual").exists()
    cases.note(mine.pk, "nota interna: cliente difícil", ACTOR)
    page = browser.get(f"/portal/cases/{mine.pk}/")
    assert b"Sigue igual" in page.content and b"nota interna" not in page.content
    assert browser.get(f"/portal/cases/{his.pk}/").status_code == 404
    assert browser.post(f"/portal/cases/{his.pk}/", {"body": "hola"}).status_code == 404
    assert not CaseEntry.objects.filter(case=his, body="hola").exists()
    assert b"Factura de Luis" not in browser.get("/portal/").content


def test_a_case_without_a_description_is_refused_and_nothing_opened(smtp_sink):
    customer("ana@cliente.ec")
    browser = _signed_in(smtp_sink)
    response = browser.post(
        "/portal/cases/new/", {"topic": "internal/it", "subject": "x", "description": "y"}
    )
    assert response.status_code == 200 and not Case.objects.exists()
    response = browser.post(
        "/portal/cases/new/", {"topic": "post_sale/billing", "subject": "x", "description": " "}
    )
    assert response.status_code == 200 and not Case.objects.exists()


def test_pages_without_a_portal_session_go_to_the_portal_sign_in():
    for url in ("/portal/", "/portal/cases/new/", "/portal/consents/", "/portal/community/"):
        response = Client(HTTP_ACCEPT_LANGUAGE="en").get(url)
        assert response.status_code == 302 and response["Location"].startswith("/portal/login/")


def test_consents_withdrawn_at_once_and_a_granted_email_waits_for_confirmation(smtp_sink):
    ana = customer("ana@cliente.ec")
    browser = _signed_in(smtp_sink)
    browser.post("/portal/consents/", {"choice": "sms/marketing", "granted": "1"})
    assert Consent.objects.get(customer_id=ana, channel="sms", purpose="marketing").granted
    browser.post("/portal/consents/", {"choice": "sms/marketing", "granted": "0"})
    assert not Consent.objects.get(customer_id=ana, channel="sms", purpose="marketing").granted
    browser.post("/portal/consents/", {"choice": "email/marketing", "granted": "1"})
    assert not Consent.objects.filter(customer_id=ana, channel="email", granted=True).exists()
    browser.post("/portal/consents/", {"choice": "fax/marketing", "granted": "1"})
    assert not Consent.objects.filter(customer_id=ana, channel="fax").exists()


def test_faqs_behind_the_knowledge_base_selector(smtp_sink):
    from lealtad.service.services import knowledge

    knowledge.save_article(
        knowledge.ArticleDraft(
            key="reiniciar-router",
            category="post_sale",
            versions=[knowledge.Version("es", "Cómo reiniciar el router", "Desconéctelo 30 s.")],
            status="published",
            is_faq=True,
            audience="public",
        ),
        ACTOR,
    )
    customer("ana@cliente.ec")
    browser = _signed_in(smtp_sink, language="es")  # the FAQ is written in Spanish only
    assert "Cómo reiniciar el router" in browser.get("/portal/?q=router").content.decode()


def test_the_community_accepted_answer_becomes_an_faq_once():
    ana, luis = customer("ana@cliente.ec"), customer("luis@cliente.ec", "Luis")
    asked = community.ask(ana, "¿Cómo cambio mi plan?", "Quiero más megas")
    given = community.answer(asked.pk, "Desde Mi cuenta > Plan", "Luis", luis)
    with pytest.raises(CommunityState):
        community.make_faq(asked.pk, ACTOR)  # nothing accepted yet
    with pytest.raises(CommunityNotFound):
        community.accept(asked.pk, given.pk, portal.actor(luis), customer_id=luis)
    community.accept(asked.pk, given.pk, portal.actor(ana), customer_id=ana)
    key = community.make_faq(asked.pk, Actor.system("supervisor"))
    assert CommunityQuestion.objects.get().faq_key == key
    assert [h.key for h in reads.faqs("plan", "es")] == [key]
    with pytest.raises(CommunityState):
        community.make_faq(asked.pk, ACTOR)


def test_a_supervisor_makes_the_faq_from_the_staff_page():
    ana = customer("ana@cliente.ec")
    asked = community.ask(ana, "¿Horario de tiendas?", "¿Abren el domingo?")
    given = community.answer(asked.pk, "Sí, de 10 a 18", "Luis")
    boss = User.objects.create_user("jefa", password="x-Secret-9")
    boss.groups.add(Group.objects.get_or_create(name="supervisor")[0])
    browser = Client(HTTP_ACCEPT_LANGUAGE="en")
    browser.force_login(boss)
    browser.post(f"/portal/community/staff/{asked.pk}/", {"accept": str(given.pk)})
    browser.post(f"/portal/community/staff/{asked.pk}/")
    assert CommunityQuestion.objects.get().faq_key.startswith("community-")
    agent = User.objects.create_user("agente", password="x-Secret-9")
    agent.groups.add(Group.objects.get_or_create(name="agent")[0])
    other = Client(HTTP_ACCEPT_LANGUAGE="en")
    other.force_login(agent)
    assert other.get("/portal/community/staff/").status_code == 403


def test_a_supervisor_publishes_an_accepted_answer_through_the_api(token_client):
    ana = customer("ana@cliente.ec")
    asked = community.ask(ana, "¿Puedo pagar en cuotas?", "Con tarjeta")
    given = community.answer(asked.pk, "Sí, hasta 12 meses", "Luis")
    boss = token_client("supervisor", scopes=("service:supervise",))
    base = f"/api/v1/service/community/questions/{asked.pk}"
    assert boss.post(f"{base}/faq").status_code == 409  # nothing accepted yet
    accepted = boss.post(f"{base}/accept", {"answer_id": given.pk}, content_type="application/json")
    assert accepted.status_code == 200
    made = boss.post(f"{base}/faq")
    assert made.status_code == 200 and made.json()["faq_key"].startswith("community-")
    assert boss.post(f"{base}/faq").status_code == 409
    agent = token_client("agent", scopes=("service:handle",))
    assert agent.post(f"{base}/faq").status_code == 403
