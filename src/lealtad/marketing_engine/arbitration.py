"""Which offers to make a customer now, on one channel: the next-best-offer arbitration.

Plain Python so it can be tested and benchmarked alone: the caller passes the customer's facts
and every candidate offer with its signals and tallies as plain values.

The ranking is expected value: a propensity (what the data says of this customer: an
association rule's confidence for a cross-sell, how far over their plan for an up-sell, the
churn risk for a retention offer) blended with the offer's observed acceptance rate on the
channel (a Beta prior updated by acceptances and refusals, so answers move the ranking over
time), times the offer's value and business priority. Hard limits come after: eligibility,
purpose against the customer's objection to marketing, stock, the offer's caps and budget,
and the customer's fatigue across every offer and channel.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

__all__ = [
    "Candidate",
    "CustomerFacts",
    "Limits",
    "Ranked",
    "Verdict",
    "acceptance_rate",
    "arbitrate",
    "in_holdout",
    "propensity",
]

BASELINE = 0.05  # propensity where the data says nothing of this customer and offer


@dataclass(frozen=True)
class Limits:
    """The program's knobs. ``prior_*`` is the Beta prior on an offer's acceptance rate;
    ``evidence`` is how many answers weigh as much as the propensity model."""

    max_per_day: int = 6
    max_per_week: int = 20
    prior_accepted: float = 1.0
    prior_declined: float = 9.0
    evidence: float = 20.0
    clv_reference: float = 1000.0


@dataclass(frozen=True)
class CustomerFacts:
    customer_id: int
    objector: bool = False  # marketing refused on every channel (or a privacy objection)
    channel_consent: bool = True  # may be reached for marketing on this channel (e-mail)
    churn_risk: float | None = None
    clv: float = 0.0
    shown_today: int = 0  # offers shown to the customer today, every channel
    shown_week: int = 0  # … over the last seven days
    held_out: bool = False  # this month's holdout: shown nothing


@dataclass(frozen=True)
class Candidate:
    code: str
    kind: str  # cross_sell | upsell | retention | service | loyalty
    purpose: str  # marketing | service
    priority: int
    value: float
    eligible: bool = True  # dates, segment, tiers, stages, bands, minimum CLV all pass
    in_stock: bool = True
    owned: bool = False  # the customer already has the product
    rule_confidence: float | None = None
    rule_lift: float | None = None
    usage_ratio: float | None = None  # peak use over allowance, when the plan fits
    shown: int = 0  # observed on this channel, every customer
    accepted: int = 0
    declined: int = 0
    ignored: int = 0
    shown_to_customer: int = 0  # within the offer's cap period
    max_shown: int | None = None
    accepted_total: int = 0
    max_accepted: int | None = None
    shown_today_total: int = 0
    daily_budget: int | None = None


@dataclass(frozen=True)
class Ranked:
    code: str
    score: float
    propensity: float
    acceptance: float
    reasons: tuple[str, ...] = field(default=())


@dataclass(frozen=True)
class Verdict:
    offers: list[Ranked]  # the top N, best first
    left_out: dict[str, str]  # code -> why it was not shown (one reason)
    held_out: bool = False


def in_holdout(customer_id: int, month: str, share: float) -> bool:
    """Whether the customer is in ``month``'s holdout: a hash of id and month, so the draw is
    stable within the month, new each month, and anyone can recompute it to audit it.

    Examples:
        >>> in_holdout(42, "2026-11", 0.0), in_holdout(42, "2026-11", 1.0)
        (False, True)
    """
    digest = hashlib.sha256(f"{customer_id}:{month}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64 < share


def acceptance_rate(accepted: int, declined: int, limits: Limits = Limits()) -> float:
    """The posterior mean of the acceptance rate: with no answers it is the prior's."""
    a = limits.prior_accepted + max(accepted, 0)
    return a / (a + limits.prior_declined + max(declined, 0))


def propensity(candidate: Candidate, customer: CustomerFacts) -> tuple[float, tuple[str, ...]]:
    """How likely this customer takes this offer, from their own data, and why."""
    if candidate.kind == "cross_sell" and candidate.rule_confidence is not None:
        lift = f"lift {candidate.rule_lift:.1f}" if candidate.rule_lift else "rule"
        return _unit(candidate.rule_confidence), (f"bought together ({lift})",)
    if candidate.kind == "upsell" and candidate.usage_ratio is not None:
        over = candidate.usage_ratio - 1.0
        return _unit(0.3 + 0.5 * over), (f"uses {candidate.usage_ratio:.0%} of the plan",)
    if candidate.kind == "retention" and customer.churn_risk is not None:
        return _unit(customer.churn_risk), (f"churn risk {customer.churn_risk:.0%}",)
    return BASELINE, ()


def _unit(value: float) -> float:
    if not math.isfinite(value):
        return BASELINE
    return min(max(value, 0.001), 1.0)


def _score(candidate: Candidate, customer: CustomerFacts, limits: Limits) -> Ranked:
    model, reasons = propensity(candidate, customer)
    refused = candidate.declined + candidate.ignored
    observed = acceptance_rate(candidate.accepted, refused, limits)
    answers = candidate.accepted + refused
    weight = limits.evidence / (limits.evidence + answers)
    blended = weight * model + (1.0 - weight) * observed
    worth = 1.0 + max(candidate.value, 0.0)
    clv = 1.0 + 0.5 * min(max(customer.clv, 0.0) / limits.clv_reference, 1.0)
    score = blended * worth * clv * (1.0 + max(candidate.priority, 0))
    return Ranked(candidate.code, score, model, observed, reasons)


def _why_not(candidate: Candidate, customer: CustomerFacts) -> str | None:
    """The first hard limit the offer breaks for this customer, or None."""
    checks: Sequence[tuple[bool, str]] = (
        (not candidate.eligible, "not eligible"),
        (candidate.purpose != "service" and customer.objector, "objected to marketing"),
        (candidate.purpose != "service" and not customer.channel_consent, "no consent"),
        (candidate.owned, "already has it"),
        (not candidate.in_stock, "out of stock"),
        (_reached(candidate.shown_to_customer, candidate.max_shown), "shown enough"),
        (_reached(candidate.accepted_total, candidate.max_accepted), "acceptances used up"),
        (_reached(candidate.shown_today_total, candidate.daily_budget), "daily budget spent"),
    )
    return next((why for broken, why in checks if broken), None)


def _reached(count: int, cap: int | None) -> bool:
    return cap is not None and count >= cap


def arbitrate(
    customer: CustomerFacts,
    candidates: Iterable[Candidate],
    limit: int,
    limits: Limits = Limits(),
) -> Verdict:
    """The best ``limit`` offers for the customer, and why each other one was left out.
    Ties break on the offer code so two channels asking at once see the same order."""
    if customer.held_out:
        return Verdict([], {c.code: "holdout" for c in candidates}, held_out=True)
    room = min(
        limit,
        limits.max_per_day - customer.shown_today,
        limits.max_per_week - customer.shown_week,
    )
    left_out: dict[str, str] = {}
    ranked: list[Ranked] = []
    for candidate in candidates:
        why = _why_not(candidate, customer)
        if why is None:
            ranked.append(_score(candidate, customer, limits))
        else:
            left_out[candidate.code] = why
    ranked.sort(key=lambda r: (-r.score, r.code))
    keep = max(room, 0)
    for place, extra in enumerate(ranked[keep:], start=keep):
        left_out[extra.code] = "fatigue" if place < limit else "lower rank"
    return Verdict(ranked[:keep], left_out)
