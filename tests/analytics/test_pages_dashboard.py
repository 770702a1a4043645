"""The executive dashboard over real facts: orders taken at two stores and the web, exported
to the cube, read back with each user's row-level scope and the page's filters."""

from __future__ import annotations

import itertools
import json
import re
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from lealtad.analytics.services import facts, scopes
from lealtad.channels.models import ExternalSystem
from lealtad.commerce import demo
from lealtad.core.audit import Actor
from lealtad.olap.query import Scope
from tests.analytics.test_pages_scorecard import signed_in, user_in
from tests.api_fixtures import post_events

pytestmark = pytest.mark.django_db

POS = "pos_cadena"
TODAY = timezone.localdate()  # the business's day, as the product counts days
_ids = itertools.count(1)


@pytest.fixture
def shop(db: Any) -> None:
    demo.seed_catalog()
    ExternalSystem.objects.create(name=POS, description="POS de la cadena")


def buy(api: Client, email: str, day: date, store: str, units: int = 1) -> None:
    n = next(_ids)
    event = {
        "id": f"{POS}-{n}",
        "type": "order.placed",
        "channel": POS,
        "occurred_at": datetime.combine(day, datetime.min.time(), UTC).isoformat(),
        "customer": {"email": email, "name": f"Cliente {email.split('@')[0].title()}"},
        "payload": {
            "order_ref": f"T-{n}",
            "lines": [{"sku": "CAM-OXF-CEL-S", "quantity": units}],
            "location": store,
        },
    }
    answer = post_events(api, [event])
    assert answer.status_code == 200 and answer.json()["created"] == 1, answer.content


@pytest.fixture
def sales(api: Client, shop: None) -> None:
    """Three buyers at the home store (one of them twice), one at the office store."""
    for who in ("ana", "beto", "carla"):
        buy(api, f"{who}@example.ec", TODAY - timedelta(days=20), demo.STORE_HOME)
    buy(api, "ana@example.ec", TODAY - timedelta(days=5), demo.STORE_HOME, units=2)
    buy(api, "dario@example.ec", TODAY - timedelta(days=9), demo.STORE_OFFICE, units=3)
    facts.export_all()


def chart_data(html: str, chart_id: str) -> dict[str, Any]:
    found = re.search(
        rf'<script id="{chart_id}-data" type="application/json">(.*?)</script>', html, re.S
    )
    assert found, chart_id
    return json.loads(found.group(1))


def kpi(html: str, name: str) -> str:
    found = re.search(rf'id="kpi-{name}">.*?class="value">(.*?)</div>', html, re.S)
    assert found, name
    return re.sub(r"\s", "", found.group(1))


def test_the_manager_sees_every_store(sales: None) -> None:
    html = signed_in("manager").get("/analytics/").content.decode()
    assert kpi(html, "orders") == "5" and kpi(html, "customers") == "4"
    stores = re.search(r'<select id="f-store".*?</select>', html, re.S).group(0)
    assert demo.STORE_HOME in stores and demo.STORE_OFFICE in stores
    channels = chart_data(html, "channel-customers")
    assert channels["labels"] == [POS] and channels["datasets"][0]["data"] == [4]
    assert 'data-chart="tier-revenue-data"' in html and 'id="scope-note"' not in html
    # The panels over the whole history come after the page, one request each (htmx).
    assert 'hx-get="/analytics/parts/curve/?"' in html and 'hx-trigger="load"' in html
    client = signed_in("marketer")
    curve = chart_data(client.get("/analytics/parts/curve/").content.decode(), "channel-curve")
    # everyone bought through one channel
    assert curve["labels"] == ["1"] and curve["datasets"][0]["data"][0] > 0
    heat = client.get("/analytics/parts/cohorts/").content.decode()
    sizes = re.findall(r'<th scope="row">\d{4}-\d{2}</th><td class="num">(\d+)</td>', heat)
    assert sum(map(int, sizes)) == 4 and "heat-9" in heat  # month 0: every cohort buys
    assert client.get("/analytics/parts/nonsense/").status_code == 404
    assert 'id="migrants" hx-get="/analytics/parts/migrants/?"' in html
    migrants = client.get("/analytics/parts/migrants/").content.decode()
    assert 'id="migration"' in migrants  # the matrix, and the KPI tile at the top, updated:
    assert 'id="kpi-migrants" hx-swap-oob="true"' in migrants


def test_a_store_manager_sees_only_their_store(sales: None) -> None:
    user_in("manager", "tienda.quicentro")
    scopes.set_scope("tienda.quicentro", stores=[demo.STORE_HOME], actor=Actor.system("test"))
    client = Client()
    from django.contrib.auth.models import User

    client.force_login(User.objects.get(username="tienda.quicentro"))
    html = client.get("/analytics/").content.decode()
    assert kpi(html, "orders") == "4" and kpi(html, "customers") == "3"
    stores = re.search(r'<select id="f-store".*?</select>', html, re.S).group(0)
    assert demo.STORE_HOME in stores and demo.STORE_OFFICE not in stores
    assert 'id="scope-note"' in html and 'id="migrants"' not in html
    assert 'id="migration"' not in client.get("/analytics/parts/migrants/").content.decode()
    heat = client.get("/analytics/parts/cohorts/").content.decode()
    sizes = re.findall(r'<th scope="row">\d{4}-\d{2}</th><td class="num">(\d+)</td>', heat)
    assert sum(map(int, sizes)) == 3  # the office store's buyer is not in their cohorts
    heat = client.get(f"/analytics/parts/cohorts/?store={demo.STORE_OFFICE}").content.decode()
    assert "No hay datos para esta selección." in heat  # nor by asking for the other store
    # Asking for the other store by hand shows nothing, not the other store's figures.
    html = client.get(f"/analytics/?store={demo.STORE_OFFICE}").content.decode()
    assert kpi(html, "orders") == "0" and kpi(html, "revenue") in ("—", "0,00")


def test_filters_narrow_the_figures(sales: None) -> None:
    client = signed_in("marketer")
    html = client.get(f"/analytics/?store={demo.STORE_OFFICE}").content.decode()
    assert kpi(html, "orders") == "1" and kpi(html, "customers") == "1"
    html = client.get("/analytics/?period=last_year").content.decode()
    assert kpi(html, "orders") in ("0", "—")
    html = client.get("/analytics/?period=nonsense&channel=<script>").content.decode()
    assert "<script>" not in html.split('id="kpis"')[1].split("</main>")[0].replace(
        '<script id="', ""
    )


def test_the_dashboard_before_any_facts_says_there_is_no_data(db: Any) -> None:
    client = signed_in("manager")
    answer = client.get("/analytics/")
    assert answer.status_code == 200
    assert "No hay datos para esta selección." in answer.content.decode()
    for part in ("curve", "cohorts"):
        shown = client.get(f"/analytics/parts/{part}/").content.decode()
        assert "No hay datos para esta selección." in shown


def scorecard_value(html: str, kpi_code: str) -> str:
    found = re.search(rf'id="kpi-{kpi_code}">.*?class="num value">(.*?)</td>', html, re.S)
    assert found, kpi_code
    return re.sub(r"\s", "", found.group(1))


def test_the_scorecard_computes_its_kpis_from_the_facts_under_the_scope(sales: None) -> None:
    if TODAY.timetuple().tm_yday <= 21:
        pytest.skip("the sales straddle new year")
    year = f"?period={TODAY.year}"
    html = signed_in("manager").get(f"/analytics/scorecard/{year}").content.decode()
    dashboard = signed_in("marketer").get("/analytics/").content.decode()
    assert scorecard_value(html, "revenue") == kpi(dashboard, "revenue")
    assert scorecard_value(html, "active_customers") == "4"
    assert scorecard_value(html, "multichannel") == "0,0%"  # all bought at the POS only
    assert scorecard_value(html, "known_identity") == "100,0%"  # every buyer gave an e-mail
    assert scorecard_value(html, "fulfilled") in ("100,0%", "0,0%")
    assert scorecard_value(html, "revenue_growth") == "—"  # nothing sold the year before

    user_in("manager", "tienda.amazonas")
    scopes.set_scope("tienda.amazonas", stores=[demo.STORE_OFFICE], actor=Actor.system("test"))
    client = Client()
    from django.contrib.auth.models import User

    client.force_login(User.objects.get(username="tienda.amazonas"))
    html = client.get(f"/analytics/scorecard/{year}").content.decode()
    assert scorecard_value(html, "active_customers") == "1"
    assert scorecard_value(html, "known_identity") == "—"  # not per store


def test_a_future_period_has_no_figures(sales: None) -> None:
    html = signed_in("manager").get(f"/analytics/scorecard/?period={TODAY.year + 1}")
    assert html.status_code == 200
    # The picker offers recent periods; a future one asked by hand shows no figures.
    assert scorecard_value(html.content.decode(), "revenue") == "—"


def test_lifetime_value_by_tier_after_a_refresh_for_unrestricted_users_only(sales: None) -> None:
    from lealtad.analytics.services import refresh

    run = refresh.run(Actor.system("test"), trigger="cli")
    assert run.status == "done", run.error
    client = signed_in("manager")
    assert 'hx-get="/analytics/parts/clv/?"' in client.get("/analytics/").content.decode()
    html = client.get("/analytics/parts/clv/").content.decode()
    clv = chart_data(html, "tier-clv")
    assert clv["labels"] and all(v is not None for v in clv["datasets"][0]["data"])
    user_in("manager", "tienda.quicentro")
    scopes.set_scope("tienda.quicentro", stores=[demo.STORE_HOME], actor=Actor.system("test"))
    client = Client()
    from django.contrib.auth.models import User

    client.force_login(User.objects.get(username="tienda.quicentro"))
    assert 'id="tier-clv"' not in client.get("/analytics/").content.decode()
    assert 'id="tier-clv-data"' not in client.get("/analytics/parts/clv/").content.decode()


def test_a_store_manager_opens_the_value_of_their_stores_customers_only(sales: None) -> None:
    from django.contrib.auth.models import User

    from lealtad.customers.models import Customer

    user_in("manager", "tienda.quicentro")
    scopes.set_scope("tienda.quicentro", stores=[demo.STORE_HOME], actor=Actor.system("test"))
    client = Client()
    client.force_login(User.objects.get(username="tienda.quicentro"))
    home = Customer.objects.get(emails__address="ana@example.ec").pk
    office = Customer.objects.get(emails__address="dario@example.ec").pk
    assert client.get(f"/analytics/customers/{home}/").status_code == 200
    assert client.get(f"/analytics/customers/{office}/").status_code == 404
    assert signed_in("marketer").get(f"/analytics/customers/{office}/").status_code == 200


def test_the_scorecard_reads_new_facts_once_they_land(sales: None, api: Client) -> None:
    if TODAY.timetuple().tm_yday <= 21:
        pytest.skip("the sales straddle new year")
    client = signed_in("manager")
    url = f"/analytics/scorecard/?period={TODAY.year}"
    assert scorecard_value(client.get(url).content.decode(), "active_customers") == "4"
    assert scorecard_value(client.get(url).content.decode(), "active_customers") == "4"
    buy(api, "elena@example.ec", TODAY - timedelta(days=1), demo.STORE_OFFICE)
    facts.export_all()
    assert scorecard_value(client.get(url).content.decode(), "active_customers") == "5"


def test_the_value_page_suggests_what_buyers_of_the_same_took_too(sales: None, api: Client) -> None:
    from lealtad.analytics.services import basket
    from lealtad.customers.models import Customer
    from tests.analytics.test_pages_customer import assessed

    for who in ("gil", "hugo", "ines", "juan"):
        n = next(_ids)
        event = {
            "id": f"{POS}-{n}",
            "type": "order.placed",
            "channel": POS,
            "occurred_at": datetime.combine(TODAY, datetime.min.time(), UTC).isoformat(),
            "customer": {"email": f"{who}@example.ec", "name": who.title()},
            "payload": {
                "order_ref": f"T-{n}",
                "lines": [
                    {"sku": demo.SHIRT_M, "quantity": 1},
                    {"sku": demo.TROUSERS_32, "quantity": 1},
                ],
                "location": demo.WAREHOUSE,
            },
        }
        assert post_events(api, [event]).json()["created"] == 1
    assert basket.mine_rules() > 0
    ana = Customer.objects.get(emails__address="ana@example.ec").pk  # bought the shirt only
    assessed(ana)
    html = signed_in("marketer").get(f"/analytics/customers/{ana}/").content.decode()
    offers = html.split('id="cross-sell"')[1].split("</section>")[0]
    assert "PAN-" in offers and "CAM-" in offers  # trousers, because of the shirt


def test_migrants_by_month_counts_moves_up_and_down_the_ladder(db: Any) -> None:
    """Tier histories as a refresh records them (TierChange rows of one run)."""
    from lealtad.analytics.models import RefreshRun, TierChange
    from lealtad.analytics.selectors import dashboard as board
    from lealtad.analytics.services import runs
    from lealtad.olap.query import EVERYTHING

    run = runs.begin(RefreshRun.Trigger.CLI, Actor.system("test"))
    this_month = TODAY.replace(day=1)
    before = this_month - timedelta(days=40)
    history = {
        1: [("", "regular", before), ("regular", "mvc", this_month)],  # up
        2: [("", "mvc", before), ("mvc", "below_zero", this_month)],  # down
        3: [("", "mgc", before)],  # stayed
        4: [("", "regular", this_month)],  # first assessed: not a migrant
    }
    for customer, moves in history.items():
        for was, now, day in moves:
            TierChange.objects.create(
                customer_id=customer, from_tier=was, to_tier=now, changed_on=day, run=run
            )
    panel = board.migrants_by_month(EVERYTHING, TODAY, months=3)
    assert panel is not None
    last = panel["rows"][-1]
    assert last["label"] == TODAY.strftime("%Y-%m")
    assert [c["value"] for c in last["cells"]] == [1, 1]
    assert board.migrants_by_month(Scope(stores=frozenset({"S1"})), TODAY) is None
