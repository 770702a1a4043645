"""Next-best-offer use cases: make the offers (and record them shown), record a customer's
answer from any channel, and keep the offer catalog.

Every write takes a batch; each row is checked before anything is written, and a refusal
names the row and field (``rows[3].outcome``). Showings and answers carry an idempotency key,
so a refreshed screen or a retried post counts once; the tallies the ranking reads move in the
same transaction as the events.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from lealtad.core.db import new_row
from lealtad.core.errors import DomainError
from lealtad.core.write_batch import WriteBatch
from lealtad.customers.selectors.offer_facts import live_customers
from lealtad.marketing.models import Offer, OfferDaily, OfferEvent, OfferExposure, OfferStat
from lealtad.marketing.selectors import offer_program
from lealtad.marketing.selectors import offers as reads

CHANNELS = frozenset(reads.CHANNELS)
ANSWERS = frozenset({"accepted", "declined", "ignored"})


class OfferRefused(DomainError):
    code = "offer_refused"
    kind = "invalid"


class OfferNotFound(DomainError):
    code = "not_found"
    kind = "not_found"


class OfferConflict(DomainError):
    code = "idempotency_conflict"
    kind = "conflict"


def check_channel(channel: str, field: str = "channel") -> None:
    if channel not in CHANNELS:
        raise OfferRefused(
            _("There is no offer channel %(channel)s (one of %(known)s)."),
            field=field,
            channel=channel,
            known=", ".join(reads.CHANNELS),
        )


# Showing -----------------------------------------------------------------------------------


def present(
    customer_id: int,
    channel: str,
    limit: int = 3,
    key: str = "",
    store: str = "",
    by: str = "",
    now: datetime | None = None,
) -> dict[str, Any]:
    """The customer's next best offers on the channel, recorded as shown. ``key`` (a screen
    or request id) makes a refresh of the same screen count each showing once."""
    check_channel(channel)
    if not 1 <= limit <= 10:
        raise OfferRefused(_("Ask for 1 to 10 offers."), field="limit")
    if len(key) > 80:
        raise OfferRefused(_("An idempotency key is at most 80 characters."), field="key")
    now = now or timezone.now()
    decision = reads.decide(customer_id, channel, limit, store, now)
    if decision is None:
        raise OfferNotFound(_("There is no customer %(id)s."), field="customer_id", id=customer_id)
    shown = [decision.offers[r.code] for r in decision.verdict.offers]
    _record_shown(decision, shown, key or uuid.uuid4().hex, by, now)
    return {
        "customer_id": customer_id,
        "channel": channel,
        "held_out": decision.verdict.held_out,
        "language": decision.language,
        "key": key,
        "offers": [
            _as_shown(decision.offers[r.code], r, decision.language)
            for r in decision.verdict.offers
        ],
    }


def _as_shown(offer: Offer, ranked: Any, language: str) -> dict[str, Any]:
    return {
        "code": offer.code,
        "name": offer.name_en if language == "en" else offer.name_es,
        "pitch": offer.pitch_en if language == "en" else offer.pitch_es,
        "kind": offer.kind,
        "purpose": offer.purpose,
        "product_sku": offer.product_sku,
        "target_plan": offer.target_plan,
        "score": round(ranked.score, 6),
        "propensity": round(ranked.propensity, 4),
        "acceptance": round(ranked.acceptance, 4),
        "reasons": list(ranked.reasons),
    }


def _record_shown(
    decision: reads.Decision, shown: list[Offer], key: str, by: str, now: datetime
) -> None:
    """The month's exposure (offered or held out) and one "shown" event per offer, new keys
    only; the tallies move with them."""
    keys = {f"show:{decision.customer_id}:{decision.channel}:{key}:{o.code}": o for o in shown}
    with transaction.atomic():
        _expose(decision, now)
        known = set(
            OfferEvent.objects.filter(idempotency_key__in=keys).values_list(
                "idempotency_key", flat=True
            )
        )
        fresh = [(k, o) for k, o in keys.items() if k not in known]
        if not fresh:
            return
        write = WriteBatch()
        for k, offer in fresh:
            write.add(_event(offer, decision.customer_id, decision.channel, "shown", k, by, now))
        write.flush()
        _tally([(o.pk, decision.channel, "shown") for _k, o in fresh], now)


def _expose(decision: reads.Decision, now: datetime) -> None:
    """Put the customer in this month's offered or holdout group, once."""
    group = "holdout" if decision.verdict.held_out else "offered"
    if decision.verdict.held_out or decision.verdict.offers:
        OfferExposure.objects.bulk_create(
            [
                OfferExposure(
                    customer_id=decision.customer_id,
                    month=decision.month,
                    group=group,
                    first_at=now,
                    channel=decision.channel,
                )
            ],
            ignore_conflicts=True,
        )


def _event(
    offer: Offer, customer_id: int, channel: str, outcome: str, key: str, by: str, at: datetime
) -> OfferEvent:
    return new_row(
        OfferEvent,
        offer_id=offer.pk,
        customer_id=customer_id,
        channel=channel,
        outcome=outcome,
        at=at,
        idempotency_key=key,
        by=by[:150],
    )


def _tally(moves: list[tuple[int, str, str]], now: datetime) -> None:
    """Add each (offer, channel, outcome) to the all-time and daily tallies: one UPDATE per
    (channel, outcome) for all its offers, incremented in the database so two writers never
    lose a count; a row not there yet is created (or bumped, when another writer won)."""
    day = timezone.localdate(now)
    grouped: dict[tuple[str, str], list[int]] = {}
    for offer_id, channel, outcome in moves:
        grouped.setdefault((channel, outcome), []).append(offer_id)
    for (channel, outcome), ids in grouped.items():
        bump = {outcome: F(outcome) + 1}
        for batch in _distinct_rounds(ids):
            stat = OfferStat.objects.filter(offer_id__in=batch, channel=channel)
            if stat.update(**bump) < len(batch):
                have = set(stat.values_list("offer_id", flat=True))
                for offer_id in set(batch) - have:
                    _create_or_bump(OfferStat, {"offer_id": offer_id, "channel": channel}, outcome)
            if outcome in ("shown", "accepted"):
                daily = OfferDaily.objects.filter(offer_id__in=batch, day=day)
                if daily.update(**bump) < len(batch):
                    have = set(daily.values_list("offer_id", flat=True))
                    for offer_id in set(batch) - have:
                        _create_or_bump(OfferDaily, {"offer_id": offer_id, "day": day}, outcome)


def _distinct_rounds(ids: list[int]) -> list[list[int]]:
    """The ids in rounds of distinct ids (an UPDATE … IN adds one per row, not per mention)."""
    rounds: list[list[int]] = []
    for offer_id in ids:
        for batch in rounds:
            if offer_id not in batch:
                batch.append(offer_id)
                break
        else:
            rounds.append([offer_id])
    return rounds


def _create_or_bump(model: Any, where: dict[str, Any], outcome: str) -> None:
    try:
        with transaction.atomic():
            model.objects.create(**where, **{outcome: 1})
    except IntegrityError:  # another writer created it first
        model.objects.filter(**where).update(**{outcome: F(outcome) + 1})


# Answers -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Answer:
    customer_id: int
    code: str
    outcome: str  # accepted | declined | ignored
    channel: str
    idempotency_key: str = ""


def record_answers(
    rows: Sequence[Answer], by: str = "", at: datetime | None = None
) -> list[dict[str, Any]]:
    """Record every answer or none. A key seen before with the same answer returns the first
    recording (a retry); with another answer it is refused (409). Without a key, one answer of
    each outcome per customer, offer, channel and day counts."""
    now = at or timezone.now()
    offers = _check_answers(rows, now)
    with transaction.atomic():
        keyed = [(_key(row, now), row) for row in rows]
        before = {
            e.idempotency_key: e
            for e in OfferEvent.objects.filter(idempotency_key__in=[k for k, _r in keyed])
        }
        out, fresh, seen = [], [], set()
        for index, (key, row) in enumerate(keyed):
            offer = offers[row.code]
            prior = before.get(key)
            if prior is not None:
                _same(prior, offer, row, index, len(rows))
                out.append(_answer_out(prior, offer, replay=True))
                continue
            if key in seen:
                continue
            seen.add(key)
            event = _event(offer, row.customer_id, row.channel, row.outcome, key, by, now)
            fresh.append((offer, event))
            out.append(_answer_out(event, offer, replay=False))
        write = WriteBatch()
        write.add(*(event for _o, event in fresh))
        write.flush()
        _tally([(o.pk, e.channel, e.outcome) for o, e in fresh], now)
    offer_program.forget()  # this process ranks with the new answers at once
    return out


def _check_answers(rows: Sequence[Answer], now: datetime) -> dict[str, Offer]:
    if not rows:
        raise OfferRefused(_("Send at least one answer."), field="rows")
    many = len(rows) > 1
    offers = {o.code: o for o in Offer.objects.filter(code__in={r.code for r in rows})}
    for index, row in enumerate(rows):
        where = f"rows[{index}]." if many else ""
        if row.outcome not in ANSWERS:
            raise OfferRefused(
                _("An answer is accepted, declined or ignored, not %(outcome)s."),
                field=f"{where}outcome",
                outcome=row.outcome,
            )
        check_channel(row.channel, f"{where}channel")
        if row.code not in offers:
            raise OfferNotFound(
                _("There is no offer %(code)s."), field=f"{where}code", code=row.code
            )
        if len(row.idempotency_key) > 80:
            raise OfferRefused(
                _("An idempotency key is at most 80 characters."), field=f"{where}idempotency_key"
            )
    _check_customers(rows, many)
    return offers


def _check_customers(rows: Sequence[Answer], many: bool) -> None:
    live = live_customers({r.customer_id for r in rows})
    for index, row in enumerate(rows):
        if row.customer_id not in live:
            where = f"rows[{index}]." if many else ""
            raise OfferNotFound(
                _("There is no customer %(id)s."), field=f"{where}customer_id", id=row.customer_id
            )


def _key(row: Answer, now: datetime) -> str:
    if row.idempotency_key:
        return f"answer:{row.customer_id}:{row.idempotency_key}"
    day = timezone.localdate(now).isoformat()
    return f"answer:{row.customer_id}:{row.code}:{row.channel}:{row.outcome}:{day}"


def _same(prior: OfferEvent, offer: Offer, row: Answer, index: int, total: int) -> None:
    if (prior.offer_id, prior.outcome, prior.channel) != (offer.pk, row.outcome, row.channel):
        where = f"rows[{index}]." if total > 1 else ""
        raise OfferConflict(
            _("This idempotency key already recorded another answer."),
            field=f"{where}idempotency_key",
        )


def _answer_out(event: OfferEvent, offer: Offer, replay: bool) -> dict[str, Any]:
    return {
        "customer_id": event.customer_id,
        "code": offer.code,
        "outcome": event.outcome,
        "channel": event.channel,
        "at": event.at,
        "replay": replay,
    }
