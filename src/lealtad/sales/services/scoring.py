"""Lead scoring wired to the sales tables: the history the pure core learns from, the open
leads it scores (a batch at a time, written with one bulk update), and the monthly Brier
report of past scores against what became of the leads.

The learning and the explaining are :mod:`lealtad.sales_engine.scoring`'s; this module only
turns leads into its plain features and writes back what it answers:

* a lead's **outcome** in history is converted (true), or disqualified or aged out (false):
  open with no touch for :data:`AGED_OUT_DAYS` days, the lead is as good as lost;
* its **features**: source, a company named, a known customer, the customer's value tier
  (through the customers' standing selector, as ``rule_points``), the activities logged on it
  (``visits``: every logged touch), the campaign messages the customer received in the last
  :data:`CAMPAIGN_DAYS` days (through marketing's selector, ``emails_opened``) and the days
  since the last touch;
* the **stage weight** a lead falls back to with too little history is the probability of the
  default pipeline's first open stage (its second for a qualified lead): the stage a lead
  becomes when converted.

A fitted model is kept in the process for :data:`MODEL_TTL` (core.kept) so a lead captured or a call
logged is re-scored without learning again (``forget_model`` drops it).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.db.models import Count, Max, Q
from django.utils import timezone

from lealtad.core.kept import Kept
from lealtad.customers.selectors import standing
from lealtad.marketing.selectors import campaigns
from lealtad.sales.choices import OPEN_LEAD_STATUSES, LeadStatus, StageKind
from lealtad.sales.models import Activity, Lead, Stage
from lealtad.sales_engine import scoring as engine

AGED_OUT_DAYS = 90
CAMPAIGN_DAYS = 180
HISTORY_LIMIT = 20_000
BATCH = 1000
MODEL_TTL = 900.0  # seconds
DEFAULT_STAGE_WEIGHT = 0.10
# What a known customer's value tier adds (seed 003's tiers; docs/analytics-value.md).
TIER_POINTS = {"mvc": 3, "mgc": 2, "regular": 1, "below_zero": -1, "unknown": 0}
Progress = Callable[[int], None]


@dataclass(frozen=True)
class ScoringRun:
    """What a scoring run did: the method used (model or stage weight, and why) and how
    many open leads it scored, from how many closed ones it learned."""

    method: str
    reason: str
    history: int
    converted: int
    scored: int

    def as_dict(self) -> dict[str, Any]:
        return {
            "method": self.method,
            "reason": self.reason,
            "history": self.history,
            "converted": self.converted,
            "scored": self.scored,
        }


def forget_model() -> None:
    _model.forget()


def current_model() -> tuple[engine.LeadScorer, int, int]:
    """The scorer fitted from history (kept for :data:`MODEL_TTL`), with the history's size
    and how many of it converted."""
    return _model.get()


def _fit() -> tuple[engine.LeadScorer, int, int]:
    examples = history(timezone.now())
    converted = sum(1 for e in examples if e.converted)
    return engine.fit(examples), len(examples), converted


_model = Kept(_fit, MODEL_TTL)


def history(now: datetime) -> list[engine.Example]:
    """Closed leads (converted, disqualified) and aged-out open ones, newest first, each
    with its features as of the day it closed."""
    aged = now - timedelta(days=AGED_OUT_DAYS)
    closed = Q(status__in=(LeadStatus.CONVERTED, LeadStatus.DISQUALIFIED))
    stale = Q(status__in=OPEN_LEAD_STATUSES, updated_at__lt=aged)
    rows = list(Lead.objects.filter(closed | stale).order_by("-updated_at", "-id")[:HISTORY_LIMIT])
    open_ids = [lead.pk for lead in rows if lead.status in OPEN_LEAD_STATUSES]
    touched = _last_touches(open_ids)
    rows = [
        lead
        for lead in rows
        if lead.status not in OPEN_LEAD_STATUSES or touched.get(lead.pk, lead.updated_at) < aged
    ]
    examples: list[engine.Example] = []
    for part in _chunks(rows):
        features = features_of(part, [closed_at(lead, now) for lead in part])
        examples.extend(
            engine.Example(f, lead.status == LeadStatus.CONVERTED)
            for lead, f in zip(part, features, strict=True)
        )
    return examples


def closed_at(lead: Lead, now: datetime) -> datetime:
    """When the lead's outcome was known: converted, disqualified (its last change), or
    ``now`` for one still open."""
    if lead.status == LeadStatus.CONVERTED and lead.converted_at:
        return lead.converted_at
    if lead.status == LeadStatus.DISQUALIFIED:
        return lead.updated_at
    return now


def features_of(leads: Sequence[Lead], as_of: Sequence[datetime]) -> list[engine.LeadFeatures]:
    """The features of each lead as of its moment (a few queries for the whole batch)."""
    ids = [lead.pk for lead in leads]
    counts = _activity_counts(ids)
    touches = _last_touches(ids)
    customers = sorted({lead.customer_id for lead in leads if lead.customer_id})
    tiers = standing.current_tiers(customers) if customers else {}
    received = _campaign_messages(customers, as_of)
    out = []
    for lead, moment in zip(leads, as_of, strict=True):
        last = max(touches.get(lead.pk, lead.created_at), lead.created_at)
        tier = tiers.get(lead.customer_id or 0, "")
        out.append(
            engine.LeadFeatures(
                visits=counts.get(lead.pk, 0),
                emails_opened=_received_before(received.get(lead.customer_id or 0, []), moment),
                days_since_touch=max((moment - last).days, 0),
                rule_points=TIER_POINTS.get(tier, 0),
                has_company=bool(lead.company_name),
                known_customer=lead.customer_id is not None,
                source=lead.source,
            )
        )
    return out


def _activity_counts(lead_ids: list[int]) -> dict[int, int]:
    rows = Activity.objects.filter(lead_id__in=lead_ids).values("lead_id").annotate(n=Count("id"))
    return {row["lead_id"]: row["n"] for row in rows.order_by()}


def _last_touches(lead_ids: list[int]) -> dict[int, datetime]:
    if not lead_ids:
        return {}
    rows = (
        Activity.objects.filter(lead_id__in=lead_ids)
        .values("lead_id")
        .annotate(last=Max("created_at"), done=Max("done_at"))
        .order_by()
    )
    return {r["lead_id"]: max(t for t in (r["last"], r["done"]) if t) for r in rows}


def _campaign_messages(
    customer_ids: list[int], as_of: Sequence[datetime]
) -> dict[int, list[datetime]]:
    """When each customer was sent campaign messages, over the batch's windows."""
    if not customer_ids or not as_of:
        return {}
    since = min(as_of) - timedelta(days=CAMPAIGN_DAYS)
    sent: dict[int, list[datetime]] = {}
    for message in campaigns.recent_messages(customer_ids, since):
        if message.sent_at is not None:
            sent.setdefault(message.customer_id, []).append(message.sent_at)
    return sent


def _received_before(sent: list[datetime], moment: datetime) -> int:
    """Messages in the :data:`CAMPAIGN_DAYS` before ``moment`` (none after it: a closed
    lead's features are what was known while it was open)."""
    since = moment - timedelta(days=CAMPAIGN_DAYS)
    return sum(1 for at in sent if since <= at <= moment)


def stage_weights() -> tuple[float, float]:
    """The fallback's weights: the default pipeline's first open stage, and its second (for
    a qualified lead); :data:`DEFAULT_STAGE_WEIGHT` with no pipeline yet."""
    stages = list(
        Stage.objects.filter(pipeline__is_default=True, pipeline__active=True, kind=StageKind.OPEN)
        .order_by("order")
        .values_list("probability", flat=True)[:2]
    )
    first = stages[0] / 100 if stages else DEFAULT_STAGE_WEIGHT
    second = stages[1] / 100 if len(stages) > 1 else first
    return first, second


def open_lead_count() -> int:
    """How many leads a full run scores (the CLI's progress bar total)."""
    return Lead.objects.filter(status__in=OPEN_LEAD_STATUSES).count()


def score_open_leads(
    lead_ids: Iterable[int] | None = None, progress: Progress | None = None
) -> ScoringRun:
    """Score the open leads named (every open lead when ``None``), a batch at a time; a
    closed lead named keeps the score it closed with (the report compares it)."""
    scorer, size, converted = current_model()
    weights = stage_weights()
    rows = Lead.objects.filter(status__in=OPEN_LEAD_STATUSES)
    if lead_ids is not None:
        rows = rows.filter(pk__in=sorted(set(lead_ids)))
    ids = list(rows.order_by("pk").values_list("pk", flat=True))
    for part in _chunks(ids, BATCH):
        _score_batch(scorer, list(Lead.objects.filter(pk__in=part).order_by("pk")), weights)
        if progress is not None:
            progress(len(part))
    return ScoringRun(scorer.method, scorer.reason, size, converted, len(ids))


def _score_batch(
    scorer: engine.LeadScorer, leads: list[Lead], weights: tuple[float, float]
) -> None:
    now = timezone.now()
    features = features_of(leads, [now] * len(leads))
    chances = [weights[1] if lead.status == LeadStatus.QUALIFIED else weights[0] for lead in leads]
    for lead, score in zip(leads, scorer.score_many(features, chances), strict=True):
        lead.score = percent(score.probability)
        lead.score_basis = basis(score)
    Lead.objects.bulk_update(leads, ["score", "score_basis"], batch_size=500)


def percent(probability: float) -> int:
    """The score shown, 1 to 99: an open lead is never sure nor hopeless."""
    held, _ = engine.bound(probability)
    return min(max(round(held * 100), 1), 99)


def basis(score: engine.Score) -> list[dict[str, Any]]:
    """The score's reasons as kept on the lead: its top factors, or the stage weight and why
    it was used."""
    if score.method == engine.STAGE_WEIGHT:
        return [{"factor": "stage_weight", "value": score.reason, "weight": 0.0}]
    return [{"factor": f.key, "value": f.value, "weight": f.contribution} for f in score.factors]


def _chunks(items: Sequence[Any], size: int = BATCH) -> Iterable[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


@dataclass(frozen=True)
class MonthRow:
    month: date
    count: int
    brier: float
    base_rate: float
    mean_predicted: float

    def as_dict(self) -> dict[str, Any]:
        return {
            "month": self.month.isoformat()[:7],
            "count": self.count,
            "brier": round(self.brier, 4),
            "base_rate": round(self.base_rate, 4),
            "mean_predicted": round(self.mean_predicted, 4),
        }


def monthly_report(months: int = 12) -> list[MonthRow]:
    """Per month of closing (the business's calendar), the Brier score of the scores the
    closed leads carried against whether they converted; months with no scored lead are
    left out."""
    today = timezone.localdate()
    first = (today.replace(day=1) - timedelta(days=31 * (months - 1))).replace(day=1)
    start = timezone.make_aware(datetime.combine(first, datetime.min.time()))
    rows = Lead.objects.filter(
        score__isnull=False, status__in=(LeadStatus.CONVERTED, LeadStatus.DISQUALIFIED)
    ).filter(Q(converted_at__gte=start) | Q(status=LeadStatus.DISQUALIFIED, updated_at__gte=start))
    points = []
    now = timezone.now()
    for lead in rows.only("status", "score", "converted_at", "updated_at").iterator(
        chunk_size=5000
    ):
        day = timezone.localdate(closed_at(lead, now))
        points.append((day, (lead.score or 0) / 100, lead.status == LeadStatus.CONVERTED))
    return [
        MonthRow(r.month, r.count, r.brier, r.base_rate, r.mean_predicted)
        for r in engine.monthly_brier(points)
    ]
