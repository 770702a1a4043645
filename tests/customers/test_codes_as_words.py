"""Codes a person would otherwise read on the customer page and its timeline (audit actions,
kinds of contact, the fields an audit entry names) are words in the reader's language; a code
nobody registered reads as plain words, never as an error (issue 17)."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone, translation
from hypothesis import given
from hypothesis import strategies as st

from lealtad.core import audit, vocabulary
from lealtad.core.audit import Actor
from lealtad.customers import services
from lealtad.customers.models import Customer
from lealtad.customers.services import ChangeContext
from lealtad.customers.services.timeline import TimelineLine, add_lines
from tests.customers import merge_people

ACTOR = Actor.system("test")
CTX = ChangeContext(ACTOR, channel="call_center")

WORDS = {
    "es": {
        "merge": "Ficha fusionada en esta",
        "merged_customer": "Ficha fusionada",
        "reason": "Motivo",
        "lifecycle": "Etapa del ciclo de vida",
        "order.placed": "Pedido realizado",
        "customer.merged": "Fichas fusionadas",
        "consent": "Consentimiento cambiado",
        "consent:sms/marketing": "Consentimiento: SMS · Ofertas comerciales",
    },
    "en": {
        "merge": "Record merged into this one",
        "merged_customer": "Merged record",
        "reason": "Reason",
        "lifecycle": "Lifecycle stage",
        "order.placed": "Order placed",
        "customer.merged": "Records merged",
        "consent": "Consent changed",
        "consent:sms/marketing": "Consent: SMS · Marketing offers",
    },
}


def _text(html: str) -> str:
    """What a reader sees: the page without its tags, scripts and attributes."""
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


@pytest.fixture
def merged(db) -> int:
    """María José's two records merged, her timeline with lines that carry no subject (their
    kind is all a reader has) and an audit entry whose action nobody registered."""
    review = merge_people.pair()
    a = Customer.objects.get(pk=review.customer_a_id)
    b = Customer.objects.get(pk=review.customer_b_id)
    services.merge_customers(a, b, CTX, "same person")
    now = timezone.now()
    add_lines(
        [
            TimelineLine(a.pk, now - timedelta(minutes=n), "web", kind, subject="")
            for n, kind in enumerate(["lifecycle", "order.placed", "customer.merged"])
        ]
    )
    audit.record(ACTOR, "loyalty.tier_reviewed", "customer", a.pk, {}, customer_id=a.pk)
    said = {"consent:sms/marketing": [None, False]}  # as customers' consent services write it
    audit.record(ACTOR, "consent", "consent", a.pk, said, customer_id=a.pk)
    return a.pk


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["es", "en"])
def test_the_audit_trail_and_the_timeline_read_as_words(make_user, merged, language) -> None:
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    client.force_login(make_user("supervisor"))
    page = _text(client.get(f"/customers/{merged}/").content.decode())
    for words in WORDS[language].values():
        assert words in page, words
    assert "Loyalty tier reviewed" in page  # unregistered: the code as words
    codes = ("merged_customer", "merged_into", "customer.merged", "order.placed", "lifecycle")
    for code in (*codes, "consent:sms/marketing"):
        assert not re.search(rf"(?<![\w/.-]){re.escape(code)}(?![\w.-])", page), code


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["es", "en"])
def test_the_timeline_alone_names_each_kind(make_user, merged, language) -> None:
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    client.force_login(make_user("agent"))
    page = _text(client.get(f"/customers/{merged}/timeline/").content.decode())
    assert WORDS[language]["lifecycle"] in page and WORDS[language]["order.placed"] in page
    assert "order.placed" not in page and "lifecycle " not in page


def test_every_registered_word_has_its_spanish() -> None:
    for name in ("audit.action", "timeline.kind", "audit.field"):
        for code in vocabulary._LISTS[name]:
            with translation.override("en"):
                english = vocabulary.label(name, code)
            with translation.override("es"):
                spanish = vocabulary.label(name, code)
            assert spanish and spanish != english, (name, code)


@given(st.text(max_size=40))
def test_any_code_reads_as_words_without_failing(code: str) -> None:
    words = vocabulary.label("audit.action", code)
    assert isinstance(words, str)
    assert not re.search(r"[._:/]", words) or code in vocabulary.AUDIT_ACTIONS
    assert words[:1] == words[:1].upper()


def test_a_context_adds_its_list_and_the_first_word_stays() -> None:
    vocabulary.register("tests.sample", {"a_b": "First"})  # type: ignore[dict-item]
    vocabulary.register("tests.sample", {"a_b": "Second", "c": "C"})  # type: ignore[dict-item]
    assert vocabulary.label("tests.sample", "a_b") == "First"
    assert vocabulary.label("tests.sample", "c") == "C"
    assert vocabulary.label("tests.sample", "not_there.yet") == "Not there yet"
    assert vocabulary.label("no.such.list", "x-y") == "X y"


@pytest.mark.parametrize(
    ("language", "words"), [("es", "Cambiado en la administración"), ("en", "Changed in the admin")]
)
def test_the_admins_audit_list_shows_actions_in_words(language: str, words: str) -> None:
    from django.contrib import admin

    from lealtad.core.admin import AuditEntryAdmin
    from lealtad.core.models import AuditEntry

    listed = AuditEntryAdmin(AuditEntry, admin.site)
    assert "action_words" in listed.list_display and "action" not in listed.list_display
    with translation.override(language):
        assert listed.action_words(AuditEntry(action="admin_change")) == words


@pytest.mark.django_db
@pytest.mark.parametrize(("language", "withdrawn"), [("es", "retirado"), ("en", "withdrawn")])
def test_the_values_an_audit_entry_kept_read_as_words(make_user, merged, language, withdrawn):
    """A consent withdrawn reads "withdrawn", not False; a status, its label, not its code."""
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    client.force_login(make_user("supervisor"))
    html = client.get(f"/customers/{merged}/").content.decode()
    afters = re.findall(r'<span class="after">([^<]*)</span>', html)
    assert withdrawn in afters
    assert not {"False", "True", "merged", "active"} & set(afters), afters
