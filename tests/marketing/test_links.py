"""Signed links: each reads back only what it was made for, and any change breaks it."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lealtad.marketing import links


@given(st.integers(min_value=1, max_value=2**62), st.text(min_size=1, max_size=200))
def test_a_click_link_gives_back_its_message_and_target(message_id, target):
    assert links.click_of(links.click_token(message_id, target)) == (message_id, target)


def test_an_altered_token_is_refused():
    token = links.unsubscribe_token(41)
    assert links.message_of_unsubscribe(token) == 41
    with pytest.raises(links.BadLink):
        links.message_of_unsubscribe(token.replace("41", "42", 1))


def test_a_token_for_one_purpose_opens_no_other():
    with pytest.raises(links.BadLink):
        links.customer_of_preferences(links.click_token(7, "https://example.com"))
    with pytest.raises(links.BadLink):
        links.message_of_unsubscribe(links.preferences_token(7))


def test_a_preference_link_expires_after_a_year(monkeypatch):
    token = links.preferences_token(9)
    assert links.customer_of_preferences(token) == 9
    monkeypatch.setattr(links, "PREFERENCES_MAX_AGE", -1)
    with pytest.raises(links.BadLink):
        links.customer_of_preferences(token)


def test_tokens_are_djangos_own_so_links_already_sent_keep_working(monkeypatch):
    """The signers are made once per salt and key; the tokens must stay exactly what
    ``django.core.signing`` makes, or every link in mailboxes would break."""
    from django.core import signing

    monkeypatch.setattr(signing.time, "time", lambda: 1_800_000_000.0)
    assert links.unsubscribe_token(41) == signing.Signer(salt=links.UNSUBSCRIBE_SALT).sign("41")
    made = signing.dumps([5, "https://tienda.ec/x"], salt=links.CLICK_SALT)
    assert links.click_token(5, "https://tienda.ec/x") == made
    sent_before = signing.dumps(
        [5, "https://tienda.ec/" + "x" * 80], salt=links.CLICK_SALT, compress=True
    )
    assert sent_before.startswith(".")  # compressed, as click links were made until 2026-12
    assert links.click_of(sent_before) == (5, "https://tienda.ec/" + "x" * 80)
    assert links.preferences_token(9) == signing.dumps(9, salt=links.PREFERENCES_SALT)


def test_a_new_secret_key_signs_anew_and_the_old_one_still_opens(settings):
    old = links.unsubscribe_token(41)
    settings.SECRET_KEY, settings.SECRET_KEY_FALLBACKS = (
        "another-" + "k" * 50,
        [settings.SECRET_KEY],
    )
    assert links.unsubscribe_token(41) != old
    assert links.message_of_unsubscribe(old) == 41
    settings.SECRET_KEY_FALLBACKS = []
    with pytest.raises(links.BadLink):
        links.message_of_unsubscribe(old)
