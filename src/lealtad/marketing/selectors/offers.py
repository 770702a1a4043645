"""Reads of the next-best-offer: the candidates for one customer on one channel with every
signal the arbitration weighs, and the offers' tallies for the management page.

A request reads a bounded number of indexed rows whatever the number of customers: the
customer and their standing, their marketing consents, their segments, their own offer
events of the last month, the offers (a small table) with their tallies, and the signals of
analytics and commerce for the products the offers name.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.db import connection
from django.utils import timezone

from lealtad.analytics.selectors import offer_signals
from lealtad.commerce.selectors import baskets, offer_stock
from lealtad.customers.selectors.offer_facts import OfferFacts, offer_facts
from lealtad.marketing.models import (
    Campaign,
    Offer,
    OfferDaily,
    OfferEvent,
    OfferStat,
    SegmentMember,
)
from lealtad.marketing.selectors import offer_program
from lealtad.marketing_engine.arbitration import (
    Candidate,
    CustomerFacts,
    Limits,
    Verdict,
    arbitrate,
    in_holdout,
)

CHANNELS = ("web", "kiosk", "pos", "handheld", "call_center", "email")
# Campaign offer slots by the offer channel they fill (a campaign says "agent").
CAMPAIGN_SLOT = {"web": "web", "kiosk": "kiosk", "pos": "pos", "handheld": "handheld"}
CAMPAIGN_SLOT["call_center"] = "agent"
PERIOD_DAYS = {"day": 1, "week": 7, "month": 30}
TALLIES = ("shown", "accepted", "declined", "ignored")


@dataclass(frozen=True)
class Decision:
    """What the arbitration chose, with the rows the caller shows and records."""

    customer_id: int
    channel: str
    month: str
    language: str
    verdict: Verdict
    offers: dict[str, Offer]  # every candidate by code


def month_of(at: datetime) -> str:
    return timezone.localtime(at).strftime("%Y-%m")


def decide(
    customer_id: int, channel: str, limit: int, store: str = "", now: datetime | None = None
) -> Decision | None:
    """The arbitration for the customer on the channel, or None for an unknown customer."""
    facts = offer_facts(customer_id)
    if facts is None:
        return None
    now = now or timezone.now()
    kept = offer_program.program()
    month, program = month_of(now), kept.settings
    mine = _own_reads(customer_id, now)
    offers = _candidate_offers(kept, mine.segments, channel, now)
    customer = CustomerFacts(
        customer_id=customer_id,
        objector=facts.objector,
        channel_consent=channel != "email" or facts.marketing.get("email") is True,
        churn_risk=facts.churn_risk,
        clv=facts.clv,
        shown_today=sum(n[0] for n in mine.shown.values()),
        shown_week=sum(n[2] for n in mine.shown.values()),
        held_out=in_holdout(customer_id, month, program.holdout_share),
    )
    candidates = _candidates(kept, offers, facts, (customer_id, channel, store), mine, now)
    limits = Limits(max_per_day=program.max_per_day, max_per_week=program.max_per_week)
    verdict = arbitrate(customer, candidates, limit, limits)
    by_code = {o.code: o for o in offers}
    return Decision(customer_id, channel, month, facts.language, verdict, by_code)


def _day_start(now: datetime) -> datetime:
    return timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)


def _candidate_offers(
    kept: offer_program.Program, segments: set[int], channel: str, now: datetime
) -> list[Offer]:
    """Active offers for the channel, and those a running campaign puts in this channel's
    slot for a segment the customer is in; an offer's own segment guard is checked here."""
    found: dict[int, Offer] = {}
    for offer in kept.offers:
        if channel in offer.channels and (offer.segment_id is None or offer.segment_id in segments):
            found[offer.pk] = offer
    slot = CAMPAIGN_SLOT.get(channel)
    if slot and segments:
        for campaign in kept.campaigns:
            if (
                campaign.segment_id in segments
                and slot in campaign.channels
                and _in_window(campaign, now)
                and campaign.offer
            ):
                found.setdefault(campaign.offer.pk, campaign.offer)
    return sorted(found.values(), key=lambda o: o.code)


def _in_window(campaign: Campaign, now: datetime) -> bool:
    started = campaign.starts_at is None or campaign.starts_at <= now
    return started and (campaign.ends_at is None or now < campaign.ends_at)


@dataclass(frozen=True)
class OwnReads:
    """What one request reads per customer and day, in one round trip."""

    segments: set[int]
    # offer id -> the customer's showings since the start of today, in the last 1, 7 and 30
    # days (the fatigue limits and each offer's cap period read these)
    shown: dict[int, tuple[int, int, int, int]]
    shown_today: dict[int, int]  # offer id -> showings to anyone today (daily budgets)


def _own_reads(customer_id: int, now: datetime) -> OwnReads:
    """The customer's segments, their showings of the last 30 days counted per offer and
    window, and today's showings per offer: one statement, written out because the ORM took
    longer to build the three queries than the database to answer them."""
    ops = connection.ops
    windows = [_day_start(now), *(now - timedelta(days=d) for d in (1, 7, 30))]
    at = [ops.adapt_datetimefield_value(moment) for moment in windows]
    today = ops.adapt_datefield_value(timezone.localdate(now))
    member, event = SegmentMember._meta.db_table, OfferEvent._meta.db_table
    daily = OfferDaily._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT 0, segment_id, 0, 0, 0, 0 FROM {member} WHERE customer_id = %s "
            f"UNION ALL SELECT 1, offer_id, SUM(CASE WHEN at >= %s THEN 1 ELSE 0 END), "
            f"SUM(CASE WHEN at >= %s THEN 1 ELSE 0 END), "
            f"SUM(CASE WHEN at >= %s THEN 1 ELSE 0 END), COUNT(*) FROM {event} "
            f"WHERE customer_id = %s AND at >= %s AND outcome = 'shown' GROUP BY offer_id "
            f"UNION ALL SELECT 2, offer_id, shown, 0, 0, 0 FROM {daily} WHERE day = %s",
            [customer_id, *at[:3], customer_id, at[3], today],
        )
        rows = cursor.fetchall()
    found = OwnReads(set(), {}, {})
    for part, key, *counts in rows:
        if part == 0:
            found.segments.add(key)
        elif part == 1:
            today_n, day_n, week_n, month_n = (int(n) for n in counts)
            found.shown[key] = (today_n, day_n, week_n, month_n)
        else:
            found.shown_today[key] = int(counts[0])
    return found


WINDOW = {1: 1, 7: 2, 30: 3}  # a cap period's days -> its place in OwnReads.shown


def _eligible(offer: Offer, facts: OfferFacts, today: date) -> bool:
    checks = (
        offer.starts_on is None or offer.starts_on <= today,
        offer.ends_on is None or today <= offer.ends_on,
        not offer.tiers or facts.value_tier in offer.tiers,
        not offer.lifecycle_stages or facts.lifecycle_stage in offer.lifecycle_stages,
        not offer.churn_bands or facts.churn_band in offer.churn_bands,
        offer.min_clv is None or facts.clv >= float(offer.min_clv),
    )
    return all(checks)


def _candidates(
    kept: offer_program.Program,
    offers: list[Offer],
    facts: OfferFacts,
    asked: tuple[int, str, str],  # customer, channel, store
    mine: OwnReads,
    now: datetime,
) -> list[Candidate]:
    if not offers:
        return []
    customer_id, channel, store = asked
    today = timezone.localdate(now)
    signals = _signals(offers, customer_id, channel, store, today, kept.usage)
    out = []
    for offer in offers:
        signal = dict(signals.get(offer.code, {}))
        fits = signal.pop("eligible", True)
        stat = kept.stats.get((offer.pk, channel), {})
        window = WINDOW[PERIOD_DAYS.get(offer.cap_period, 7)]
        out.append(
            Candidate(
                code=offer.code,
                kind=offer.kind,
                purpose=offer.purpose,
                priority=offer.priority,
                value=float(offer.value),
                eligible=fits and _eligible(offer, facts, today),
                shown=stat.get("shown", 0),
                accepted=stat.get("accepted", 0),
                declined=stat.get("declined", 0),
                ignored=stat.get("ignored", 0),
                shown_to_customer=mine.shown.get(offer.pk, (0, 0, 0, 0))[window],
                max_shown=offer.max_shown,
                accepted_total=kept.accepted.get(offer.pk, 0),
                max_accepted=offer.max_accepted,
                shown_today_total=mine.shown_today.get(offer.pk, 0),
                daily_budget=offer.daily_budget,
                **signal,
            )
        )
    return out


def _signals(
    offers: list[Offer], customer_id: int, channel: str, store: str, today: date, usage: Any
) -> dict[str, dict[str, Any]]:
    """Per offer code: stock, ownership, the association rule and the usage ratio."""
    skus = {o.product_sku for o in offers if o.product_sku}
    here = store if channel in ("pos", "handheld", "kiosk") else None
    stock = offer_stock.sku_stock(skus, here) if skus else {}
    units = {sku: n for sku, (_code, n) in stock.items()}
    products = {sku: code for sku, (code, _n) in stock.items()}
    selling = [
        o for o in offers if o.kind == "cross_sell" and (o.product_sku or o.product_category)
    ]
    bought = baskets.customer_products(customer_id) if selling else set()
    rules = offer_signals.cross_sell_signals(bought) if bought else {}
    plans: dict[str, Any] = {}
    if any(o.kind == "upsell" and o.target_plan for o in offers):
        plans = offer_signals.outgrown_plans(customer_id, today, usage)
    found: dict[str, dict[str, Any]] = {}
    for offer in offers:
        signal: dict[str, Any] = {}
        product = products.get(offer.product_sku, offer.product_category)
        if offer.product_sku:
            signal["in_stock"] = units.get(offer.product_sku, 0) > 0
        if offer.kind == "cross_sell" and product:
            signal["owned"] = product in bought
            if product in rules:
                signal["rule_confidence"], signal["rule_lift"] = rules[product]
        if offer.kind == "upsell" and offer.target_plan:
            signal["usage_ratio"] = plans.get(offer.target_plan)
            signal["eligible_plan"] = offer.target_plan in plans
        found[offer.code] = signal
    return {code: _fold_plan(s) for code, s in found.items()}


def _fold_plan(signal: dict[str, Any]) -> dict[str, Any]:
    """An up-sell to a plan the customer has not outgrown is not eligible."""
    fits = signal.pop("eligible_plan", True)
    if not fits:
        signal["eligible"] = False
    return signal


def offer_by_code(code: str) -> Offer | None:
    return Offer.objects.filter(code=code).first()


def offers_page() -> list[dict[str, Any]]:
    """Every offer with shown/accepted/declined/ignored and the acceptance rate per channel
    (accepted over answered: a showing nobody answered yet is not a refusal)."""
    stats: dict[int, dict[str, dict[str, Any]]] = {}
    for row in OfferStat.objects.values("offer_id", "channel", *TALLIES):
        stats.setdefault(row["offer_id"], {})[row["channel"]] = _rated(row)
    out = []
    for offer in Offer.objects.order_by("-active", "-priority", "code"):
        channels = [{**row, "channel": c} for c, row in sorted(stats.get(offer.pk, {}).items())]
        totals = _rated({k: sum(c[k] for c in channels) for k in TALLIES})
        out.append({"offer": offer, "channels": channels, "totals": totals})
    return out


def _rated(row: Any) -> dict[str, Any]:
    tallies: dict[str, Any] = {k: int(row[k]) for k in TALLIES}
    answered = tallies["accepted"] + tallies["declined"] + tallies["ignored"]
    tallies["rate"] = tallies["accepted"] / answered if answered else None
    return tallies


def customer_offer_history(customer_id: int, limit: int = 20) -> list[dict[str, Any]]:
    """The customer's latest offer events (the 360's offers section shows them)."""
    rows = (
        OfferEvent.objects.filter(customer_id=customer_id)
        .select_related("offer")
        .order_by("-at", "-id")[:limit]
    )
    return [
        {
            "code": e.offer.code,
            "name_es": e.offer.name_es,
            "name_en": e.offer.name_en,
            "channel": e.channel,
            "outcome": e.outcome,
            "at": e.at,
        }
        for e in rows
    ]
