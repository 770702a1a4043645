"""Loyalty's side of points as a tender (core.points_port, decision 0015): what points are
worth, a spend keyed by the order, and parts of it given back once per return, never more
than was spent, a cancel giving back only what is left."""

from __future__ import annotations

from decimal import Decimal

import pytest

from lealtad.core import points_port
from lealtad.core.errors import DomainError
from lealtad.customers.models import Customer
from lealtad.loyalty.models import LedgerEntry, Member, Redemption
from lealtad.loyalty.services import members, movements, tender
from tests.loyalty.helpers import ACTOR, program

pytestmark = pytest.mark.django_db


@pytest.fixture
def member(db) -> Member:
    club = program()  # a point is worth 0.01
    customer = Customer.objects.create(display_name="Juan Carlos Quishpe").pk
    found = members.enrol(club, [customer])[customer]
    movements.adjust([movements.Adjust(found.pk, 1000, "bienvenida", "w1")], ACTOR)
    return found


def balance(found: Member) -> int:
    found.refresh_from_db()
    return found.balance


def spend(found: Member, points: int, order: str = "PED-1") -> points_port.Spent:
    return tender.spend(
        found.customer_id,
        points,
        key=f"order:{order}",
        channel="handheld",
        order=order,
        actor=ACTOR,
    )


def test_loyalty_is_the_points_keeper() -> None:
    assert points_port.keeper() is tender


def test_standing_and_value(member) -> None:
    assert tender.standing(member.customer_id) == points_port.PointsStanding(
        1000, Decimal("0.01"), "USD"
    )
    assert tender.value_of(member.customer_id, 333, "USD") == Decimal("3.33")
    with pytest.raises(DomainError) as beyond:
        tender.value_of(member.customer_id, 1001, "USD")
    assert (beyond.value.code, beyond.value.field) == ("insufficient_points", "payment.points")
    with pytest.raises(DomainError) as foreign:
        tender.value_of(member.customer_id, 10, "PEN")
    assert foreign.value.field == "payment.points"
    stranger = Customer.objects.create(display_name="Nadie").pk
    assert tender.standing(stranger) is None
    with pytest.raises(DomainError) as none:
        tender.value_of(stranger, 1, "USD")
    assert none.value.code == "not_a_member"


def test_an_order_spends_once(member) -> None:
    first = spend(member, 400)
    again = spend(member, 400)
    assert first == again and (first.points, first.value) == (400, Decimal("4.00"))
    assert balance(member) == 600 and Redemption.objects.count() == 1


def test_parts_come_back_once_each_and_never_more_than_was_spent(member) -> None:
    spent = spend(member, 400)
    assert tender.give_back(spent.reference, 100, key="return:R1", actor=ACTOR) == 100
    assert tender.give_back(spent.reference, 100, key="return:R1", actor=ACTOR) == 100
    assert balance(member) == 700
    with pytest.raises(DomainError):
        tender.give_back(spent.reference, 301, key="return:R2", actor=ACTOR)
    assert balance(member) == 700  # nothing written
    [redemption] = Redemption.objects.all()
    movements.cancel(redemption.pk, ACTOR)  # only the 300 still out come back
    assert balance(member) == 1000
    with pytest.raises(DomainError):
        tender.give_back(spent.reference, 1, key="return:R3", actor=ACTOR)
    restores = LedgerEntry.objects.filter(member=member, kind="restore")
    assert sorted(e.points for e in restores) == [100, 300]
    assert str(restores.first().get_kind_display()).startswith("given back")


def test_a_reference_that_names_no_redemption_is_refused(member) -> None:
    for reference in ("redemption:999", "nonsense"):
        with pytest.raises(DomainError):
            tender.give_back(reference, 1, key="return:X", actor=ACTOR)
