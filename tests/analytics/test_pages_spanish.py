"""The analytics pages in Spanish, the UI's default language: the dashboard, the scorecard and
the customer's value card read from the analytics catalog (and the project's, for the value
tiers and lifecycle stages), and words other catalogs translate differently keep their sense
here (a KPI's retention is not privacy's retention of data)."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.analytics.test_pages_customer import assessed
from tests.analytics.test_pages_scorecard import user_in
from tests.web.conftest import build_rodrigo

pytestmark = pytest.mark.django_db


def signed_in(role: str, language: str, name: str | None = None) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    client.force_login(user_in(role, name))
    return client


def test_the_dashboard_reads_in_spanish_and_in_english() -> None:
    html = signed_in("manager", "es").get("/analytics/").content.decode()
    for shown in ("Analítica de clientes", "Tablero", "Cuadro de mando integral", "Ventas"):
        assert shown in html, shown
    assert '<option value="">Todos</option>' in html  # every channel
    assert '<option value="">Todas</option>' in html  # every store
    assert "Customer analytics" not in html
    english = signed_in("manager", "en", "manager_en").get("/analytics/").content.decode()
    assert "Customer analytics" in english and '<option value="">All</option>' in english


def test_the_scorecard_reads_in_spanish() -> None:
    html = signed_in("manager", "es").get("/analytics/scorecard/?period=2026").content.decode()
    for shown in ("Cuadro de mando integral", "Financiera", "Retención", "Fijar una meta"):
        assert shown in html, shown
    assert "Conservación" not in html  # privacy's word for keeping data


def test_the_customer_value_card_reads_in_spanish() -> None:
    customer = build_rodrigo()
    assessed(customer)  # most valuable, loyal, low churn risk
    html = signed_in("supervisor", "es").get(f"/customers/{customer}/").content.decode()
    for shown in ("Valor del cliente", "Nivel de valor", "Más valioso", "Leal", "Bajo"):
        assert shown in html, shown
    assert "Mucho tiempo desde la última compra" in html  # a churn driver's label
    assert "Most valuable" not in html
