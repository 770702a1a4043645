"""The contact center's answers to an IVR flow: who is calling, and self-service questions.

The IVR engine (``contact_engine.ivr``) knows no customers; it asks a host. This one reads
the customer record through ``customers.selectors`` and orders through
``commerce.selectors``, never their tables. A caller id that several customers share (a
family landline) identifies no one: self-service then needs a number the caller keys in, and
the agent picks from the short list — never a silent first match.

Questions a flow may ask (``lookup`` nodes) and the values each answers, spoken in the
call's language:

* ``account_status``: customer_name, status, tier, open_orders, balance, last_order,
  last_order_status
* ``billing_summary``: amount_due, last_invoice, last_invoice_total, last_invoice_date,
  due_date
* ``order_status``: open_orders, last_order, last_order_status, last_order_date

The caller is identified by ``account_number`` (a card on the customer's record), ``cedula``
or ``national_id`` when the flow collected one, else by the caller id.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import timedelta
from decimal import Decimal
from typing import Any

from django.utils import formats, translation

from lealtad.commerce import selectors as commerce_selectors
from lealtad.core.errors import DomainError
from lealtad.customers import selectors as customer_selectors
from lealtad.customers.selectors.standing import standing_of

OPEN_ORDER = frozenset({"placed", "partly_shipped", "shipped", "ready"})
CLOSED = frozenset({"cancelled", "returned"})
PAYMENT_TERMS_DAYS = 30  # an order's amount is due this many days after it was placed
SHORT_LIST = 5
KEYED_IDS = (("account_number", "card"), ("cedula", "national_id"), ("national_id", "national_id"))


def caller_facts(caller_id: str) -> dict[str, Any]:
    """What the flow's start may branch on: known customer? their name, tier, language, an
    open order? Several customers on one number make ``candidates`` and no known customer."""
    facts: dict[str, Any] = {"caller_id": caller_id, "known_customer": False, "candidates": 0}
    ids = _by_caller_id(caller_id)
    facts["candidates"] = len(ids)
    if len(ids) != 1:
        return facts
    customer = customer_selectors.get_customer(ids[0])
    if customer is None:
        return facts
    orders = commerce_selectors.customer_orders(customer.pk, limit=20)
    facts.update(
        known_customer=True,
        customer_id=customer.pk,
        customer_name=customer.display_name,
        language=customer.language or "",
        tier=tier_of(customer.pk),
        open_order=any(o.status in OPEN_ORDER for o in orders),
    )
    return facts


def tier_of(customer_id: int) -> str:
    """The value tier the analytics refresh wrote back ("unknown" before the first)."""
    standing = standing_of(customer_id)
    return str(standing.get("value_tier") or "unknown") if standing else "unknown"


def _by_caller_id(caller_id: str) -> list[int]:
    if not caller_id:
        return []
    try:
        return [c.pk for c in customer_selectors.lookup(phone=caller_id)[:SHORT_LIST]]
    except DomainError:
        return []  # withheld, "anonymous" or not a number: nobody


class ContactCenterHost:
    """Answers one session's lookups; remembers whom it identified (``customer_id``) so the
    call reaches the agent already linked to that customer."""

    def __init__(self, customer_id: int | None = None) -> None:
        self.customer_id = customer_id

    def answer(
        self, question: str, variables: Mapping[str, str], facts: Mapping[str, Any]
    ) -> Mapping[str, Any] | None:
        handler = QUESTIONS.get(question)
        if handler is None:
            raise LookupError(f"no answer to {question!r}")
        customer_id = self._identify(variables, facts)
        if customer_id is None:
            return None
        self.customer_id = customer_id
        language = str(variables.get("language") or facts.get("language") or "es")
        with translation.override(language):
            return handler(customer_id)

    def _identify(self, variables: Mapping[str, str], facts: Mapping[str, Any]) -> int | None:
        for variable, kind in KEYED_IDS:
            value = variables.get(variable)
            if value:
                try:
                    found = customer_selectors.lookup(**{kind: value})
                except DomainError:
                    return None
                return found[0].pk if len(found) == 1 else None
        known = facts.get("customer_id") or self.customer_id
        return int(known) if known else None


def _money(amount: Decimal, currency: str) -> str:
    spoken = formats.number_format(amount, decimal_pos=2, use_l10n=True, force_grouping=True)
    return f"{spoken} {currency}"


def _day(value: Any) -> str:
    return formats.date_format(value, "j F Y", use_l10n=True)


def _paid(order: Any) -> Decimal:
    total = Decimal(0)
    for payment in getattr(order, "payment_rows", []):
        if payment.kind == "charge" and payment.status in ("captured", "settled"):
            total += payment.amount
        elif payment.kind == "refund" and payment.status == "refunded":
            total -= payment.amount
    return total


def _due(order: Any) -> Decimal:
    if order.status in CLOSED:
        return Decimal(0)
    return max(Decimal(0), order.total - _paid(order))


def account_status(customer_id: int) -> dict[str, Any] | None:
    customer = customer_selectors.get_customer(customer_id)
    if customer is None or customer.erased_at is not None:
        return None
    orders = commerce_selectors.customer_orders(customer_id)
    currency = orders[0].currency if orders else "USD"
    return {
        "customer_name": customer.display_name,
        "status": str(customer.get_lifecycle_status_display()),
        "tier": tier_of(customer_id),
        "balance": _money(sum((_due(o) for o in orders), Decimal(0)), currency),
        **order_status_of(orders),
    }


def billing_summary(customer_id: int) -> dict[str, Any] | None:
    orders = commerce_selectors.customer_orders(customer_id)
    if not orders:
        return None
    last = orders[0]
    return {
        "amount_due": _money(sum((_due(o) for o in orders), Decimal(0)), last.currency),
        "last_invoice": last.number,
        "last_invoice_total": _money(last.total, last.currency),
        "last_invoice_date": _day(last.placed_at),
        "due_date": _day(last.placed_at + timedelta(days=PAYMENT_TERMS_DAYS)),
    }


def order_status(customer_id: int) -> dict[str, Any] | None:
    orders = commerce_selectors.customer_orders(customer_id)
    return order_status_of(orders) if orders else None


def order_status_of(orders: list[Any]) -> dict[str, Any]:
    if not orders:
        return {"open_orders": 0, "last_order": "", "last_order_status": "", "last_order_date": ""}
    last = orders[0]
    return {
        "open_orders": sum(1 for o in orders if o.status in OPEN_ORDER),
        "last_order": last.number,
        "last_order_status": str(last.get_status_display()),
        "last_order_date": _day(last.placed_at),
    }


QUESTIONS: dict[str, Callable[[int], dict[str, Any] | None]] = {
    "account_status": account_status,
    "billing_summary": billing_summary,
    "order_status": order_status,
}
