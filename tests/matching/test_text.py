"""Normalizing names, streets, phones and dates for matching."""

from __future__ import annotations

from lealtad.matching import text


def test_abbreviated_and_nicknamed_given_names_expand() -> None:
    assert text.given_names("Ma. José") == ("maria", "jose")
    assert text.given_names("Mª José") == ("maria", "jose")
    assert text.given_names("PEPE") == ("jose",)
    assert text.given_names("Pancho") == ("francisco",)
    assert text.given_names("Lucho") == ("luis",)


def test_surnames_fold_accents_drop_particles_and_split() -> None:
    assert text.surname("Núñez") == "nunez"
    assert text.surname("de la Cruz") == "cruz"
    assert text.surnames("Juárez Ortega") == ("juarez", "ortega")
    assert text.surnames("Juárez", "Ortega") == ("juarez", "ortega")


def test_streets_split_the_house_number_and_spell_types_one_way() -> None:
    assert text.street("Av. 12 de Octubre N24-593 y Luis Cordero") == (
        "avenida 12 de octubre",
        "24-593",
    )
    assert text.street("Avenida 12 de Octubre N24-593") == text.street("Av. 12 de Octubre N24-593")
    assert text.street("6 tullaroop street") == ("tullaroop street", "6")
    assert text.street("s/n") == ("", "")


def test_phones_become_e164_digits_in_the_customers_country() -> None:
    assert text.phone("099 375 7370", "EC") == "593993757370"
    assert text.phone("+593 99 375 7370") == "593993757370"
    assert text.phone("987 654 321", "PE") == "51987654321"
    assert text.phone("55 1234 5678", "MX") == "525512345678"


def test_dates_and_soundex() -> None:
    assert text.date_key("1980-02-03") == 19800203
    assert text.date_key("19560931") == 19560931  # kept: a typo still compares
    assert text.date_key("not a date") == 0
    assert text.soundex("quishpe") == text.soundex("quispe")
