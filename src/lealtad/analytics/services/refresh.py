"""The analytics refresh: facts out, the whole base assessed at once, standings written back.

1. **Facts** — the cube's Parquet facts are exported afresh (orders, lines, returns, contacts,
   customers), which is also what the dashboards read.
2. **Base** — the customers and their purchases and returns come back from the facts as
   columns (:mod:`.base`): a few DuckDB queries, no loop per customer.
3. **Assessment** — RFM, lifetime value, cost to serve, tiers, lifecycle stages and churn risk
   for everyone in one pass of numpy (:mod:`.assessment`).
4. **Write-back** — through the customers context (:mod:`lealtad.customers.services.standing`),
   a chunk per transaction, so ingest keeps flowing between chunks; tier changes become the
   tier history (:class:`TierChange`) and are announced on the hub.
5. **Rules** — the market-basket rules are mined again from the orders' lines.

A refresh over an empty base, a base of one customer or data with odd rows finishes with
warnings on its run and finite figures written back; it never writes NaN.
"""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import Iterator
from datetime import date
from typing import Any

import numpy as np
from django.db import transaction
from django.utils import timezone

from lealtad.analytics.models import RefreshRun, TierChange
from lealtad.analytics.selectors import cube as cube_reader
from lealtad.analytics.services import base as base_reader
from lealtad.analytics.services import basket, facts, runs
from lealtad.analytics.services import rules as rule_book
from lealtad.analytics.services.assessment import Assessment, assess
from lealtad.analytics.services.base import EPOCH
from lealtad.core.audit import Actor
from lealtad.core.db import insert_new, new_row
from lealtad.customers.services import standing as standing_service

log = logging.getLogger(__name__)
CHUNK = 5000


def run(
    actor: Actor,
    *,
    trigger: str = RefreshRun.Trigger.MANUAL,
    as_of: date | None = None,
    echo: runs.Report | None = None,
) -> RefreshRun:
    """Run a refresh to the end in this thread (the CLI's way); 409 while one runs."""
    return _carry_out(runs.begin(trigger, actor, as_of), actor, echo)


def start(
    actor: Actor, *, trigger: str = RefreshRun.Trigger.MANUAL, as_of: date | None = None
) -> RefreshRun:
    """Begin a run now (refused at once while one runs) and carry it out in the background."""
    begun = runs.begin(trigger, actor, as_of)
    runs.in_background(lambda: _carry_out(begun, actor, None, reraise=False))
    return begun


def tick() -> None:
    """The dispatcher's before-pass hook: the nightly refresh, in the background."""
    if runs.nightly_due():
        with contextlib.suppress(runs.RefreshRunning):  # another process just began one
            start(Actor.system("analytics"), trigger=RefreshRun.Trigger.SCHEDULE)


def _carry_out(
    run_row: RefreshRun, actor: Actor, echo: runs.Report | None, reraise: bool = True
) -> RefreshRun:
    track = runs.Tracker(run_row, echo)
    try:
        _steps(run_row, actor, track)
    except Exception as exc:
        log.exception("analytics refresh %s failed", run_row.pk)
        runs.fail(run_row, f"{type(exc).__name__}: {exc}")
        if reraise:
            raise
        return run_row
    return runs.finish(run_row)


def _steps(run_row: RefreshRun, actor: Actor, track: runs.Report) -> None:
    timings: dict[str, float] = {}
    with _timed(timings, "facts"):
        facts.export_all(progress=track)
    rules = rule_book.current()
    with _timed(timings, "assess"):
        track("assess", 0, 1)
        connection = cube_reader.connection()
        base = base_reader.load(connection, run_row.as_of)
        share = base_reader.margin_share(connection, base.ids, rules.value.assumed_margin)
        found = assess(base, rules, share)
        track("assess", 1, 1)
    with _timed(timings, "write_back"):
        outcome = _write_back(run_row, actor, base.ids, found, track)
        facts.export_all(progress=track, tables=["customers"])  # the cube's tiers, fresh
    with _timed(timings, "basket"):
        rules_mined = _mine_basket_rules(run_row, track)
    run_row.customers = base.size
    run_row.tier_changes = len(outcome.tier_changes)
    run_row.stage_changes = len(outcome.stage_changes)
    run_row.warnings = found.warnings
    run_row.figures = {
        **found.figures,
        "seconds": timings,
        "became_customers": outcome.became_customers,
        "basket_rules": rules_mined,
    }


def _write_back(
    run_row: RefreshRun,
    actor: Actor,
    ids: np.ndarray,
    found: Assessment,
    track: runs.Report,
) -> standing_service.StandingOutcome:
    total = standing_service.StandingOutcome()
    computed_at = timezone.now()
    for start, stop in _chunks(ids.size):
        standings = [_standing(int(ids[i]), i, found) for i in range(start, stop)]
        with transaction.atomic():
            outcome = standing_service.record_standings(
                standings, run_id=run_row.pk, computed_at=computed_at, actor=actor
            )
            _tier_history(run_row, outcome, computed_at.date())
        total.add(outcome)
        track("write back", stop, ids.size)
    return total


def _chunks(size: int) -> Iterator[tuple[int, int]]:
    for start in range(0, size, CHUNK):
        yield start, min(start + CHUNK, size)


def _tier_history(
    run_row: RefreshRun, outcome: standing_service.StandingOutcome, day: date
) -> None:
    moved = [(c, old, new) for c, old, new in outcome.tier_changes]
    moved += [(c, "", tier) for c, tier in outcome.first_assessed]
    insert_new(
        [
            new_row(
                TierChange,
                customer_id=c,
                from_tier=old,
                to_tier=new,
                changed_on=day,
                run_id=run_row.pk,
            )
            for c, old, new in moved
        ]
    )


def _standing(customer_id: int, i: int, found: Assessment) -> standing_service.Standing:
    life = found.lifetime
    valid = bool(life.valid[i])
    bought = bool(found.frequency[i] > 0)
    return standing_service.Standing(
        customer_id=customer_id,
        value_tier=str(found.tiers[i]),
        lifecycle_stage=str(found.stages[i]),
        lifecycle_since=_day(found.stage_since[i]),
        rfm=(int(found.rfm.recency[i]), int(found.rfm.frequency[i]), int(found.rfm.monetary[i])),
        historic_value=float(found.historic_value[i]),
        cost_to_serve=float(found.cost[i]),
        clv=float(life.clv[i]),
        expected_purchases=float(life.expected_purchases[i]),
        expected_spend=float(life.expected_spend[i]),
        p_alive=float(life.p_alive[i]) if valid else None,
        churn_risk=float(found.churn.risk[i]) if bought else None,
        churn_band=str(found.churn.band[i]) if bought else "",
        churn_drivers=[{"code": c, "weight": w} for c, w in found.churn.listed(i)],
        orders=int(found.frequency[i]),
        last_purchase_on=_day(found.last_day[i]),
        next_purchase_expected=_day(found.next_purchase_day[i]),
    )


def _day(number: int | np.integer) -> date | None:
    if number < 0:
        return None
    return (EPOCH + int(number)).astype(date)  # type: ignore[no-any-return]


def _mine_basket_rules(run_row: RefreshRun, track: runs.Report) -> int:
    """The cross-sell rules, mined again from every order's products."""
    track("basket rules", 0, 1)
    mined = basket.mine_rules(run_id=str(run_row.pk))
    track("basket rules", 1, 1)
    return mined


class _timed:
    def __init__(self, into: dict[str, float], name: str) -> None:
        self.into, self.name = into, name

    def __enter__(self) -> None:
        self.started = time.perf_counter()

    def __exit__(self, *exc: Any) -> None:
        self.into[self.name] = round(time.perf_counter() - self.started, 3)
