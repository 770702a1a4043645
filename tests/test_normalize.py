"""Normalizing what people type: phones, emails, national ids with check digits, names."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lealtad.core import normalize
from lealtad.customers.names import split_full_name
from tests.latam_phones import ANY_COUNTRY, ecuador


@pytest.mark.parametrize(
    ("raw", "region", "e164", "mobile"),
    [
        ("099 375 7370", "EC", "+593993757370", True),
        ("+593 99 375 7370", "EC", "+593993757370", True),
        ("(02) 245-6789", "EC", "+59322456789", False),
        ("04 268 1234", "EC", "+59342681234", False),
        ("987 654 321", "PE", "+51987654321", True),
        ("55 1234 5678", "MX", "+525512345678", None),
    ],
)
def test_phones_normalize_to_e164(raw, region, e164, mobile):
    parsed = normalize.phone(raw, region)
    assert parsed.e164 == e164
    if mobile is not None:
        assert parsed.is_mobile is mobile


@pytest.mark.parametrize(
    ("raw", "why"),
    [
        ("", "empty"),
        ("12", "too short"),
        ("abc", "digits, spaces"),
        ("099 ABC 7370", "digits, spaces"),
        ("099 375 7370 12345", "too long"),
        ("263 6145", "lacks its area code"),
        ("099\x00375 7370", "control character U.0000"),
    ],
)
def test_impossible_phones_are_refused_with_the_reason(raw, why):
    with pytest.raises(normalize.InvalidValue, match=why):
        normalize.phone(raw, "EC")


@pytest.mark.parametrize(
    ("raw", "e164"),
    [("0944255366", "+593944255366"), ("(092) 2636145", "+593922636145")],
)
def test_possible_numbers_outside_the_assigned_ranges_are_kept_and_flagged(raw, e164):
    parsed = normalize.phone(raw, "EC")
    assert (parsed.e164, parsed.valid, parsed.validity) == (e164, False, "unassigned_range")
    assert parsed.is_mobile  # a 9-digit number starting with 9 is shaped like a mobile


@pytest.mark.parametrize(
    ("raw", "region", "e164"),
    [
        ("+52 1 55 1234 5678", "MX", "+525512345678"),
        ("044 55 1234 5678", "MX", "+525512345678"),
        ("01 33 1234 5678", "MX", "+523312345678"),
        ("(1) 234 5678", "CO", "+576012345678"),
        ("+57 4 234 5678", "CO", "+576042345678"),
    ],
)
def test_numbers_typed_as_dialled_before_a_plan_change(raw, region, e164):
    assert normalize.phone(raw, region).e164 == e164


@settings(max_examples=400, deadline=None)
@given(ANY_COUNTRY)
def test_every_local_format_people_type_is_accepted_in_e164(number):
    raw, region, e164 = number
    assert normalize.phone(raw, region).e164 == e164


@settings(max_examples=300, deadline=None)
@given(ANY_COUNTRY)
def test_a_number_reads_the_same_from_its_own_e164(number):
    """What was typed and its E.164 share one kept answer: it must be the answer parsing the
    E.164 afresh gives (also for numbers dialled the old way and unassigned ranges)."""
    raw, region, _e164 = number
    parsed = normalize.phone(raw, region)
    assert normalize._parsed_phone(parsed.e164, region) == parsed


@pytest.mark.parametrize("raw", ["044 55 1234 5678", "(1) 234 5678", "099 999 9999"])
def test_old_plans_and_unassigned_ranges_read_the_same_from_their_e164(raw):
    region = "MX" if raw.startswith("044") else "CO" if raw.startswith("(1)") else "EC"
    parsed = normalize.phone(raw, region)
    assert normalize._parsed_phone(parsed.e164, region) == parsed


@settings(max_examples=200, deadline=None)
@given(ecuador())
def test_fullwidth_and_arabic_indic_digits_give_the_same_number(number):
    raw, region, e164 = number
    assert normalize.phone(fullwidth(raw), region).e164 == e164
    assert normalize.phone(arabic_indic(raw), region).e164 == e164


def fullwidth(text: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in text)


def arabic_indic(text: str, zero: int = 0x0660) -> str:
    return text.translate({ord(d): chr(zero + int(d)) for d in "0123456789"})


def test_text_is_cleaned_before_matching():
    assert normalize.clean(fullwidth("1710034065")) == "1710034065"
    assert normalize.clean(arabic_indic("1710034065")) == "1710034065"
    assert normalize.clean(arabic_indic("171", zero=0x06F0)) == "171"  # Persian: every Nd
    assert normalize.national_id(arabic_indic("171003406-5")).value == "1710034065"
    assert normalize.name(f"  {fullwidth('Ju')}\u00e1rez   Ortega ") == "Ju\u00e1rez Ortega"
    assert normalize.email(fullwidth("RJ@gmail.com")) == "rj@gmail.com"
    assert normalize.fold("JUA\u0301REZ " + arabic_indic("09")) == "juarez 09"


@pytest.mark.parametrize("bad", ["Ana\x00", "Ana\u202eorteg", "A\x1bna", "\ufeffAna", "An\x7fa"])
def test_control_characters_are_refused(bad):
    with pytest.raises(normalize.InvalidValue, match="control character"):
        normalize.name(bad)


@given(st.text(max_size=30))
def test_clean_is_idempotent_and_leaves_no_control_character(text):
    try:
        once = normalize.clean(text)
    except normalize.InvalidValue:
        assert normalize.control_character(text) is not None
        return
    assert normalize.clean(once) == once
    assert normalize.control_character(once) is None
    assert not any(ch.isdecimal() and not ch.isascii() for ch in once)


def test_email_domain_lowercased_and_bad_refused():
    assert normalize.email(" RJuarez@Gmail.COM ") == "rjuarez@gmail.com"
    for bad in ("bad@", "no-at-sign", "a@b"):
        with pytest.raises(normalize.InvalidValue):
            normalize.email(bad)


cedula_prefix = st.tuples(st.integers(1, 24), st.integers(0, 5), st.integers(0, 999999)).map(
    lambda t: f"{t[0]:02d}{t[1]}{t[2]:06d}"
)


@given(cedula_prefix)
def test_cedula_with_its_check_digit_is_valid(prefix):
    value = prefix + normalize.cedula_check_digit(prefix)
    parsed = normalize.national_id(value)
    assert parsed.type == "cedula_ec" and parsed.valid


@given(cedula_prefix, st.integers(1, 9))
def test_cedula_with_a_wrong_check_digit_is_kept_but_flagged(prefix, delta):
    right = int(normalize.cedula_check_digit(prefix))
    value = prefix + str((right + delta) % 10)
    parsed = normalize.national_id(value)
    assert parsed.value == value and not parsed.valid


def test_cedula_province_and_third_digit_rules():
    assert not normalize.cedula_ec_valid("2510034065")  # province 25 does not exist
    assert not normalize.cedula_ec_valid("1770034065")  # third digit 7 is not a person
    assert normalize.national_id("171003406-5").value == "1710034065"


def test_curp_check_digit():
    assert normalize.curp_valid("GODE561231HDFRRN09") is (
        normalize.national_id("GODE561231HDFRRN09").valid
    )
    assert normalize.national_id("12345678").type == "dni_pe"


@given(st.text(max_size=40))
def test_fold_is_idempotent_and_accent_free(text):
    once = normalize.fold(text)
    assert normalize.fold(once) == once


def test_fold_treats_accents_alike():
    assert normalize.fold("Juárez  NÚÑEZ") == normalize.fold("juarez nunez") == "juarez nunez"


@pytest.mark.parametrize(
    ("full", "parts"),
    [
        ("Rodrigo Juárez Ortega", ("Rodrigo", "Juárez", "Ortega")),
        ("María José Quishpe Guamán", ("María José", "Quishpe", "Guamán")),
        ("Ana de la Cruz", ("Ana", "de la Cruz", "")),
        ("Luis del Pozo Tipán", ("Luis", "del Pozo", "Tipán")),
        ("Ma. José Quishpe", ("Ma. José", "Quishpe", "")),
        ("Juan Carlos Mamani", ("Juan Carlos", "Mamani", "")),
        ("José Condori Huamán", ("José", "Condori", "Huamán")),
    ],
)
def test_split_full_name(full, parts):
    assert split_full_name(full) == parts
