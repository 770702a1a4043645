"""The analytics refresh end to end: orders taken by channels become tiers, RFM, lifetime
value, churn risk and lifecycle stages written back on each customer, announced, on the
timeline and in the tier history; odd bases finish with warnings and finite figures."""

from __future__ import annotations

import itertools
import math
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from lealtad.analytics.models import RefreshRun, TierChange
from lealtad.analytics.selectors import value
from lealtad.analytics.services import refresh
from lealtad.channels.models import ExternalSystem
from lealtad.commerce import demo
from lealtad.core.audit import Actor
from lealtad.core.dispatcher import default_dispatcher
from lealtad.core.models import OutboxMessage
from lealtad.customers.models import Customer, CustomerStanding, Interaction
from tests.api_fixtures import post_events

pytestmark = pytest.mark.django_db

POS = "pos_cadena"
TODAY = timezone.localdate()  # the business's day, as the product counts days
_ids = itertools.count(1)


@pytest.fixture
def shop(db: Any) -> str:
    demo.seed_catalog()
    ExternalSystem.objects.create(name=POS, description="POS de la cadena")
    return POS


def buy(
    api: Client, email: str, day: date, units: int = 1, sku: str = "CAM-OXF-CEL-L", *more: str
) -> None:
    n = next(_ids)
    event = {
        "id": f"{POS}-{n}",
        "type": "order.placed",
        "channel": POS,
        "occurred_at": datetime.combine(day, datetime.min.time(), UTC).isoformat(),
        "customer": {"email": email, "name": f"Cliente {email.split('@')[0].title()}"},
        "payload": {
            "order_ref": f"T-{n}",
            "lines": [{"sku": s, "quantity": units} for s in (sku, *more)],
            "location": demo.WAREHOUSE,
        },
    }
    response = post_events(api, [event])
    assert response.status_code == 200 and response.json()["created"] == 1, response.content


def prospect(api: Client, email: str) -> int:
    event = {
        "id": f"web-{next(_ids)}",
        "type": "customer.upserted",
        "channel": "web",
        "occurred_at": datetime.now(UTC).isoformat(),
        "customer": {"email": email, "name": "Prospecto Pérez"},
        "payload": {},
    }
    return int(post_events(api, [event]).json()["results"][0]["customer_id"])


def customer_id(email: str) -> int:
    return Customer.objects.get(emails__address=email).pk


def standing(email: str) -> CustomerStanding:
    return CustomerStanding.objects.get(customer_id=customer_id(email))


def dispatch() -> None:
    dispatcher = default_dispatcher()
    while dispatcher.run_once():
        pass


def run_refresh(as_of: date | None = None) -> RefreshRun:
    """A refresh as of ``TODAY`` unless told: a run that crosses midnight keeps one day."""
    return refresh.run(Actor.system("test"), trigger="cli", as_of=as_of or TODAY)


@pytest.fixture
def base(api: Client, shop: str) -> dict[str, str]:
    """A loyal buyer, a buyer who came once long ago, a new buyer, a prospect."""
    loyal, gone, new = "leal@example.ec", "ida@example.ec", "nueva@example.ec"
    for weeks in range(2, 80, 6):
        buy(api, loyal, TODAY - timedelta(weeks=weeks), units=2)
    buy(api, gone, TODAY - timedelta(days=500))
    buy(api, new, TODAY - timedelta(days=3))
    prospect(api, "prospecto@example.ec")
    return {"loyal": loyal, "gone": gone, "new": new, "prospect": "prospecto@example.ec"}


def test_a_refresh_writes_each_customer_what_they_are_worth(base: dict[str, str]) -> None:
    run = run_refresh()
    assert run.status == "done" and run.customers == 4, run.error

    loyal, gone, new = standing(base["loyal"]), standing(base["gone"]), standing(base["new"])
    unknown = standing(base["prospect"])
    assert loyal.value_tier == "mvc" and loyal.lifecycle_stage == "loyal"
    assert loyal.orders == 13 and loyal.rfm_frequency > new.rfm_frequency > 0
    assert loyal.p_alive is not None and loyal.p_alive > 0.5
    assert loyal.clv > 0 and loyal.expected_purchases > 0
    assert gone.lifecycle_stage == "lapsed" and gone.last_purchase_on < TODAY - timedelta(400)
    assert gone.value_tier != "mgc"  # to win back, not to grow
    assert new.lifecycle_stage == "first_purchase"
    assert (unknown.value_tier, unknown.lifecycle_stage, unknown.orders) == (
        "unknown",
        "prospect",
        0,
    )
    for row in CustomerStanding.objects.all():
        numbers = [row.expected_purchases, row.p_alive or 0.0, row.churn_risk or 0.0]
        assert all(math.isfinite(x) for x in numbers)
    # A prospect who bought is a customer now; the one who never bought stays a prospect.
    assert Customer.objects.get(pk=customer_id(base["loyal"])).lifecycle_status == "customer"
    assert Customer.objects.get(pk=customer_id(base["prospect"])).lifecycle_status == "prospect"


def test_stages_go_on_the_timeline_dated_when_they_began(base: dict[str, str]) -> None:
    run_refresh()
    entry = Interaction.objects.get(customer_id=customer_id(base["gone"]), kind="lifecycle")
    assert entry.channel == "analytics" and entry.related_id == "lapsed"
    assert entry.occurred_at.date() == standing(base["gone"]).lifecycle_since


def test_a_later_refresh_announces_who_moved_and_keeps_the_tier_history(
    api: Client, base: dict[str, str]
) -> None:
    first = run_refresh(TODAY - timedelta(days=1))
    assert TierChange.objects.filter(run=first).count() == 4  # everyone's first tier
    for days in (2, 1):  # the new buyer comes back
        buy(api, base["new"], TODAY - timedelta(days=days), units=3)
    dispatch()  # the hub's feed brings the new orders to the cube's facts
    second = run_refresh()
    assert second.figures["facts"] == "incremental"
    stage = OutboxMessage.objects.filter(
        event_type="customer.lifecycle_changed", customer_id=customer_id(base["new"])
    ).get()
    assert stage.payload["from"] == "first_purchase" and stage.payload["to"] == "repeat"
    history = value.tier_history(customer_id(base["new"]))
    assert history[0]["valid_from"] == TODAY - timedelta(days=1)  # the day the first run spoke for
    assert all(h["valid_from"] == TODAY for h in history[1:])
    moved = OutboxMessage.objects.filter(event_type="customer.tier_changed")
    assert {m.customer_id for m in moved} == {
        c.customer_id for c in TierChange.objects.exclude(from_tier="")
    }


def test_an_empty_base_finishes_with_a_warning() -> None:
    run = run_refresh()
    assert run.status == "done" and run.customers == 0
    assert any("no purchases" in w for w in run.warnings)


def test_one_customer_with_one_purchase_gets_finite_figures(api: Client, shop: str) -> None:
    buy(api, "sola@example.ec", TODAY - timedelta(days=10))
    run = run_refresh()
    assert run.status == "done"
    only = standing("sola@example.ec")
    assert only.lifecycle_stage == "first_purchase" and only.value_tier != "unknown"
    assert math.isfinite(only.expected_purchases)


def test_purchases_after_the_day_assessed_are_left_out_with_a_warning(
    base: dict[str, str],
) -> None:
    run = run_refresh(TODAY - timedelta(days=10))
    assert any("after" in w for w in run.warnings), run.warnings
    assert standing(base["new"]).value_tier == "unknown"  # its only purchase came later


def test_one_refresh_at_a_time() -> None:
    running = RefreshRun.objects.create(trigger="manual", started_at=datetime.now(UTC), as_of=TODAY)
    with pytest.raises(refresh.runs.RefreshRunning):
        run_refresh()
    running.started_at -= timedelta(hours=3)  # its process died long ago
    running.save()
    assert run_refresh().status == "done"
    running.refresh_from_db()
    assert running.status == "failed"


def test_where_the_base_knows_who_left_a_supervised_model_scores_the_risk(
    api: Client, shop: str
) -> None:
    """Leavers bought once, long ago; stayers keep buying: the model learns it."""
    events = []
    for n in range(35):
        buy(api, f"se-fue-{n}@example.ec", TODAY - timedelta(days=300 + n))
        events.append(
            {
                "id": f"crm-left-{n}",
                "type": "customer.upserted",
                "channel": "web",
                "occurred_at": datetime.now(UTC).isoformat(),
                "customer": {"email": f"se-fue-{n}@example.ec"},
                "payload": {"lifecycle_status": "former"},
            }
        )
        for days in (5 + n, 60 + n):
            buy(api, f"sigue-{n}@example.ec", TODAY - timedelta(days=days))
    assert post_events(api, events).json()["created"] == 35
    run = run_refresh()
    assert run.figures["churn_model"]["leavers"] == 35
    assert run.figures["churn_model"]["auc"] > 0.9
    stays, leaves = standing("sigue-3@example.ec"), standing("se-fue-3@example.ec")
    assert leaves.churn_risk > stays.churn_risk
    assert leaves.churn_band == "high"
    codes = {d["code"] for d in leaves.churn_drivers}
    assert codes and codes <= {
        "recency_days",
        "purchases",
        "spend",
        "tenure_days",
        "channels",
        "contacts",
        "returns",
        "recent_contacts",
        "recent_returns",
    }


def test_the_refresh_mines_what_is_bought_together(api: Client, shop: str) -> None:
    for n in range(6):  # a shirt with trousers, six times; a shirt alone, twice
        buy(
            api,
            f"par-{n}@example.ec",
            TODAY - timedelta(days=n + 1),
            1,
            "CAM-OXF-CEL-L",
            demo.TROUSERS_32,
        )
    for n in range(2):
        buy(api, f"sola-{n}@example.ec", TODAY - timedelta(days=n + 1))
    run = run_refresh()
    assert run.figures["basket_rules"] >= 2
    from lealtad.analytics.selectors import basket

    found = [(r.antecedent, r.consequent, r.lift) for r in basket.rules(50, 0, None)]
    pairs = {(a[0], c[0]) for a, c, _ in found}
    assert len(pairs) == 2 and all(a != c for a, c in pairs), found  # each way round


def test_facts_from_another_database_are_exported_afresh(base: dict[str, str]) -> None:
    assert run_refresh().figures["facts"] == "full export"
    assert run_refresh().figures["facts"] == "incremental"
    from lealtad.analytics import cube_store

    (cube_store.facts_root() / "DATABASE").write_text("sqlite:/elsewhere.sqlite3:2020-01-01")
    again = run_refresh()
    assert again.figures["facts"] == "full export"
    assert standing(base["loyal"]).value_tier == "mvc"


def test_only_the_figures_that_moved_are_rewritten(api: Client, base: dict[str, str]) -> None:
    run_refresh()
    before = {row.customer_id: row for row in CustomerStanding.objects.all()}
    buy(api, base["new"], TODAY - timedelta(days=1), 4)
    dispatch()
    second = run_refresh()
    after = {row.customer_id: row for row in CustomerStanding.objects.all()}
    new, unknown = customer_id(base["new"]), customer_id(base["prospect"])
    assert after[new].orders == 2 and after[new].run_id == second.pk  # moved: rewritten
    assert after[unknown].run_id == before[unknown].run_id  # a prospect still: left alone
    assert after[unknown].computed_at == before[unknown].computed_at
    from lealtad.analytics import cube_store

    for cid in (new, unknown):  # the cube's customers carry the tiers of the last refresh
        (tier,) = cube_store.cube().sql("SELECT tier FROM customers WHERE customer_id = ?", [cid])
        assert tier[0] == after[cid].value_tier
