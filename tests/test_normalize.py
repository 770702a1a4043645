"""Normalizing what people type: phones, emails, national ids with check digits, names."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lealtad.core import normalize
from lealtad.customers.names import split_full_name


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


@pytest.mark.parametrize("raw", ["", "12", "abc", "099 375 737"])
def test_bad_phones_are_refused(raw):
    with pytest.raises(normalize.InvalidValue):
        normalize.phone(raw, "EC")


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
