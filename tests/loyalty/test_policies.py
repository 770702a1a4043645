"""The policies a ledger must keep: a return of points already spent (owed, paid back first;
or forfeited), expiry oldest first (by the daily job, twice changing nothing), and tiers on
points earned in the window with a grace period before a downgrade."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from lealtad.commerce import demo
from lealtad.loyalty import selectors
from lealtad.loyalty.models import LedgerEntry, Member
from lealtad.loyalty.services import expiry, members, movements, programs
from lealtad.loyalty_engine.months import add_months
from tests.loyalty.helpers import ACTOR, dispatch, place, program, ship_and_return

pytestmark = pytest.mark.django_db


def spend_all(member: Member, key: str) -> None:
    member.refresh_from_db()
    movements.redeem([movements.Redeem(member.pk, "pos", key, points=member.balance)], ACTOR)


def test_a_return_of_spent_points_leaves_a_balance_owed_that_new_points_pay_first(api, story):
    program()
    first = place(api, story, [{"sku": demo.SHIRT_M, "quantity": 1}])
    dispatch()
    member = Member.objects.get()
    earned = member.balance
    spend_all(member, "all")
    ship_and_return(api, first["number"], demo.SHIRT_M, 1, "back")
    dispatch()
    member.refresh_from_db()
    assert member.balance == -earned  # owed
    reverse = LedgerEntry.objects.get(kind="reverse")
    assert reverse.detail["owed"] == earned
    # owing: redemption refused
    with pytest.raises(movements.LoyaltyConflict):
        movements.redeem([movements.Redeem(member.pk, "pos", "x", points=1)], ACTOR)
    place(api, story, [{"sku": demo.SHIRT_M, "quantity": 2}])
    dispatch()
    member.refresh_from_db()
    second = LedgerEntry.objects.filter(kind="earn").latest("id")
    assert member.balance == second.points - earned
    assert second.remaining == second.points - earned  # the debt was paid from it first
    assert selectors.mismatches() == [] and selectors.lots_mismatches() == []


def test_forfeit_policy_takes_back_only_what_is_held(api, story):
    club = program()
    programs.save_program({"negative_balance": "forfeit"}, ACTOR, club.pk)
    order = place(api, story, [{"sku": demo.SHIRT_M, "quantity": 1}])
    dispatch()
    member = Member.objects.get()
    spend_all(member, "all")
    ship_and_return(api, order["number"], demo.SHIRT_M, 1, "back")
    dispatch()
    member.refresh_from_db()
    assert member.balance == 0
    assert LedgerEntry.objects.get(kind="reverse").points == 0


def test_expiry_takes_the_oldest_points_first_and_twice_changes_nothing(api, story):
    club = program()
    start = timezone.now() - timedelta(days=500)
    member = members.enrol(club, [story.customer_id], start)[story.customer_id]
    for n, days in enumerate((0, 200, 400)):  # three lots of 100
        movements.adjust(
            [movements.Adjust(member.pk, 100, "bienvenida", f"k{n}")],
            ACTOR,
            start + timedelta(days=days),
        )
    movements.redeem(
        [movements.Redeem(member.pk, "web", "spend", points=150)],
        ACTOR,
        start + timedelta(days=401),
    )
    lots = list(
        LedgerEntry.objects.filter(kind="adjust").order_by("at").values_list("remaining", flat=True)
    )
    assert lots == [0, 50, 100]  # spent oldest first
    now = add_months(start + timedelta(days=200), 12) + timedelta(
        seconds=1
    )  # the second lot is due
    assert expiry.expire(now) == 50
    assert list(
        LedgerEntry.objects.filter(kind="adjust").order_by("at").values_list("remaining", flat=True)
    ) == [0, 0, 100]
    assert expiry.expire(now) == 0
    member.refresh_from_db()
    assert member.balance == 100 and selectors.mismatches() == []


def test_tier_follows_points_earned_not_the_balance_with_grace(api, story):
    club = program(grace_months=2, tier_window_months=12)
    place(api, story, [{"sku": "CAM-OXF-CEL-L", "quantity": 6}])
    dispatch()
    member = Member.objects.select_related("tier").get()
    assert member.balance >= 1000 and member.tier.name == "Oro"
    spend_all(member, "all")  # spending does not cost the tier
    expiry.review_tiers()
    member.refresh_from_db()
    assert member.tier.name == "Oro" and member.grace_until is None
    later = add_months(timezone.now(), 13)  # the earning left the window: grace opens
    expiry.review_tiers(later)
    member.refresh_from_db()
    assert member.tier.name == "Oro" and member.grace_until == add_months(later, 2)
    expiry.review_tiers(add_months(later, 1))
    member.refresh_from_db()
    assert member.tier.name == "Oro"
    expiry.review_tiers(add_months(later, 2))
    member.refresh_from_db()
    assert member.tier.name == "Plata" and member.grace_until is None
    assert club.pk == member.program_id
