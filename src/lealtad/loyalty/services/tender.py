"""Points as a tender of an order (``core.points_port``; docs/decisions/0015).

Commerce asks here, inside the transaction that writes the order, to spend a customer's
points; the redemption is keyed by the order, so a retried or replayed placement spends once,
and a refusal (not a member, more than the balance) rolls the order back with it. A return of
goods the points paid for gives back its share of them, once per return."""

from __future__ import annotations

from decimal import Decimal

from django.utils.translation import gettext_lazy as _

from lealtad.core.audit import Actor
from lealtad.core.points_port import PointsStanding, Spent, worth
from lealtad.loyalty.models import Member
from lealtad.loyalty.services import movements
from lealtad.loyalty.services.common import LoyaltyConflict, LoyaltyRefused

FIELD = "payment.points"
PREFIX = "redemption:"


def _member(customer_id: int) -> Member | None:
    return (
        Member.objects.select_related("program")
        .filter(customer_id=customer_id, program__active=True)
        .order_by("program_id")
        .first()
    )


def standing(customer_id: int) -> PointsStanding | None:
    """The customer's balance and what one point is worth; None for a non-member."""
    found = _member(customer_id)
    if found is None:
        return None
    return PointsStanding(found.balance, found.program.point_value, found.program.currency)


def value_of(customer_id: int, points: int, currency: str) -> Decimal:
    """What ``points`` pay for this customer, refused when they cannot be spent here."""
    found = _member(customer_id)
    if found is None:
        raise LoyaltyRefused(
            _("The customer is in no loyalty program: there are no points to pay with."),
            field=FIELD,
            code="not_a_member",
        )
    if found.program.currency != currency:
        raise LoyaltyRefused(
            _("Points of this program pay in %(currency)s, not in the order's currency."),
            field=FIELD,
            currency=found.program.currency,
        )
    if points > found.balance:
        raise LoyaltyConflict(
            _("%(asked)s points asked but the balance is %(balance)s."),
            field=FIELD,
            code="insufficient_points",
            asked=points,
            balance=found.balance,
        )
    return worth(points, found.program.point_value)


def spend(
    customer_id: int, points: int, *, key: str, channel: str, order: str, actor: Actor
) -> Spent:
    """Spend the points for ``order`` (in the caller's transaction; a key used before
    answers the redemption it made)."""
    found = _member(customer_id)
    if found is None:
        value_of(customer_id, points, "")  # raises: not a member
        raise AssertionError("unreachable")
    row = movements.Redeem(found.pk, channel, key, points=points, order_reference=order)
    [made] = movements.redeem([row], actor)
    return Spent(f"{PREFIX}{made.pk}", made.points, made.value)


def give_back(reference: str, points: int, *, key: str, actor: Actor) -> int:
    """Give back ``points`` of the redemption ``reference`` names, once per ``key``."""
    if not reference.startswith(PREFIX) or not reference.removeprefix(PREFIX).isdigit():
        raise LoyaltyRefused(_("There is no such redemption."), field="redemption")
    row = movements.Restore(int(reference.removeprefix(PREFIX)), points, key)
    [given] = movements.restore([row], actor)
    return given
