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

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from lealtad.core import group_commit
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
    only, with the tallies: four statements and no read (the unique key drops a refresh's
    showings in the INSERT itself). On SQLite the commit is shared with the other request
    threads' writes (:mod:`lealtad.core.group_commit`): one sync for the lot."""
    keys = {f"show:{decision.customer_id}:{decision.channel}:{key}:{o.code}": o for o in shown}
    if not keys and not decision.verdict.held_out:
        return

    def write() -> None:
        _expose(decision, now)
        if keys:
            fresh = _insert_shown(decision, keys, by, now)
            _tally([(offer_id, decision.channel, "shown") for offer_id in fresh], now)

    group_commit.in_group(write)


def _expose(decision: reads.Decision, now: datetime) -> None:
    """Put the customer in this month's offered or holdout group, once."""
    group = "holdout" if decision.verdict.held_out else "offered"
    table, q = OfferExposure._meta.db_table, connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (customer_id, month, {q('group')}, first_at, channel) "
            f"VALUES (%s, %s, %s, %s, %s) ON CONFLICT (customer_id, month) DO NOTHING",
            [
                decision.customer_id,
                decision.month,
                group,
                connection.ops.adapt_datetimefield_value(now),
                decision.channel,
            ],
        )


def _insert_shown(
    decision: reads.Decision, keys: dict[str, Offer], by: str, now: datetime
) -> list[int]:
    """One "shown" event per key not recorded before, in one INSERT; the ids of the offers
    whose showing is new (a key already there is skipped by its unique index)."""
    table, q = OfferEvent._meta.db_table, connection.ops.quote_name
    at = connection.ops.adapt_datetimefield_value(now)
    params: list[Any] = []
    for k, offer in keys.items():
        params += [offer.pk, decision.customer_id, decision.channel, "shown", at, k, by[:150]]
    values = ", ".join(["(%s, %s, %s, %s, %s, %s, %s)"] * len(keys))
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (offer_id, customer_id, channel, outcome, at, "
            f"idempotency_key, {q('by')}) VALUES {values} "
            f"ON CONFLICT (idempotency_key) DO NOTHING RETURNING offer_id",
            params,
        )
        return [row[0] for row in cursor.fetchall()]


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
    """Add each (offer, channel, outcome) to the all-time and daily tallies: one upsert per
    table, the counts added in the database (``tally = tally + excluded.tally``), so two
    writers never lose a count and a row not there yet is created by the same statement."""
    if not moves:
        return
    stat: dict[tuple[int, str], dict[str, int]] = {}
    daily: dict[int, dict[str, int]] = {}
    for offer_id, channel, outcome in moves:
        counts = stat.setdefault((offer_id, channel), dict.fromkeys(TALLIES, 0))
        counts[outcome] += 1
        if outcome in DAILY:
            daily.setdefault(offer_id, dict.fromkeys(DAILY, 0))[outcome] += 1
    day = connection.ops.adapt_datefield_value(timezone.localdate(now))
    _upsert(
        OfferStat, ("offer_id", "channel"), TALLIES, [(*k, *c.values()) for k, c in stat.items()]
    )
    if daily:
        rows = [(offer_id, day, *c.values()) for offer_id, c in daily.items()]
        _upsert(OfferDaily, ("offer_id", "day"), DAILY, rows)


TALLIES = ("shown", "accepted", "declined", "ignored")
DAILY = ("shown", "accepted")


def _upsert(
    model: Any, unique: tuple[str, str], counts: tuple[str, ...], rows: list[tuple[Any, ...]]
) -> None:
    """INSERT the rows (the unique pair, then the counts), adding the counts to a row that is
    there already: one statement on both databases."""
    table, q = model._meta.db_table, connection.ops.quote_name
    columns = ", ".join(q(c) for c in (*unique, *counts))
    added = ", ".join(f"{q(c)} = {table}.{q(c)} + excluded.{q(c)}" for c in counts)
    values = ", ".join(["(" + ", ".join(["%s"] * (2 + len(counts))) + ")"] * len(rows))
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} ({columns}) VALUES {values} "
            f"ON CONFLICT ({', '.join(unique)}) DO UPDATE SET {added}",
            [value for row in rows for value in row],
        )


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
