"""Comparison levels on Spanish-language data."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from lealtad.matching import Person
from lealtad.matching import comparisons as cmp
from lealtad.matching.synthetic import ACCENTS, cedula
from tests.matching.conftest import level

NAME_LETTERS = "abcdefghijlmnopqrstuvyzáéíóúñüÁÉÍÓÚÑ"


@given(st.text(alphabet=NAME_LETTERS + " ", min_size=1, max_size=30))
def test_dropping_accents_never_lowers_a_name_match(name: str) -> None:
    plain = name.translate(ACCENTS).replace("ü", "u")
    a = Person(1, given_names=name, first_surname=name)
    b = Person(2, given_names=plain, first_surname=plain.upper())
    assert level(cmp.GIVEN, a, b) in ("exact", "missing")
    exact = ("both surnames exact", "first surname exact, second missing", "missing")
    assert level(cmp.SURNAME, a, b) in exact


@given(st.sampled_from(["Quishpe", "Guamán", "Chicaiza", "Juárez", "Núñez", "Ortega"]))
def test_one_typo_in_a_surname_stays_close(name: str) -> None:
    typo = name[:2] + name[3:]
    assert level(cmp.SURNAME, Person(1, "Ana", name), Person(2, "Ana", typo)) in (
        "Jaro-Winkler >= 0.92",
        "Jaro-Winkler >= 0.80",
    )


def test_ma_jose_matches_maria_jose() -> None:
    assert level(cmp.GIVEN, Person(1, "María José"), Person(2, "Ma. José")) == "exact"
    assert level(cmp.GIVEN, Person(1, "María José"), Person(2, "MARIA")) == (
        "first given name exact"
    )
    assert level(cmp.GIVEN, Person(1, "J."), Person(2, "Juan")) == "initial"


def test_transposed_and_crossed_names() -> None:
    a = Person(1, "Rodrigo", "Juárez", "Ortega")
    assert level(cmp.GIVEN, a, Person(2, "Juárez", "Rodrigo")) == "transposed with surname"
    assert level(cmp.SURNAME, a, Person(2, "Rodrigo", "Ortega", "Juárez")) == (
        "surnames crossed or transposed with given name"
    )
    assert level(cmp.SURNAME, a, Person(2, "Rodrigo", "Juárez", "Vera")) == (
        "first surname exact, second differs"
    )


def test_cedula_with_one_typo_is_one_edit() -> None:
    import random

    good = cedula(random.Random(4))
    typo = good[:4] + str((int(good[4]) + 1) % 10) + good[5:]
    assert level(cmp.NATIONAL_ID, Person(1, national_id=good), Person(2, national_id=typo)) == (
        "one edit"
    )
    assert level(cmp.NATIONAL_ID, Person(1, national_id=good), Person(2, national_id="")) == (
        "missing"
    )


def test_birth_dates() -> None:
    def at(a: str, b: str) -> str:
        return level(cmp.BIRTH_DATE, Person(1, birth_date=a), Person(2, birth_date=b))

    assert at("1980-02-03", "1980-02-03") == "exact"
    assert at("1980-02-03", "1980-02-08") == "one digit typed wrong or two swapped"
    assert at("1980-02-03", "1980-03-02") == "day and month transposed"
    assert at("1980-02-03", "1981-02-03") == "one digit typed wrong or two swapped"
    assert at("1980-02-03", "1975-02-03") == "two of day, month, year agree"


def test_phones_mobile_landline_and_national_format() -> None:
    mobile = Person(1, phones=[("+593993757370", True)])
    assert level(cmp.PHONE, mobile, Person(2, phones=[("099 375 7370", True)])) == "same mobile"
    home = Person(1, phones=[("+59322345678", False)])
    assert level(cmp.PHONE, home, Person(2, phones=[("02 234 5678", False)])) == "same landline"
    wrong_area = Person(2, phones=[("+59342345678", False)])
    assert level(cmp.PHONE, home, wrong_area) == "same last 7 digits"


def test_email_local_part_and_provider() -> None:
    a = Person(1, emails=["maria.quishpe@gmail.com"])
    assert level(cmp.EMAIL, a, Person(2, emails=["mariaquishpe@gmail.com"])) == "exact"
    assert level(cmp.EMAIL, a, Person(2, emails=["maria.quishpe@hotmail.com"])) == (
        "same local part, other provider"
    )


def test_street_abbreviations() -> None:
    a = Person(1, addresses=[("Av. 12 de Octubre N24-593", "Quito", "", "")])
    b = Person(2, addresses=[("Avenida 12 de Octubre N24-593 y Luis Cordero", "QUITO", "", "")])
    assert level(cmp.STREET, a, b) == "street and number agree"
    assert level(cmp.CITY, a, b) == "exact"
