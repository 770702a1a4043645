"""What kind of buyer each demo customer is: the customer side of the purchase history.

Seed 003 sorts customers by value: a few most valuable customers (MVC) who buy often on
every channel, growable ones (MGC) who arrived lately and buy more each time, the many who
bought once or now and then, those who left, some who came back, and a few below zero who
cost more to serve (returns, calls, complaints) than they bring. The demo draws one of these
*personas* per person so the analytics have something to find; the purchases themselves are
commerce's rows, drawn from this record by :mod:`lealtad.commerce.demo_purchases` (the CLI
hands it over, so neither context imports the other's demo).

Plain Python, no Django: part of the pure chunk generator.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

# Channels a sale can come from, in the order a single-channel buyer most likely uses them.
SALES_CHANNELS = ("pos", "web", "mobile", "call_center")
HISTORY_DAYS = 915  # about 30 months of purchases, ending today

# persona: (share of people, acquired (days ago) from-to, channel counts to draw from)
PERSONAS: dict[str, tuple[float, tuple[int, int], tuple[int, ...]]] = {
    "prospect": (0.14, (0, 0), (0,)),
    "one_time": (0.18, (0, HISTORY_DAYS), (1,)),
    "occasional": (0.20, (20, HISTORY_DAYS), (1, 1, 1, 2)),
    "regular": (0.12, (30, HISTORY_DAYS), (1, 1, 2, 2, 3)),
    "mvc": (0.05, (600, HISTORY_DAYS), (3, 3, 3, 2)),
    "growing": (0.10, (20, 330), (2, 2, 3, 1)),
    "lapsed": (0.10, (400, HISTORY_DAYS), (1, 1, 2)),
    "won_back": (0.06, (600, HISTORY_DAYS), (1, 2, 2, 3)),
    "costly": (0.05, (90, HISTORY_DAYS), (1, 1, 2)),
}
_CUMULATIVE: list[tuple[float, str]] = []
_acc = 0.0
for _name, _drawn in PERSONAS.items():
    _share = _drawn[0]
    _acc += _share
    _CUMULATIVE.append((_acc, _name))
# How much each persona contacts the company, against the others: a one-time buyer hardly
# ever, the MVCs often, the below-zero customers all the time (complaints, returns, calls).
# Scaled so that the demo's "interactions per customer" stays the average over everyone.
_CONTACTS = {
    "prospect": 0.5,
    "one_time": 0.15,
    "occasional": 0.4,
    "regular": 1.0,
    "mvc": 2.0,
    "growing": 0.6,
    "lapsed": 0.4,
    "won_back": 0.8,
    "costly": 4.0,
}
_MEAN = sum(PERSONAS[p][0] * f for p, f in _CONTACTS.items())
CONTACT_FACTOR = {persona: factor / _MEAN for persona, factor in _CONTACTS.items()}


def contacts_for(per_customer: int, persona: str) -> int:
    """Contacts on the timeline of one person of this persona (at least one when any)."""
    if per_customer <= 0:
        return 0
    return max(1, round(per_customer * CONTACT_FACTOR[persona]))


class Shopper(NamedTuple):
    """One person as a buyer: handed to commerce's demo to draw their orders."""

    customer_id: int
    persona: str
    acquired_days: int  # days before today of the first purchase (0 for a prospect)
    channels: tuple[str, ...]  # the sales channels they buy on, most used first
    city: str
    country: str


def draw_persona(r: Callable[[], float]) -> str:
    x = r()
    for bound, name in _CUMULATIVE:
        if x < bound:
            return name
    return _CUMULATIVE[-1][1]


def draw_shopper(
    r: Callable[[], float], customer_id: int, preferred: str, city: str, country: str
) -> Shopper:
    """The persona, when the first purchase was, and the sales channels used (the contact
    channel the person prefers first when one can sell). Draws a fixed number of values."""
    persona = draw_persona(r)
    _, (low, high), counts = PERSONAS[persona]
    acquired = low + int(r() * (high - low + 1)) if high else 0
    count = counts[int(r() * len(counts))]
    first = preferred if preferred in SALES_CHANNELS else SALES_CHANNELS[int(r() * 2)]
    others = [c for c in SALES_CHANNELS if c != first]
    shift = int(r() * len(others))
    others = others[shift:] + others[:shift]
    channels = (first, *others)[:count]
    return Shopper(customer_id, persona, acquired, channels, city, country)
