"""The customer search page: namesakes told apart (phone, city, tier, last contact), every
match reachable a page at a time with the total, and Enter opening the one customer a whole
key names."""

from __future__ import annotations

import html
import re

import pytest
from django.test import Client
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lealtad.customers.models import Customer
from lealtad.customers.selectors import search_page
from tests.customers import search_people as people

pytestmark = pytest.mark.django_db
SEARCH = "/customers/"
DASH = "\u2013"  # an en dash between the first and last row shown


@pytest.fixture
def client() -> Client:
    browser = Client(HTTP_ACCEPT_LANGUAGE="en")
    browser.force_login(people.agent())
    return browser


@pytest.fixture
def namesakes() -> dict[str, int]:
    return people.namesakes()


def _page(client: Client, **params: str) -> str:
    response = client.get(SEARCH, params)
    assert response.status_code == 200
    return html.unescape(response.content.decode())


def _rows(page: str) -> list[str]:
    body = page.split("<tbody>", 1)[1].split("</tbody>", 1)[0] if "<tbody>" in page else ""
    return re.findall(r"<tr>(.*?)</tr>", body, re.S)


def test_namesakes_are_told_apart(client, namesakes) -> None:
    rows = _rows(_page(client, q="rodrigo juarez"))
    assert len(rows) == 2
    quito = next(r for r in rows if "Ortega" in r)
    guayaquil = next(r for r in rows if "Paredes" in r)
    assert "+593 99 123 4567" in quito and "Quito" in quito
    assert "02/04/2024" in quito and "Contact center" in quito  # the call, in words
    assert "+593 98 700 0001" in guayaquil and "Guayaquil" in guayaquil
    assert "Most valuable" in guayaquil and "mvc" not in guayaquil  # the tier in words
    assert "—" in quito  # no tier before the first analytics refresh


def test_the_total_is_shown_and_every_match_is_a_page_away(client) -> None:
    people.crowd(60)
    first = _page(client, q="prueba")
    assert f"1{DASH}25 of 60 customers" in first
    assert len(_rows(first)) == 25
    assert 'rel="next"' in first and 'rel="prev"' not in first
    assert "Page 1 of 3" in first
    last = _page(client, q="prueba", page="3")
    assert f"51{DASH}60 of 60 customers" in last and len(_rows(last)) == 10
    assert 'rel="next"' not in last and 'rel="prev"' in last
    names = [
        re.search(r"Cliente Prueba \d+", row).group(0)  # type: ignore[union-attr]
        for number in ("1", "2", "3")
        for row in _rows(_page(client, q="prueba", page=number))
    ]
    assert sorted(names) == [f"Cliente Prueba {n:03d}" for n in range(60)]


@pytest.mark.parametrize(
    "asked, shown", [("99", f"51{DASH}60"), ("abc", f"1{DASH}25"), ("-2", f"1{DASH}25")]
)
def test_a_page_out_of_range_shows_the_nearest(client, asked, shown) -> None:
    people.crowd(60)
    assert f"{shown} of 60 customers" in _page(client, q="prueba", page=asked)


def test_a_huge_result_says_more_than(client, monkeypatch) -> None:
    people.crowd(12)
    monkeypatch.setattr(search_page, "COUNT_CAP", 10)
    monkeypatch.setattr(search_page, "PER_PAGE", 4)
    page = _page(client, q="prueba")
    assert f"1{DASH}4 of more than 10 customers" in page
    assert "Page 1 of 3" in page


def test_one_customer_is_counted_in_the_singular(client, namesakes) -> None:
    assert f"1{DASH}1 of 1 customer" in _page(client, q="paredes")


@pytest.mark.parametrize(
    "typed",
    [people.RODRIGO_ID, f" {people.RODRIGO_ID} ", "  Rodrigo.Juarez@Example.EC ", "099 123 4567"],
)
def test_enter_with_a_whole_key_opens_the_customer(client, namesakes, typed) -> None:
    response = client.get(SEARCH, {"q": typed})
    assert response.status_code == 302
    assert response["Location"] == reverse("customers:detail", args=[namesakes["rodrigo"]])


@pytest.mark.parametrize("typed", ["171003", "rodrigo", "rodrigo.juarez@", people.LANDLINE])
def test_a_partial_or_shared_key_lists_the_matches(client, namesakes, typed) -> None:
    """Part of a cédula, a name, or the landline a household shares: the clerk picks."""
    assert client.get(SEARCH, {"q": typed}).status_code == 200


def test_the_household_landline_lists_both(client, namesakes) -> None:
    rows = _rows(_page(client, q=people.LANDLINE))
    assert len(rows) == 2 and "Rosa" in "".join(rows) and "Luis" in "".join(rows)


def test_a_page_link_never_jumps(client, namesakes) -> None:
    """A link to a page of results stays on the results, even for a whole key."""
    page = _page(client, q=people.RODRIGO_ID, page="1")
    assert len(_rows(page)) == 1


def test_a_merged_or_erased_customer_is_not_opened(client, namesakes) -> None:
    Customer.objects.filter(pk=namesakes["rodrigo"]).update(merged_into=namesakes["paredes"])
    assert client.get(SEARCH, {"q": people.RODRIGO_ID}).status_code == 200


def test_the_live_results_say_what_enter_opens(client, namesakes) -> None:
    response = client.get(reverse("customers:results"), {"q": "rodrigo.juarez@example.ec"})
    page = html.unescape(response.content.decode())
    assert "Press Enter to open Rodrigo Juárez Ortega." in page
    assert reverse("customers:detail", args=[namesakes["rodrigo"]]) in page
    assert "Press Enter" not in html.unescape(
        client.get(reverse("customers:results"), {"q": "rodrigo"}).content.decode()
    )


def test_nothing_found_says_so(client, namesakes) -> None:
    page = _page(client, q="zzzz")
    assert "No customer matches “zzzz”." in page and "<table" not in page
    assert "No customer matches" in _page(client, q="bad\x01value")


def test_the_page_in_spanish(namesakes) -> None:
    people.crowd(30)
    browser = Client(HTTP_ACCEPT_LANGUAGE="es")
    browser.force_login(people.agent("sara"))
    page = html.unescape(browser.get(SEARCH, {"q": "prueba"}).content.decode())
    assert f"1{DASH}25 de 30 clientes" in page and "Página 1 de 2" in page
    assert "Página siguiente" in page and "Nivel de valor" in page and "Último contacto" in page
    paredes = html.unescape(browser.get(SEARCH, {"q": "paredes"}).content.decode())
    assert "Más valioso" in paredes and f"1{DASH}1 de 1 cliente" in paredes


def test_a_page_costs_the_same_queries_for_1_or_25_rows(
    client, namesakes, django_assert_max_num_queries
) -> None:
    people.crowd(30)
    with django_assert_max_num_queries(12):
        _page(client, q="paredes")
    with django_assert_max_num_queries(12):
        _page(client, q="prueba")


def test_who_may_not_look_up_customers_is_refused(namesakes) -> None:
    from django.contrib.auth.models import User

    nobody = Client(HTTP_ACCEPT_LANGUAGE="en")
    nobody.force_login(User.objects.create_user("nadie", password=people.PASSWORD))
    assert nobody.get(SEARCH, {"q": people.RODRIGO_ID}).status_code == 403
    assert nobody.get(reverse("customers:results"), {"q": "rodrigo"}).status_code == 403


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(text=st.text(max_size=30))
def test_any_text_typed_answers_a_page(client, text) -> None:
    """Whatever is typed — controls, emoji, digits in other scripts — the page answers 200 or
    opens a customer, never fails. A NUL character is refused at the edge (400) before any
    page sees it."""
    page = client.get(SEARCH, {"q": text}).status_code
    results = client.get(reverse("customers:results"), {"q": text}).status_code
    if "\x00" in text:
        assert page == results == 400
    else:
        assert page in (200, 302) and results == 200
