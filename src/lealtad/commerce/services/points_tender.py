"""Loyalty points as a tender of an order (docs/decisions/0015-points-as-tender.md).

Commerce keeps the payment; loyalty keeps the points and is asked through
:mod:`lealtad.core.points_port` (loyalty imports commerce's selectors, so commerce may not
import loyalty). The points are checked when the order is planned (before a card is
touched), spent in the order's own transaction under the key ``order:<number>`` (an order
is written once, so its points are spent once; a refusal there rolls the order back), and
recorded as a captured charge (gateway ``loyalty:points``, ``points`` and their value). A
return gives back the points' share of what it refunds, once per return.

Points pay part of any order, taken now, shipped or picked up: their value stays below the
total, the rest paid by card, cash or at the till. On a shipped order they pay their share
of every shipment (``money_part``: the card captures the rest of each), so a cancellation of
what did not ship gives back the points' share of it (``give_back_unsold``) and a return
the points' share of what it refunds: at every moment the points and the money taken stand
in the order's proportion, and neither is ever given back beyond what it paid.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Sum
from django.utils.translation import gettext_lazy as _

from lealtad.commerce import pricing
from lealtad.commerce.models import Order, OrderLine, Payment, Return
from lealtad.commerce.services.captures import shipped_value
from lealtad.commerce.services.common import Conflict, Invalid, SaleContext, insert_new
from lealtad.core import points_port

GATEWAY = Payment.POINTS_GATEWAY
LABEL = "points"  # the payment label receipts show as "N points (value)"
CENT = Decimal("0.01")
FIELD = "payment.points"


def _keeper() -> points_port.PointsKeeper:
    found = points_port.keeper()
    if found is None:
        raise Invalid(_("no loyalty program keeps points here"), field=FIELD)
    return found


def standing(customer_id: int) -> points_port.PointsStanding | None:
    """What a till may offer: the customer's points and their worth (None: not a member)."""
    found = points_port.keeper()
    return found.standing(customer_id) if found is not None else None


def value_for(customer_id: int, points: int, currency: str) -> Decimal:
    """What ``points`` pay on this order, refused (nothing written) when they cannot."""
    return _keeper().value_of(customer_id, points, currency)


def paid_in_points(order: Order) -> Decimal:
    """The value the order's points paid (refunds aside); zero for an order without points."""
    found = order.payments.filter(kind=Payment.Kind.CHARGE, gateway=GATEWAY).values_list(
        "amount", flat=True
    )
    return sum(found, Decimal("0.00"))


def money_part(order: Order, value: Decimal, points: Decimal) -> Decimal:
    """What of goods worth ``value`` the money pays, the points paying the rest in the order's
    proportion: a shipment captures this much, so points pay their share of each parcel."""
    if not points or not order.total:
        return value
    return pricing.cents(value * (order.total - points) / order.total)


def check_share(value: Decimal, total: Decimal, currency: str) -> None:
    """Points pay part of the order: their value must stay below its total."""
    if value and value >= total:
        raise Invalid(
            _(
                "points pay part of the total: their value %(value)s "
                "%(currency)s must be below the %(total)s %(currency)s to pay"
            ),
            field=FIELD,
            value=value,
            currency=currency,
            total=total,
        )


def spend(order: Order, points: int, value: Decimal, ctx: SaleContext, now: datetime) -> Payment:
    """Spend the points for the order (in its transaction) and record them as paid."""
    spent = _keeper().spend(
        order.customer_id,
        points,
        key=f"order:{order.number}",
        channel=order.channel,
        order=order.number,
        actor=ctx.actor,
    )
    if spent.value != value:  # the program's point value changed since the customer agreed
        raise Conflict(
            _("%(points)s points are now worth %(value)s, not %(agreed)s"),
            field=FIELD,
            points=points,
            value=spent.value,
            agreed=value,
        )
    payment = Payment(
        order=order,
        kind=Payment.Kind.CHARGE,
        status=Payment.Status.CAPTURED,
        gateway=GATEWAY,
        reference=spent.reference,
        method_label=LABEL,
        amount=spent.value,
        points=spent.points,
        channel=ctx.channel,
        created_at=now,
    )
    insert_new([payment])
    return payment


def give_back(order: Order, ret: Return, ctx: SaleContext) -> Decimal:
    """The return's refund, in proportion, back in points; what of the refund they cover.

    The points charge gives back its share of everything the order's returns refunded so
    far, rounded to the cent (the return of the last goods sold takes exactly what is left),
    and as many points as that share is of the points paid (rounded half up, exact at the
    end). Called in the return's transaction; the return number keys the points given."""
    charge = _charge(order)
    if charge is None or not ret.refund_amount:
        return Decimal("0.00")
    take = _value_share(order, charge, ret.refund_amount)
    back = Back(f"return:{ret.number}", f"points:refund:{ret.number}", ret.number, ret.created_at)
    return _restore(order, charge, take, back, ctx)


def give_back_unsold(order: Order, lines: list[OrderLine], ctx: SaleContext, at: datetime) -> None:
    """A cancellation gives back the points' share of the goods that did not ship: the
    points keep paying exactly what of the shipped goods the card did not (``money_part``),
    nothing more. Called in the cancellation's transaction, keyed by the order's number (an
    order is cancelled once)."""
    charge = _charge(order)
    if charge is None:
        return
    sold = shipped_value(lines)
    kept = sold - money_part(order, sold, charge.amount)
    number = order.number
    back = Back(f"cancel:{number}", f"points:cancel:{number}", f"cancel:{number}", at)
    _restore(order, charge, charge.amount - kept, back, ctx)


def _charge(order: Order) -> Payment | None:
    return (
        order.payments.select_for_update()
        .filter(kind=Payment.Kind.CHARGE, gateway=GATEWAY, status__in=_TAKEN)
        .first()
    )


@dataclass(frozen=True)
class Back:
    """Names of one give-back: loyalty's idempotency key, commerce's refund reference, the
    announced event's key (a return's number, as before points paid shipped orders)."""

    key: str
    reference: str
    event: str
    at: datetime


def _restore(order: Order, charge: Payment, take: Decimal, back: Back, ctx: SaleContext) -> Decimal:
    """Give ``take`` of the charge back in points (their proportional count), as a refund
    row of commerce and a restore of loyalty's redemption."""
    if take <= 0:
        return Decimal("0.00")
    points = _points_share(charge, take)
    charge.refunded += take
    if charge.refunded == charge.amount:
        charge.status = Payment.Status.REFUNDED
    charge.save(update_fields=["refunded", "status"])
    if points:
        _keeper().give_back(charge.reference, points, key=back.key, actor=ctx.actor)
    Payment.objects.create(
        order=order,
        kind=Payment.Kind.REFUND,
        status=Payment.Status.REFUNDED,
        gateway=GATEWAY,
        reference=back.reference,
        method_label=LABEL,
        amount=take,
        points=points,
        original=charge,
        channel=ctx.channel,
        created_at=back.at,
    )
    told = {"order": order.number, "amount": str(take), "to": LABEL, "points": points}
    ctx.announce("payment.refunded", f"{back.event}:{LABEL}", order.customer_id, told)
    return take


_TAKEN = (Payment.Status.CAPTURED, Payment.Status.REFUNDED)


def given_back_for(ret: Return) -> dict[str, object] | None:
    """What of a return's refund went back as points: ``{"method": "points", "points",
    "value"}``, or None when the order was paid with no points."""
    row = Payment.objects.filter(order_id=ret.order_id, reference=f"points:refund:{ret.number}")
    found = row.values_list("points", "amount").first()
    if found is None:
        return None
    return {"method": LABEL, "points": found[0], "value": str(found[1])}


def _value_share(order: Order, charge: Payment, amount: Decimal) -> Decimal:
    """What of a return's ``amount`` the points give back: their share of all the returns
    refunded so far, less what earlier returns gave (a cancellation's give-back aside)."""
    unsold = _given_at_cancel(order)
    kept = charge.amount - unsold
    returned = Return.objects.filter(order=order).aggregate(s=Sum("refund_amount"))["s"]
    returned = returned or Decimal("0.00")
    sold = shipped_value(order.lines.all()) if unsold else order.total
    if returned >= sold:
        target = kept
    else:
        share = charge.amount * returned / order.total
        target = min(kept, share.quantize(CENT, rounding=ROUND_HALF_UP))
    return max(Decimal("0.00"), min(amount, target - (charge.refunded - unsold)))


def _given_at_cancel(order: Order) -> Decimal:
    found = Payment.objects.filter(
        order=order, kind=Payment.Kind.REFUND, reference=f"points:cancel:{order.number}"
    ).values_list("amount", flat=True)
    return sum(found, Decimal("0.00"))


def _points_share(charge: Payment, take: Decimal) -> int:
    given = charge.refunds.aggregate(p=Sum("points"))["p"] or 0
    after = charge.refunded + take
    if after >= charge.amount:
        return charge.points - given
    target = (charge.points * after / charge.amount).to_integral_value(rounding=ROUND_HALF_UP)
    return max(0, int(target) - given)
