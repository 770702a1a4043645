"""Channel economics for the dashboards and the API: cohorts, the 1/2/3-channel curve,
products per customer, acquisition costs and CAC, the best channel per segment, the
segment-by-channel map and the maturity stage. Each reads the cube under the caller's scope
(``selectors.scope.scope_of``); the sums are in :mod:`lealtad.olap.cohorts`,
:mod:`~lealtad.olap.economics` and :mod:`~lealtad.olap.maturity`.

Answers are kept per question: until the facts change, and for a minute after they do (a
dashboard reloaded, two tiles sharing a matrix, the feed's deltas landing every few seconds
do not recompute seconds of work). Entering a cost forgets them (:func:`forget`).
"""

from __future__ import annotations

import threading
import time
from collections import Counter, OrderedDict
from collections.abc import Callable
from typing import Any

import duckdb
from django.utils.translation import gettext_lazy as _

from lealtad.analytics import cube_store
from lealtad.analytics.models import AcquisitionCost, MaturityAssessment
from lealtad.core.errors import DomainError
from lealtad.olap import cohorts, economics
from lealtad.olap import maturity as maturity_core
from lealtad.olap.economics import CostEntry

# Gartner's stages and criteria as seed 000 words them (Estadios de Evolución).
STAGE_TEXT = {
    1: _("Inform the customer (web presence)"),
    2: _("Interact with the customer (stand-alone transactional site)"),
    3: _("Relate to the customer (multichannel support)"),
    4: _("Maximize the customer (multichannel integration)"),
}
QUESTION_TEXT = {
    "web_presence": _("We have a web presence with the basic functions."),
    "information_marketing": _("We publish information and marketing online."),
    "brochures_inquiries": _("Customers get brochures and send inquiries online."),
    "online_transactions": _("Customers can buy online."),
    "product_location": _("Customers can find where a product is available."),
    "order_confirmation": _("Customers get their orders confirmed online."),
    "basic_personalization": _(
        "The site is personalized and customers configure products or see partners' content."
    ),
    "opportunity_detection": _("We detect sales opportunities from what customers do online."),
    "multichannel_support": _("We serve the same customer in several channels."),
    "advanced_personalization": _("We personalize offers and service for each customer."),
    "needs_based_marketing": _("Our marketing is based on each customer's history of needs."),
    "channel_collaboration": _("All channels work together in every area of the company."),
    "consistent_experience": _("Customers find the same answers and prices in every channel."),
    "intimate_knowledge": _("We know each customer intimately."),
    "unified_view": _("Customers see one company, whatever channel they use."),
}
METRICS = ("retention", "revenue", "revenue_per_customer", "active")
_KEPT = 32
FRESH_FOR = 60.0  # seconds a slow answer outlives a change of the facts
SLOW = 0.5  # seconds: answers quicker than this are simply computed again
_lock = threading.Lock()
_answers: OrderedDict[tuple, Any] = OrderedDict()


class EconomicsQueryError(DomainError):
    code = "economics_query_invalid"


def _computed(key: tuple, compute: Callable[[duckdb.DuckDBPyConnection], Any]) -> Any:
    """The answer to ``key``: kept while the facts stay the same; one that took more than
    ``SLOW`` to compute also for ``FRESH_FOR`` seconds after they change (the incremental feed
    lands deltas every few seconds; monthly cohorts and yearly curves do not move with one
    more order, and over ten million orders some of these take seconds)."""
    cube = cube_store.cube()
    full = (str(cube_store.facts_root()), *key)
    signature = cube.store.signature()
    now = time.monotonic()
    with _lock:
        kept = _answers.get(full)
        if kept is not None and (kept[0] == signature or (kept[3] and now - kept[1] < FRESH_FOR)):
            _answers.move_to_end(full)
            return kept[2]
    cursor = cube.cursor()
    try:
        found = compute(cursor)
    finally:
        cursor.close()
    slow = time.monotonic() - now > SLOW
    with _lock:
        _answers[full] = (signature, now, found, slow)
        _answers.move_to_end(full)
        while len(_answers) > _KEPT:
            _answers.popitem(last=False)
    return found


def forget() -> None:
    """Drop the kept answers (a cost entered changes CAC without new facts)."""
    with _lock:
        _answers.clear()


def cohort_matrix(scope: Any, metric: str = "retention", months: int = 24) -> dict[str, Any]:
    """The cohort heat map: one row per acquisition month, one column per month since, the
    cells in ``metric`` (None where the month has not come yet)."""
    if metric not in METRICS:
        raise EconomicsQueryError(
            _("Unknown metric (one of %(known)s)."), field="metric", known=", ".join(METRICS)
        )
    if not 1 <= months <= cohorts.MAX_MONTHS:
        raise EconomicsQueryError(
            _("Months since lie between 1 and %(most)s."),
            field="months",
            most=cohorts.MAX_MONTHS,
        )
    matrix = _computed(
        ("cohorts", scope, months), lambda c: cohorts.cohort_matrix(c, scope, months)
    )
    rows = matrix.rows()
    return {
        "metric": metric,
        "months": months,
        "as_of": matrix.as_of.isoformat() if matrix.as_of else None,
        "cohorts": [
            {"cohort": r["cohort"], "customers": r["customers"], "cells": r[metric]} for r in rows
        ],
    }


def channel_curve(scope: Any) -> list[dict[str, Any]]:
    """Seed 001's curve: per year, customers by channels used and their average spend."""
    return _computed(("curve", scope), lambda c: economics.channel_curve(c, scope))


def products_per_customer(scope: Any, by: str = "product") -> dict[str, Any]:
    if by not in ("product", "category"):
        raise EconomicsQueryError(_("Count products or categories."), field="by")
    return _computed(
        ("products", scope, by), lambda c: economics.products_per_customer(c, scope, by)
    )


def cost_entries() -> tuple[list[CostEntry], str, int]:
    """The costs in force in the currency most of them use, and how many others were left
    out (money in two currencies cannot be added without a rate Lealtad does not keep)."""
    rows = list(AcquisitionCost.objects.filter(withdrawn_at__isnull=True).order_by("pk"))
    if not rows:
        return [], "", 0
    currency = Counter(r.currency for r in rows).most_common(1)[0][0]
    entries = [
        CostEntry(
            id=r.pk,
            start=r.period_start,
            end=r.period_end,
            channel=r.channel,
            segment=r.segment,
            amount=float(r.amount),
            currency=r.currency,
            campaign=r.campaign,
        )
        for r in rows
        if r.currency == currency
    ]
    return entries, currency, len(rows) - len(entries)


def _entered(cost: AcquisitionCost) -> dict[str, Any]:
    who = cost.entered_by
    return {
        "entered_by": who.get_username() if who is not None else "",
        "entered_at": cost.entered_at.isoformat(),
        "withdrawn_at": cost.withdrawn_at.isoformat() if cost.withdrawn_at else None,
    }


def acquisition_costs(scope: Any) -> dict[str, Any]:
    """Every cost entered (withdrawn ones marked) with the customers each acquired and its
    CAC; ``excluded`` counts the costs in another currency than the one reported."""
    entries, currency, excluded = cost_entries()
    key = ("costs", scope, tuple(entries))
    figures = {
        f["id"]: f for f in _computed(key, lambda c: economics.acquisition_costs(c, entries, scope))
    }
    rows = []
    for cost in AcquisitionCost.objects.select_related("entered_by").order_by(
        "-period_start", "pk"
    ):
        base = figures.get(cost.pk) or {
            "id": cost.pk,
            "period_start": cost.period_start.isoformat(),
            "period_end": cost.period_end.isoformat(),
            "channel": cost.channel,
            "segment": cost.segment,
            "campaign": cost.campaign,
            "amount": float(cost.amount),
            "customers_acquired": None,
            "cac": None,
        }
        rows.append({**base, "currency": cost.currency, **_entered(cost)})
    return {"currency": currency, "excluded": excluded, "costs": rows}


def segment_channel_map(scope: Any) -> dict[str, Any]:
    """Per segment and channel: customers, revenue, customers acquired, first-year value,
    CAC and value net of CAC (see :mod:`lealtad.olap.economics` for each definition)."""
    entries, currency, excluded = cost_entries()
    key = ("map", scope, tuple(entries))
    cells = _computed(key, lambda c: economics.segment_channel_map(c, entries, scope))
    return {
        "currency": currency,
        "excluded": excluded,
        "segments": sorted({c["segment"] for c in cells}),
        "channels": sorted({c["channel"] for c in cells}),
        "cells": cells,
    }


def best_channel_per_segment(scope: Any) -> list[dict[str, Any]]:
    return economics.best_channel_per_segment(segment_channel_map(scope)["cells"])


def maturity_questions() -> list[dict[str, Any]]:
    """The questionnaire: each criterion of the seed's stages, worded for the page."""
    return [
        {
            "id": q,
            "stage": s,
            "stage_name": str(STAGE_TEXT[s]),
            "text": str(QUESTION_TEXT[q]),
        }
        for q, s in maturity_core.QUESTIONS.items()
    ]


def _assessment(row: MaturityAssessment) -> dict[str, Any]:
    who = row.assessed_by
    return {
        "id": row.pk,
        "stage": row.stage,
        "stage_name": maturity_core.STAGE_NAMES.get(row.stage, "none"),
        "score": row.score,
        "fractions": row.fractions,
        "answers": row.answers,
        "note": row.note,
        "assessed_by": who.get_username() if who is not None else "",
        "assessed_at": row.assessed_at.isoformat(),
    }


def maturity(scope: Any = None) -> dict[str, Any]:
    """The latest questionnaire's stage, the evidence's stage from the facts, and the stages
    where the two disagree (``claimed``: the answers run ahead of the data)."""
    shown = _computed(
        ("maturity", scope),
        lambda c: maturity_core.read_evidence(maturity_core.measure_evidence(c, scope)),
    )
    latest = MaturityAssessment.objects.select_related("assessed_by").first()
    said = None
    gaps: list[dict[str, Any]] = []
    if latest is not None:
        said = maturity_core.Reading(
            {int(s): float(f) for s, f in latest.fractions.items()}, latest.stage, latest.score
        )
        gaps = maturity_core.disagreements(said, shown)
    return {
        "questionnaire": _assessment(latest) if latest is not None else None,
        "evidence": shown.as_dict(),
        "disagreements": gaps,
        "history": [
            _assessment(r) for r in MaturityAssessment.objects.select_related("assessed_by")[:12]
        ],
    }
