"""Card-gateway calls that move money, made only once the business transaction committed.

A gateway's round trip must never run while a transaction holds locks (SQLite's one writer,
an order's rows on PostgreSQL): a slow card network would stall every writer, and a call that
succeeded for a transaction that then rolled back would move money for nothing. So the card
is *authorized* before the order's transaction opens (:mod:`.orders`), and what follows —
captures, voids, refunds — is written in the business transaction as what is asked of the
gateway: a capture or refund row ``pending`` and an outbox row
(``payment.capture_requested``, ``payment.void_requested``, ``payment.refund_requested``)
carrying the call. Once the transaction commits the call is made: at once when the use case
owned the transaction (:func:`after_commit`), when its caller's transaction commits
otherwise, and by the outbox subscriber (:func:`make_requested`) if the process stopped in
between. Each call carries the key it always had (the shipment's, the return's), so a repeat
is the same capture or refund at the gateway, and only the call that finds its row still
``pending`` records the answer: it is recorded once. Voiding is idempotent by nature.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import asdict, dataclass, field
from decimal import Decimal
from typing import Any

from django.db import connection, transaction

from lealtad.commerce import gateway as gateways
from lealtad.commerce.models import Payment
from lealtad.commerce.services.common import SaleContext
from lealtad.core.audit import Actor

log = logging.getLogger(__name__)

CAPTURE, VOID, REFUND = "capture", "void", "refund"
REQUESTED = {
    CAPTURE: "payment.capture_requested",
    VOID: "payment.void_requested",
    REFUND: "payment.refund_requested",
}
REQUESTS = tuple(REQUESTED.values())


@dataclass(frozen=True)
class Call:
    """One call to make at the gateway, and what to record once it answered.

    ``reference`` is what the call acts on (the authorization for a capture or a void, the
    capture for a refund); ``announce`` is the payload of the event the answer is told by
    (``payment.captured``, ``payment.refunded``) under ``event_key``, ``audit`` the changes
    audited with it (none: not audited)."""

    kind: str
    payment_id: int
    reference: str
    order: str
    customer_id: int | None
    amount: Decimal = Decimal("0.00")
    key: str = ""
    final: bool = False
    event_key: str = ""
    announce: dict[str, Any] = field(default_factory=dict)
    audit: dict[str, Any] = field(default_factory=dict)
    actor: str = ""
    user_id: int | None = None
    channel: str = ""
    event_id: str = ""

    def payload(self) -> dict[str, Any]:
        return {**asdict(self), "amount": str(self.amount)}

    @classmethod
    def from_payload(cls, payload: dict[str, Any]) -> Call:
        fields = {k: v for k, v in payload.items() if k in cls.__dataclass_fields__}
        return cls(**{**fields, "amount": Decimal(str(payload["amount"]))})

    def context(self) -> SaleContext:
        return SaleContext(Actor(self.actor, self.user_id), self.channel, self.event_id)


def asked_by(ctx: SaleContext) -> dict[str, Any]:
    """Who asked for a call, so the gateway's answer is recorded in their name."""
    return {
        "actor": ctx.actor.label,
        "user_id": ctx.actor.user_id,
        "channel": ctx.channel,
        "event_id": ctx.event_id,
    }


# Calls asked during the use cases now running in this context, innermost last: a use case
# called by another hands its calls to its caller, which makes them once it committed.
_FRAMES: ContextVar[list[list[Call]] | None] = ContextVar("gateway_calls", default=None)


def request(call: Call, ctx: SaleContext) -> None:
    """Ask for ``call`` in the business transaction: its outbox row is written now, the call
    made once the transaction committed."""
    key = f"{call.order}:{call.kind}:{call.payment_id}"
    ctx.announce(REQUESTED[call.kind], key, call.customer_id, call.payload())
    frames = _FRAMES.get()
    if frames:
        frames[-1].append(call)
    else:  # no use case frames it (an inbound event's handler): after the commit
        transaction.on_commit(lambda: make([call]))


@contextmanager
def after_commit() -> Iterator[None]:
    """Run a use case, then make the gateway calls it asked for once its transaction is
    committed: right away when it owned the transaction, else when the caller's commits.

    Also a decorator; put it outside ``transaction.atomic``."""
    frames = _FRAMES.get()
    token = _FRAMES.set([]) if frames is None else None
    frames = _FRAMES.get()
    assert frames is not None
    frames.append([])
    try:
        yield
    except BaseException:
        frames.pop()  # rolled back: nothing was asked
        raise
    finally:
        if token is not None:
            _FRAMES.reset(token)
    calls = frames.pop()
    if frames:
        frames[-1].extend(calls)
    elif calls and _inside_callers_transaction():
        transaction.on_commit(lambda: make(calls))
    elif calls:
        make(calls)


def _inside_callers_transaction() -> bool:
    """Whether a transaction is still open around the use case. A test case's own wrapping
    transaction does not count: Django lets a durable block open inside it, and nowhere else."""
    if not connection.in_atomic_block:
        return False
    try:
        with transaction.atomic(durable=True):
            return False
    except RuntimeError:
        return True


def make(calls: Sequence[Call]) -> None:
    """Make the calls now; one that fails is left to the outbox subscriber's retries."""
    for call in calls:
        try:
            settle(call)
        except Exception:
            log.exception("gateway %s for order %s left to the outbox", call.kind, call.order)


def make_requested(payload: dict[str, Any]) -> None:
    """The outbox subscriber's side: the same call, made again only if still unanswered."""
    settle(Call.from_payload(payload))


def settle(call: Call) -> None:
    """Make one call (no transaction may be open) and record the answer."""
    if call.kind == VOID:
        gateways.gateway().void(call.reference)
        return
    if not Payment.objects.filter(pk=call.payment_id, status=Payment.Status.PENDING).exists():
        return  # answered already (a repeat from the outbox)
    if call.kind == REFUND:
        back = gateways.gateway().refund(call.reference, call.amount, call.key)
        _record(call, Payment.Status.REFUNDED, back.reference, "payment.refunded")
        return
    try:
        done = gateways.gateway().capture(call.reference, call.amount, call.key, call.final)
    except gateways.PaymentDeclined as exc:
        _refused(call, str(exc))
        return
    _record(call, Payment.Status.CAPTURED, done.reference, "payment.captured", "capture_payment")


def _record(call: Call, status: str, reference: str, event: str, action: str = "") -> None:
    with transaction.atomic():
        row = Payment.objects.select_for_update().get(pk=call.payment_id)
        if row.status != Payment.Status.PENDING:
            return
        row.status, row.reference = status, row.reference or reference
        row.save(update_fields=["status", "reference"])
        ctx = call.context()
        if action:
            changes = {**call.audit, "reference": [None, row.reference]}
            ctx.audit(action, "order", call.order, changes, call.customer_id)
        payload = {**call.announce, "reference": row.reference}
        ctx.announce(event, call.event_key, call.customer_id, payload)


def _refused(call: Call, reason: str) -> None:
    """The card refused a capture once the goods had left: the capture is ``failed``, what it
    asked is held again, and the refusal is audited and announced for someone to collect."""
    with transaction.atomic():
        row = Payment.objects.select_for_update().get(pk=call.payment_id)
        if row.status != Payment.Status.PENDING:
            return
        row.status = Payment.Status.FAILED
        row.save(update_fields=["status"])
        if row.authorization_id is not None:
            Payment.objects.filter(pk=row.authorization_id, status=Payment.Status.SETTLED).update(
                status=Payment.Status.AUTHORIZED
            )
        ctx = call.context()
        changes = {"refused": [None, call.amount], "reason": [None, reason]}
        ctx.audit("capture_failed", "order", call.order, changes, call.customer_id)
        ctx.announce(
            "payment.capture_failed",
            call.event_key,
            call.customer_id,
            {**call.announce, "reason": reason},
        )
