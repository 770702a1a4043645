"""The loyalty API: programs for managers; standing, ledger, statement, redemptions (partial,
over the balance, replayed, cancelled), adjustments and referrals, with their refusals."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from lealtad.commerce import demo
from lealtad.customers.models import Customer
from lealtad.loyalty.models import LedgerEntry, Member, Redemption, Referral
from lealtad.loyalty.services import members
from tests.loyalty.helpers import dispatch, place, program

pytestmark = pytest.mark.django_db


def post(client, url, body):
    return client.post(url, body, content_type="application/json")


@pytest.fixture
def member(api, story):
    program()
    place(api, story, [{"sku": demo.SHIRT_M, "quantity": 2}])
    dispatch()
    return Member.objects.get(customer_id=story.customer_id)


@pytest.fixture
def till(token_client):
    return token_client("store_clerk", ("customers:read", "customers:write", "commerce:sell"))


def test_programs_are_managed_by_loyalty_managers(token_client, db):
    marketer = token_client("marketer", ("loyalty:manage",))
    made = post(
        marketer, "/api/v1/loyalty/programs", {"code": "vip", "name": "VIP", "point_value": "0.02"}
    )
    assert made.status_code == 201, made.content
    pid = made.json()["id"]
    tier = post(
        marketer,
        f"/api/v1/loyalty/programs/{pid}/tiers",
        {"name": "Oro", "rank": 1, "threshold": 500},
    )
    assert tier.status_code == 201
    again = post(
        marketer,
        f"/api/v1/loyalty/programs/{pid}/tiers",
        {"name": "Otro", "rank": 1, "threshold": 9},
    )
    assert again.status_code == 409 and again.json()["field"] == "name"
    bad = post(
        marketer,
        f"/api/v1/loyalty/programs/{pid}/rules",
        {
            "name": "x",
            "points_per_unit": "1",
            "starts": "2026-05-02T00:00:00Z",
            "ends": "2026-05-01T00:00:00Z",
        },
    )
    assert bad.status_code == 422 and bad.json()["field"] == "ends"
    rule = post(
        marketer,
        f"/api/v1/loyalty/programs/{pid}/rules",
        {"name": "Farmacia x2", "category": "farmacia", "points_per_unit": "2"},
    )
    assert rule.status_code == 201
    shown = marketer.get(f"/api/v1/loyalty/programs/{pid}").json()
    assert [t["name"] for t in shown["tiers"]] == ["Oro"] and shown["rules"][0][
        "category"
    ] == "farmacia"
    clerk = token_client("store_clerk", ("commerce:sell",))
    assert post(clerk, "/api/v1/loyalty/programs", {"code": "x", "name": "x"}).status_code == 403


def test_standing_ledger_and_statement(api, member):
    standing = api.get(f"/api/v1/loyalty/customers/{member.customer_id}").json()
    assert standing["balance"] == member.balance > 0 and standing["tier"] == "Plata"
    assert standing["to_next_tier"] == max(0, 1000 - member.balance) or standing["tier"] == "Oro"
    [row] = api.get(f"/api/v1/loyalty/customers/{member.customer_id}/ledger").json()
    assert row["kind"] == "earn" and row["source_kind"] == "order"
    month = timezone.localdate().strftime("%Y-%m")
    statement = api.get(
        f"/api/v1/loyalty/customers/{member.customer_id}/statement?month={month}"
    ).json()
    assert statement["opening_balance"] == 0 and statement["closing_balance"] == member.balance
    assert len(statement["movements"]) == 1
    past = api.get(f"/api/v1/loyalty/customers/{member.customer_id}/statement?month=2020-01").json()
    assert past["movements"] == [] and past["closing_balance"] == 0
    bad = api.get(f"/api/v1/loyalty/customers/{member.customer_id}/statement?month=mayo")
    assert bad.status_code == 422 and bad.json()["field"] == "month"
    assert api.get("/api/v1/loyalty/customers/999999").status_code == 404


def test_partial_redemption_at_the_till_by_amount(till, member):
    body = {
        "customer": member.customer_id,
        "amount": "1.00",
        "channel": "pos",
        "order_reference": "TICKET-1",
        "idempotency_key": "pos-1-r",
    }
    made = post(till, "/api/v1/loyalty/redemptions", body)
    assert made.status_code == 201, made.content
    assert made.json()["points"] == 100 and made.json()["value"] == "1.00"
    again = post(till, "/api/v1/loyalty/redemptions", body)  # an offline till retrying
    assert again.json()["id"] == made.json()["id"]
    member.refresh_from_db()
    assert (
        Redemption.objects.count() == 1 and LedgerEntry.objects.filter(kind="redeem").count() == 1
    )
    assert member.balance == LedgerEntry.objects.get(kind="earn").points - 100


def test_redeeming_more_than_the_balance_is_refused_and_writes_nothing(till, member):
    before = list(LedgerEntry.objects.values_list("id", "remaining"))
    body = {
        "customer": member.customer_id,
        "points": member.balance + 1,
        "channel": "web",
        "idempotency_key": "too-much",
    }
    refused = post(till, "/api/v1/loyalty/redemptions", body)
    assert refused.status_code == 409
    assert refused.json()["code"] == "insufficient_points" and refused.json()["field"] == "points"
    assert Redemption.objects.count() == 0
    assert list(LedgerEntry.objects.values_list("id", "remaining")) == before
    both = post(till, "/api/v1/loyalty/redemptions", {**body, "points": 1, "amount": "1.00"})
    assert both.status_code == 422


def test_cancel_gives_the_points_back_once(till, member):
    balance = member.balance
    made = post(
        till,
        "/api/v1/loyalty/redemptions",
        {
            "customer": member.customer_id,
            "points": 50,
            "channel": "call_center",
            "idempotency_key": "c1",
        },
    ).json()
    cancelled = post(till, f"/api/v1/loyalty/redemptions/{made['id']}/cancel", {})
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    member.refresh_from_db()
    assert member.balance == balance
    assert post(till, f"/api/v1/loyalty/redemptions/{made['id']}/cancel", {}).status_code == 409


def test_adjustments_need_a_reason_and_never_go_below_zero(token_client, member):
    manager = token_client("marketer", ("loyalty:manage", "customers:read"))
    body = {
        "customer": member.customer_id,
        "points": -(member.balance + 1),
        "reason": "error de caja",
        "idempotency_key": "adj-1",
    }
    refused = post(manager, "/api/v1/loyalty/adjustments", body)
    assert refused.status_code == 409, refused.content
    blank = post(manager, "/api/v1/loyalty/adjustments", {**body, "points": 10, "reason": "  "})
    assert blank.status_code == 422 and blank.json()["field"] == "reason"
    given = post(manager, "/api/v1/loyalty/adjustments", {**body, "points": 25})
    assert given.status_code == 201 and given.json()["reason"] == "error de caja"
    member.refresh_from_db()
    assert member.balance == LedgerEntry.objects.get(kind="earn").points + 25


def new_customer(name: str) -> int:
    return Customer.objects.create(display_name=name).pk


def test_referral_rewards_both_once_and_refuses_bad_codes(till, member):
    club = member.program
    newcomer = new_customer("Rosa Quishpe")
    made = post(
        till,
        "/api/v1/loyalty/referrals",
        {"code": member.referral_code.lower(), "customer": newcomer},
    )
    assert made.status_code == 201, made.content
    referred = Member.objects.get(customer_id=newcomer)
    assert referred.balance == 200
    member.refresh_from_db()
    assert LedgerEntry.objects.filter(member=member, kind="referral").get().points == 500
    twice = post(
        till, "/api/v1/loyalty/referrals", {"code": member.referral_code, "customer": newcomer}
    )
    assert twice.status_code == 409 and twice.json()["code"] == "referred_already"
    own = post(
        till,
        "/api/v1/loyalty/referrals",
        {"code": member.referral_code, "customer": member.customer_id},
    )
    assert own.status_code == 422 and own.json()["code"] == "own_code"
    other = program(code="otro", name="Otro club")
    foreign = members.enrol(other, [new_customer("Luis Tipán")])
    code = next(iter(foreign.values())).referral_code
    refused = post(
        till, "/api/v1/loyalty/referrals", {"code": code, "customer": new_customer("Ana Mamani")}
    )
    assert refused.status_code == 422 and refused.json()["code"] == "foreign_code"
    Member.objects.filter(pk=member.pk).update(
        referral_issued_at=timezone.now() - timedelta(days=400)
    )
    expired = post(
        till,
        "/api/v1/loyalty/referrals",
        {"code": member.referral_code, "customer": new_customer("Eva Condori")},
    )
    assert expired.status_code == 422 and expired.json()["code"] == "code_expired"
    assert Referral.objects.count() == 1 and club.pk == member.program_id


def test_a_web_bound_token_does_not_reach_a_store_customer(token_client, member):
    web = token_client("store_clerk", ("customers:read", "commerce:sell", "channel:kiosk"))
    assert web.get(f"/api/v1/loyalty/customers/{member.customer_id}").status_code in (403, 404)
