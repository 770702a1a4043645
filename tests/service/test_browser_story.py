"""Seed 002's "one source, one face", walked in a real Chromium the way its people click it.

Rosa, a most-valuable customer, calls: the PBX offers the call over CTI and Ana's desktop pops
Rosa's name; Ana wraps up with "open a case"; the case carries the SLA of Rosa's tier; Ana
(level 1) escalates it to the experts; Luis, an expert, answers and Rosa gets the answer by
mail (a real SMTP server, aiosmtpd); a work order is dispatched, Carla the technician fits a
part and closes the visit from her phone, which resolves the case; the survey mail goes out,
Rosa answers unhappy and a follow-up case opens; Rosa's 360 page shows the cases and her answer
on the timeline. Walked in English and in Spanish: each person's browser asks for the language.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from email.message import EmailMessage
from typing import Any

import httpx
import pytest
from django.contrib.auth.models import Group, User
from django.utils import timezone
from playwright.sync_api import Browser, BrowserContext, Page, expect

from lealtad.contactcenter.models import Agent as ContactAgent
from lealtad.contactcenter.schemas import ContactIn
from lealtad.contactcenter.services import agents, contacts, setup
from lealtad.contactcenter.services.runtime import RouterRuntime
from lealtad.core import tokens
from lealtad.core.dispatcher import OutboxDispatcher
from lealtad.core.envelope import CustomerRef
from lealtad.customers import services as customer_services
from lealtad.customers.models import CustomerStanding
from lealtad.customers.schemas import ConsentIn, CustomerProfile
from lealtad.service.models import (
    BusinessCalendar,
    Case,
    GroupMember,
    SlaPolicy,
    SupportGroup,
    Survey,
    Technician,
)
from lealtad.service.services import parts, surveys
from tests.contactcenter.test_browser_desktop import serve_static
from tests.service.mail_fixtures import (  # noqa: F401  (fixtures)
    ACTOR,
    mail_home_fixture,
    smtp_sink_fixture,
)

PASSWORD = "correct-horse-battery-staple-9"
ROSA_EMAIL = "rosa.pilco@correo.ec"
CTI = {"switch_id": "pbx-quito", "epoch": 1, "call_ref": "1765.42"}

# What each person reads on the pages, in the language their browser asks for.
WORDS = {
    "en": {
        "gold": "Gold",
        "due": "due",
        "experts": "Expertos",
        "escalate": "Escalate to Expertos",
        "resolved": "Resolved",
        "survey_subject": "How did we do?",
        "thanks": "Thank you",
        "sorry": "someone will contact you",
        "answered": "Survey answered",
    },
    "es": {
        "gold": "Gold",
        "due": "vence",
        "experts": "Expertos",
        "escalate": "Escalar a Expertos",
        "resolved": "Resuelto",
        "survey_subject": "¿Cómo lo hicimos?",
        "thanks": "Gracias",
        "sorry": "alguien se comunicará",
        "answered": "Encuesta respondida",
    },
}


@dataclass
class Story:
    rosa: int
    day: date
    pbx_key: str


def _person(username: str, role: str) -> User:
    user = User.objects.create_user(username=username, password=PASSWORD)
    user.groups.add(Group.objects.get_or_create(name=role)[0])
    return user


def _center() -> None:
    setup.save_skill("general", "General")
    setup.save_queue("general", "General", "general")
    setup.update_settings(offer_timeout_seconds=20, wrap_up_seconds=120, trunks=10)
    setup.save_wrap_up_code("falla-tecnica", "Falla técnica", "post_sale")
    setup.save_agent(
        "Ana Quishpe", user=_person("ana", "agent"), skills={"general": 9}, extension="201"
    )


def _desk() -> None:
    experts = SupportGroup.objects.create(name="expertos", label="Expertos", level=2)
    level1 = SupportGroup.objects.create(
        name="nivel1", label="Nivel 1", level=1, escalates_to=experts
    )
    GroupMember.objects.create(group=level1, user=User.objects.get(username="ana"))
    GroupMember.objects.create(group=experts, user=_person("luis", "agent"))
    _person("sofia", "supervisor")
    always = BusinessCalendar.objects.create(
        name="24x7", label="24x7", time_zone="UTC", always_open=True
    )
    SlaPolicy.objects.create(
        name="oro",
        label="Gold MVC",
        calendar=always,
        first_response_minutes=30,
        resolution_minutes=240,
        value_tiers=["mvc"],
        rank=10,
    )
    SlaPolicy.objects.create(
        name="estandar",
        label="Standard",
        calendar=always,
        first_response_minutes=240,
        resolution_minutes=2880,
        rank=50,
    )


def _field() -> None:
    Technician.objects.create(
        name="Carla Pérez",
        skills=["fibra"],
        zones=["norte"],
        hourly_rate=Decimal(40),
        location="VAN-1",
        user=_person("carla", "technician"),
    )
    parts.save_part(parts.NewPart("ONT-HG8245", "Módem ONT", "Repuestos Andinos", Decimal(35)))
    parts.set_stock("ONT-HG8245", "VAN-1", 3, 1)


def _rosa(language: str) -> int:
    """A customer the analytics refresh ranked most valuable, who agreed on a recorded call to
    be asked by e-mail how it went, in her language."""
    ctx = customer_services.ChangeContext(ACTOR, "", "call_center")
    surveys_by_mail = ConsentIn(
        channel="email",
        purpose="surveys",
        granted=True,
        proof="recorded_call",
        proof_reference="call 1765.1",
    )
    profile = CustomerProfile(
        kind="person",
        given_names="Rosa",
        first_surname="Pilco",
        language=language,  # type: ignore[arg-type]
        consents=[surveys_by_mail],
    )
    rosa = customer_services.create_customer(
        profile, CustomerRef(phone="0991234567", email=ROSA_EMAIL, name="Rosa Pilco"), ctx
    )
    CustomerStanding.objects.create(
        customer=rosa, value_tier="mvc", lifecycle_stage="loyal", computed_at=timezone.now()
    )
    return int(rosa.pk)


@pytest.fixture(params=["en", "es"])
def language(request: pytest.FixtureRequest) -> str:
    """The walk's language: every person's browser asks for it, Rosa's profile names it."""
    return str(request.param)


@pytest.fixture
def story(asgi_server: str, smtp_sink: Any, mail_home: Any, settings: Any, language: str) -> Story:
    settings.LEALTAD_PUBLIC_URL = asgi_server  # the survey mail links to the test server
    settings.LEALTAD_SURVEY_EMAIL_DELAY_MINUTES = 0  # due at once, not two hours later
    _center()
    _desk()
    _field()
    key = tokens.create_token(_person("pbx", "api_client"), "pbx", ["telephony:write"])
    return Story(rosa=_rosa(language), day=timezone.localdate() + timedelta(days=1), pbx_key=key)


@pytest.fixture
def browsers(browser: Browser) -> Iterator[list[BrowserContext]]:
    opened: list[BrowserContext] = []
    yield opened
    for context in opened:
        context.close()


def _window(
    browsers: list[BrowserContext],
    browser: Browser,
    base: str,
    locale: str,
    username: str = "",
    width: int = 1280,
) -> Page:
    """A person's own browser (cookies of their own), signed in unless it is the customer's."""
    context = browser.new_context(locale=locale, viewport={"width": width, "height": 900})
    context.set_default_timeout(10_000)
    browsers.append(context)
    page = context.new_page()
    serve_static(page)
    if username:
        page.goto(f"{base}/login/")
        page.fill("#id_username", username)
        page.fill("#id_password", PASSWORD)
        page.click("button[type=submit].primary")
        expect(page).not_to_have_url(re.compile(r"/login/"))
    return page


def _hub() -> None:
    """The dispatcher's passes (the embedded worker's job): events reach their subscribers,
    the SLA and survey ticks run."""
    for _ in range(3):
        OutboxDispatcher().run_once()


def _pbx(base: str, key: str, event: dict[str, Any]) -> dict[str, Any]:
    at = timezone.localtime().isoformat()
    answer = httpx.post(
        f"{base}/api/v1/contactcenter/cti/events",
        json={**CTI, "at": at, **event},
        headers={"Authorization": f"Bearer {key}"},
        timeout=10,
    )
    assert answer.status_code == 200, answer.text
    result = answer.json()["results"][0]
    assert result["status"] == "applied", result
    return dict(result)


def _mails_to(sink: Any, address: str) -> list[EmailMessage]:
    return [m for m in sink.received if address in str(m["To"])]


def _text(mail: EmailMessage) -> str:
    body = mail.get_body(preferencelist=("plain",))
    assert body is not None
    return str(body.get_content())  # type: ignore[attr-defined]


def _call_and_wrap_up(ana: Page, base: str, story: Story) -> int:
    """Step 1: the PBX offers Rosa's call; the screen pop names her; Ana answers, Rosa hangs
    up, Ana wraps up asking for a case."""
    ana.goto(f"{base}/contactcenter/desktop/")
    ana.click("#acd-login")
    expect(ana.locator("#agent-state")).to_have_attribute("data-state", "available")
    expect(ana.locator("#desktop")).to_have_attribute("data-live-open", "1")
    offered = _pbx(
        base,
        story.pbx_key,
        {"type": "call.offered", "seq": 1, "caller_id": "+593991234567", "queue": "general"},
    )
    contact_id = int(offered["contact_id"])
    RouterRuntime().step()
    panel = ana.locator(f"#contact-{contact_id}")
    expect(panel).to_have_attribute("data-status", "offered")
    expect(panel.locator(".cc-customer")).to_have_text("Rosa Pilco")
    panel.locator(".cc-answer").click()
    expect(panel).to_have_attribute("data-status", "handling")
    _pbx(base, story.pbx_key, {"type": "call.released", "seq": 2, "agent": "201", "by": "caller"})
    expect(panel).to_have_attribute("data-status", "wrap_up")  # live, no reload
    ana.select_option(f"#wrap-{contact_id}-code", "falla-tecnica")
    ana.select_option(f"#wrap-{contact_id}-outcome", "escalated")
    ana.fill(f"#wrap-{contact_id}-notes", "Sin internet desde ayer; el módem parpadea en rojo")
    ana.check(f"#wrap-{contact_id}-open_case")
    panel.locator(".cc-finish").click()
    expect(panel).to_have_count(0)
    return contact_id


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_one_source_one_face(
    browser: Browser,
    browsers: list[BrowserContext],
    asgi_server: str,
    story: Story,
    smtp_sink: Any,
    language: str,
) -> None:
    base, words = asgi_server, WORDS[language]
    locale = "en-US" if language == "en" else "es-EC"
    ana = _window(browsers, browser, base, locale, "ana")
    contact_id = _call_and_wrap_up(ana, base, story)

    # 2. The service desk hears of the wrap-up and opens the case under Rosa's tier's SLA.
    _hub()
    case = Case.objects.get(contact_id=contact_id)
    assert (case.customer_id, case.category, case.channel) == (
        story.rosa,
        "post_sale",
        "call_center",
    )
    assert case.subject == "Sin internet desde ayer; el módem parpadea en rojo"  # the notes
    ana.goto(f"{base}/service/cases/{case.pk}/")
    expect(ana.locator(".essentials")).to_contain_text("Rosa Pilco")
    expect(ana.locator("#sla-clock")).to_contain_text(words["gold"])
    expect(ana.locator('[data-target="first_response"]')).to_contain_text(words["due"])

    # 3. Level 1 escalates to the experts; an expert answers and Rosa receives it by mail.
    expect(ana.locator("#escalate-form button")).to_have_text(words["escalate"])
    ana.fill("#escalate-form input[name=body]", "Posible corte de fibra en el sector")
    ana.locator("#escalate-form button").click()
    expect(ana.locator("#case-group")).to_contain_text(words["experts"])
    luis = _window(browsers, browser, base, locale, "luis")
    luis.goto(f"{base}/service/cases/?scope=group")
    luis.get_by_role("link", name=case.number).click()
    luis.fill("#reply-body", "Rosa, le enviamos un técnico con un módem nuevo mañana.")
    luis.click("#reply-form button[type=submit] >> nth=0")
    expect(luis.locator(".thread")).to_contain_text("módem nuevo")
    _hub()
    replies = [m for m in _mails_to(smtp_sink, ROSA_EMAIL) if "módem nuevo" in _text(m)]
    assert len(replies) == 1 and case.number in str(replies[0]["Subject"])

    # 4. A technician is sent; the dispatcher plans the visit; Carla fits a part and closes it.
    luis.fill("#work-order-form input[name=skill]", "fibra")
    luis.fill("#work-order-form input[name=zone]", "norte")
    luis.fill("#work-order-form input[name=address]", "Av. 12 de Octubre N24-593 y Luis Cordero")
    luis.click("#work-order-form button[type=submit]")
    expect(luis.locator(".messages")).to_contain_text("OT")
    order = case.work_orders.get()
    sofia = _window(browsers, browser, base, locale, "sofia")
    sofia.goto(f"{base}/service/field/board/?day={story.day.isoformat()}")
    sofia.locator("tr", has_text=order.number).locator("button").click()
    expect(sofia.locator(".messages")).to_contain_text("Carla Pérez")
    carla = _window(browsers, browser, base, locale, "carla", width=360)
    carla.goto(f"{base}/service/field/today/?day={story.day.isoformat()}")
    visit = carla.locator(f"#{order.number}")
    expect(visit).to_contain_text("Av. 12 de Octubre N24-593")
    visit.locator("input[name=sku]").fill("ONT-HG8245")
    visit.locator("form", has=carla.locator("input[name=sku]")).locator("button").click()
    expect(carla.locator(".messages")).to_contain_text(order.number)
    visit = carla.locator(f"#{order.number}")
    visit.locator("input[name=minutes_worked]").fill("45")
    visit.locator("textarea[name=report]").fill("Módem ONT cambiado, servicio restablecido")
    visit.locator("button.primary").click()
    expect(carla.locator(".messages")).to_contain_text(order.number)
    ana.goto(f"{base}/service/cases/{case.pk}/")
    expect(ana.locator("#case-status")).to_have_text(words["resolved"])

    # 5. The survey goes out; Rosa answers unhappy from the link; a follow-up case opens.
    _hub()
    asked = surveys.token(Survey.objects.get(case_id=case.pk))
    mails = [m for m in _mails_to(smtp_sink, ROSA_EMAIL) if asked in _text(m)]
    assert len(mails) == 1 and mails[0]["Subject"] == words["survey_subject"]
    link = re.search(r"(http://\S+\?csat=1)", _text(mails[0]))
    assert link is not None and link.group(1).startswith(base)
    rosa = _window(browsers, browser, base, locale)
    rosa.goto(link.group(1))
    expect(rosa.locator("input[name=csat][value='1']")).to_be_checked()
    rosa.check("input[name=nps][value='2']")
    rosa.fill("#comment", "Tardaron dos días")
    rosa.click("#survey-answer button[type=submit]")
    expect(rosa.locator("h1")).to_have_text(words["thanks"])
    expect(rosa.locator("main")).to_contain_text(words["sorry"])
    follow_up = Case.objects.get(customer_id=story.rosa, channel="survey")
    assert follow_up.category == "complaint"

    # 6. Rosa's 360 page: both cases, and her answer on the timeline.
    _hub()
    ana.goto(f"{base}/customers/{story.rosa}/")
    expect(ana.locator("#cases")).to_contain_text(case.number)
    expect(ana.locator("#cases")).to_contain_text(follow_up.number)
    expect(ana.locator("#timeline")).to_contain_text(words["answered"])
    expect(ana.locator("#timeline")).to_contain_text("CSAT 1/5")


@pytest.mark.django_db(transaction=True)
def test_a_call_that_opens_a_case_is_asked_about_once() -> None:
    """One question per story: the case's resolution asks, the call that opened it does not."""
    _center()
    SupportGroup.objects.create(name="nivel1", label="Nivel 1", level=1)
    rosa = _rosa("es")
    ana = ContactAgent.objects.get(name="Ana Quishpe")
    agents.log_in(ana.pk, ACTOR)
    call = contacts.receive(ContactIn(queue="general", caller_id="0991234567"), ACTOR)
    RouterRuntime().step()
    contacts.answer(call.pk, ACTOR)
    contacts.wrap_up(call.pk, ACTOR, code="falla-tecnica", notes="Sin internet", open_case=True)
    _hub()
    assert Case.objects.filter(contact_id=call.pk, customer_id=rosa).exists()
    assert not Survey.objects.filter(contact_id=call.pk).exists()
