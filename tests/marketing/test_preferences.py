"""The preference center: a signed link, no password; channels x purposes as consent records
with their proof, topics, frequency and language; Spanish and English."""

from __future__ import annotations

import pytest
from django.test import Client
from django.utils import timezone

from lealtad.customers.models import Consent, ConsentChange
from lealtad.marketing import links
from lealtad.marketing.models import Preference, PreferenceChange
from lealtad.marketing.selectors.preferences import Preferences, preferences_of
from lealtad.marketing.services.preferences import (
    PreferencesRefused,
    PreferenceUpdate,
    save_preferences,
)
from tests.marketing.response_data import customer

pytestmark = pytest.mark.django_db


def _url(customer_id: int) -> str:
    return "/" + links.preferences_url(customer_id).split("://", 1)[1].split("/", 1)[1]


def _form(**more: str) -> dict[str, str]:
    return {
        "consent-email-marketing": "on",
        "topic-offers": "on",
        "topic-events": "on",
        "frequency": "any",
        "frequency_limit": "",
        "language": "es",
        **more,
    }


def test_the_center_opens_in_the_customers_language_and_switches():
    ana = customer("ana@example.ec", "Ana", language="es")
    john = customer("john@example.com", "John", language="en")
    spanish = Client().get(_url(ana))
    assert spanish.status_code == 200
    assert spanish["Content-Language"] == "es"
    assert "Tus preferencias de comunicación" in spanish.content.decode()
    assert "Hola Ana" in spanish.content.decode()
    english = Client().get(_url(john))
    assert english["Content-Language"] == "en"
    assert "Your communication preferences" in english.content.decode()
    switched = Client().get(_url(ana) + "?lang=en")
    assert switched["Content-Language"] == "en"
    assert "Hello Ana" in switched.content.decode()


def test_saving_records_each_change_with_its_proof_and_nothing_twice():
    ana = customer("ana@example.ec")  # e-mail marketing granted (signed form)
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    form = _form(**{"consent-sms-marketing": "on", "frequency": "weekly", "frequency_limit": "2"})
    del form["consent-email-marketing"]  # withdraws e-mail marketing
    page = client.post(_url(ana), form)
    assert page.status_code == 200
    assert 'id="saved"' in page.content.decode()

    consents = dict(Consent.objects.filter(customer_id=ana).values_list("channel", "granted"))
    assert consents == {"email": False, "sms": True}
    changes = ConsentChange.objects.filter(customer_id=ana, method__startswith="preference")
    assert changes.count() == 2
    for change in changes:
        assert change.method == "preference center, signed link"
        assert change.proof == "channel_event"
        assert change.proof_reference.startswith("preference-link-")
        assert change.proof_reference == change.event_id
    own = Preference.objects.get(customer_id=ana)
    assert own.frequency == "weekly" and own.frequency_limit == 2
    assert sorted(own.refused_topics) == ["loyalty", "new_products", "tips"]
    fields = set(PreferenceChange.objects.filter(customer_id=ana).values_list("field", flat=True))
    assert fields == {"refused_topics", "frequency", "frequency_limit", "language"}

    before = (ConsentChange.objects.count(), PreferenceChange.objects.count())
    client.post(_url(ana), form)  # the same form again: nothing new
    assert (ConsentChange.objects.count(), PreferenceChange.objects.count()) == before


def test_a_box_never_answered_and_left_clear_records_no_withdrawal():
    ana = customer("ana@example.ec")
    Client().post(_url(ana), _form())
    assert not Consent.objects.filter(customer_id=ana, channel="whatsapp").exists()


def test_a_weekly_frequency_without_a_number_is_refused_and_nothing_saved():
    ana = customer("ana@example.ec")
    page = Client(HTTP_ACCEPT_LANGUAGE="en").post(
        _url(ana) + "?lang=en", _form(**{"frequency": "weekly", "consent-sms-marketing": "on"})
    )
    assert 'id="problem"' in page.content.decode()
    assert "how many messages" in page.content.decode()
    assert not Preference.objects.exists()


def test_a_forged_or_expired_link_opens_nothing(settings):
    ana = customer("ana@example.ec")
    assert Client().get(f"/m/p/{ana}/").status_code == 404
    token = links.preferences_token(ana)
    assert Client().get(f"/m/p/{token[:-2]}xx/").status_code == 404
    assert Client().post(f"/m/p/{token[:-2]}xx/", _form()).status_code == 404
    assert not ConsentChange.objects.filter(method__startswith="preference").exists()


@pytest.mark.parametrize(
    ("update", "field"),
    [
        (PreferenceUpdate(1, consents={("fax", "marketing"): True}), "rows[1].consents"),
        (PreferenceUpdate(1, refused_topics=frozenset({"politics"})), "rows[1].refused_topics"),
        (PreferenceUpdate(1, frequency="daily"), "rows[1].frequency"),
        (PreferenceUpdate(1, frequency="monthly", frequency_limit=99), "rows[1].frequency_limit"),
        (PreferenceUpdate(1, language="fr"), "rows[1].language"),
    ],
)
def test_a_bad_row_names_itself_and_the_batch_writes_nothing(update, field):
    ana = customer("ana@example.ec")
    good = PreferenceUpdate(ana, frequency="important")
    bad = PreferenceUpdate(ana, **{k: v for k, v in update.__dict__.items() if k != "customer_id"})
    with pytest.raises(PreferencesRefused) as refused:
        save_preferences([good, bad])
    assert refused.value.field == field
    assert not Preference.objects.exists()


def test_preferences_of_reads_a_batch_with_defaults():
    ana, bea = customer("ana@example.ec"), customer("bea@example.ec")
    save_preferences(
        [PreferenceUpdate(ana, refused_topics=frozenset({"offers"}), frequency="important")],
        at=timezone.now(),
    )
    found = preferences_of([ana, bea, 999_999])
    assert found[bea] == Preferences(bea)
    assert found[999_999].allows("offers", important=False, sent_in_period=100)
    assert found[ana].refuses("offers")
    assert not found[ana].allows("events", important=False, sent_in_period=0)
    assert found[ana].allows("events", important=True, sent_in_period=0)
    save_preferences([PreferenceUpdate(bea, frequency="monthly", frequency_limit=2)])
    bea_prefs = preferences_of([bea])[bea]
    assert bea_prefs.period_days == 30
    assert bea_prefs.allows("events", False, 1) and not bea_prefs.allows("events", False, 2)
