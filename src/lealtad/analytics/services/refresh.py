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
import json
import logging
import time
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import numpy as np
from django.conf import settings
from django.db import connection, transaction
from django.db.migrations.recorder import MigrationRecorder
from django.db.models import Max
from django.utils import timezone

from lealtad.analytics import cube_store
from lealtad.analytics.models import RefreshRun, TierChange
from lealtad.analytics.selectors import cube as cube_reader
from lealtad.analytics.services import base as base_reader
from lealtad.analytics.services import basket, facts, runs
from lealtad.analytics.services import rules as rule_book
from lealtad.analytics.services.assessment import Assessment, assess
from lealtad.analytics.services.base import EPOCH
from lealtad.core.audit import Actor
from lealtad.core.db import insert_new, new_row
from lealtad.core.models import OutboxMessage
from lealtad.customer_value import churn as churn_engine
from lealtad.customers.selectors import standing as customer_standing
from lealtad.customers.services import standing as standing_service

log = logging.getLogger(__name__)
CHUNK = 50_000
FULL_CUSTOMER_EXPORT = 100_000  # more changed customers than this: export them all


def run(
    actor: Actor,
    *,
    trigger: str = RefreshRun.Trigger.MANUAL,
    as_of: date | None = None,
    echo: runs.Report | None = None,
    full_facts: bool = False,
) -> RefreshRun:
    """Run a refresh to the end in this thread (the CLI's way); 409 while one runs."""
    return _carry_out(runs.begin(trigger, actor, as_of), actor, echo, full_facts=full_facts)


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
    run_row: RefreshRun,
    actor: Actor,
    echo: runs.Report | None,
    reraise: bool = True,
    full_facts: bool = False,
) -> RefreshRun:
    track = runs.Tracker(run_row, echo)
    try:
        _steps(run_row, actor, track, full_facts)
    except Exception as exc:
        log.exception("analytics refresh %s failed", run_row.pk)
        runs.fail(run_row, f"{type(exc).__name__}: {exc}")
        if reraise:
            raise
        return run_row
    return runs.finish(run_row)


def _bring_facts_up_to_date(track: runs.Report, full: bool) -> bool:
    """The facts as of now: the hub's feed keeps them current between refreshes, so its
    deltas are folded in; a full export runs the first time, when a table has no snapshot,
    when the last one is older than ``LEALTAD_ANALYTICS_FULL_EXPORT_DAYS`` (orders written
    without an event — a bulk load — reach the cube then) or when asked."""
    stale = _facts_stale()
    if full or stale:
        facts.export_all(progress=track)
        _stamp_file().write_text(_database_stamp(), encoding="utf-8")
        return True
    facts.compact_all(progress=track)
    return False


def _facts_stale() -> bool:
    oldest = facts.oldest_snapshot()
    if oldest is None or timezone.now() - oldest > timedelta(
        days=settings.LEALTAD_ANALYTICS_FULL_EXPORT_DAYS
    ):
        return True
    stamp = _stamp_file()
    if not stamp.exists() or stamp.read_text(encoding="utf-8").strip() != _database_stamp():
        return True
    return _ahead_of_the_outbox()


def _stamp_file() -> Path:
    return cube_store.facts_root() / "DATABASE"


def _database_stamp() -> str:
    """Which database the facts were taken from: its engine, name and when it was first
    migrated (a database recreated under the same name migrates again)."""
    first = (
        MigrationRecorder.Migration.objects.order_by("applied")
        .values_list("applied", flat=True)
        .first()
    )
    name = connection.settings_dict.get("NAME", "")
    return f"{connection.vendor}:{name}:{first.isoformat() if first else ''}"


def _ahead_of_the_outbox() -> bool:
    """Facts that saw outbox messages the database does not have were taken from another
    database (restored from a backup, or replaced): they cannot be brought up to date."""
    newest = OutboxMessage.objects.aggregate(top=Max("id"))["top"] or 0
    return any(table["watermark"] > newest for table in facts.status().values())


def _steps(run_row: RefreshRun, actor: Actor, track: runs.Report, full_facts: bool) -> None:
    timings: dict[str, float] = {}
    with _timed(timings, "facts"):
        full = _bring_facts_up_to_date(track, full_facts)
    rules = rule_book.current()
    with _timed(timings, "assess"):
        track("assess", 0, 1)
        connection = cube_reader.connection()
        base = base_reader.load(connection, run_row.as_of)
        share = base_reader.margin_share(connection, base.ids, rules.value.assumed_margin)
        left = np.isin(base.ids, customer_standing.former_customer_ids())
        found = assess(base, rules, share, left)
        track("assess", 1, 1)
    with _timed(timings, "write_back"):
        outcome = _write_back(run_row, actor, base.ids, found, track)
        _customers_to_the_cube(outcome, track)
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
        "facts": "full export" if full else "incremental",
    }


def _customers_to_the_cube(outcome: standing_service.StandingOutcome, track: runs.Report) -> None:
    """The cube's customers carry the tier and stage: the ones that changed are laid over it
    (a first assessment of most of the base exports the customers afresh instead)."""
    moved = sorted(
        {c for c, _, _ in outcome.tier_changes}
        | {c for c, _, _ in outcome.stage_changes}
        | {c for c, _ in outcome.first_assessed}
    )
    if len(moved) > FULL_CUSTOMER_EXPORT:
        facts.export_all(progress=track, tables=["customers"])
    elif moved:
        facts.refresh_customers(moved)


def _write_back(
    run_row: RefreshRun,
    actor: Actor,
    ids: np.ndarray,
    found: Assessment,
    track: runs.Report,
) -> standing_service.StandingOutcome:
    total = standing_service.StandingOutcome()
    computed_at = timezone.now()
    columns = _standing_columns(ids, found)
    for start, stop in _chunks(ids.size):
        rows = list(zip(*(column[start:stop] for column in columns), strict=True))
        with transaction.atomic():
            outcome = standing_service.record_standings(
                rows, run_id=run_row.pk, computed_at=computed_at, actor=actor
            )
            _tier_history(run_row, outcome, run_row.as_of)
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


def _standing_columns(ids: np.ndarray, found: Assessment) -> list[list[Any]]:
    """The columns of :data:`standing_service.COLUMNS`, as plain Python values."""
    life = found.lifetime
    bought = found.frequency > 0
    risk = found.churn
    columns: dict[str, list[Any]] = {
        "customer_id": ids.tolist(),
        "value_tier": found.tiers.tolist(),
        "lifecycle_stage": found.stages.tolist(),
        "lifecycle_since": _iso_days(found.stage_since),
        "rfm_recency": found.rfm.recency.tolist(),
        "rfm_frequency": found.rfm.frequency.tolist(),
        "rfm_monetary": found.rfm.monetary.tolist(),
        "historic_value": _money(found.historic_value),
        "cost_to_serve": _money(found.cost),
        "clv": _money(life.clv),
        "expected_purchases": np.round(life.expected_purchases, 4).tolist(),
        "expected_spend": _money(life.expected_spend),
        "p_alive": _where(life.valid, np.round(life.p_alive, 4)),
        "churn_risk": _where(bought, np.round(risk.risk, 4)),
        "churn_band": np.where(bought, risk.band, "").tolist(),
        "churn_drivers": _drivers(risk, bought),
        **(_supervised_columns(found.supervised) if found.supervised else {}),
        "orders": found.frequency.tolist(),
        "last_purchase_on": _iso_days(found.last_day),
        "next_purchase_expected": _iso_days(found.next_purchase_day),
    }
    return [columns[name] for name in standing_service.COLUMNS]


def _supervised_columns(found: Any) -> dict[str, list[Any]]:
    """The supervised model's risk, band and drivers, where the base knows who left."""
    labelled = found.band != ""
    return {
        "churn_risk": _where(labelled, np.round(found.risk, 4)),
        "churn_band": found.band.tolist(),
        "churn_drivers": [
            json.dumps([{"code": code, "weight": weight} for code, weight in drivers])
            for drivers in found.drivers
        ],
    }


def _money(values: np.ndarray) -> list[float]:
    return np.round(np.nan_to_num(values), 2).tolist()  # type: ignore[no-any-return]


def _where(mask: np.ndarray, values: np.ndarray) -> list[Any]:
    kept = values.astype(object)
    kept[~mask] = None
    return kept.tolist()  # type: ignore[no-any-return]


def _iso_days(days: np.ndarray) -> list[str | None]:
    """Day numbers as ISO dates (what both databases take for a date), None for -1."""
    unique, where = np.unique(days, return_inverse=True)  # a few thousand days at most
    kept = np.datetime_as_string(EPOCH + np.maximum(unique, 0), unit="D").astype(object)
    kept[unique < 0] = None
    return kept[where].tolist()  # type: ignore[no-any-return]


def _drivers(risk: Any, bought: np.ndarray) -> list[str]:
    """Each customer's churn drivers as JSON text: ``[{"code": …, "weight": …}, …]``, built
    column by column (a driver slot at a time over every customer), not row by row."""
    heads = np.array([f'{{"code": {json.dumps(c)}, "weight": ' for c in churn_engine.DRIVERS])
    size, slots = risk.drivers.shape if risk.drivers.ndim == 2 else (bought.size, 0)
    out = np.full(size, "[", dtype=object)
    for slot in range(slots):
        codes = risk.drivers[:, slot].astype(np.int64)
        present = (codes >= 0) & bought
        shares, where = np.unique(np.round(risk.driver_weights[:, slot], 3), return_inverse=True)
        weights = shares.astype("U8").astype(object)[where]
        piece = np.full(size, "", dtype=object)
        piece[present] = heads[codes[present]].astype(object) + weights[present] + "}"
        if slot:
            piece[present] = ", " + piece[present]
        out = out + piece
    return (out + "]").tolist()  # type: ignore[no-any-return]


def _mine_basket_rules(run_row: RefreshRun, track: runs.Report) -> int:
    """The cross-sell rules, mined again from every order's products (read from the facts)."""
    track("basket rules", 0, 1)
    orders = base_reader.baskets(cube_reader.connection())
    mined = basket.mine_rules(orders, run_id=str(run_row.pk))
    track("basket rules", 1, 1)
    return mined


class _timed:
    def __init__(self, into: dict[str, float], name: str) -> None:
        self.into, self.name = into, name

    def __enter__(self) -> None:
        self.started = time.perf_counter()

    def __exit__(self, *exc: Any) -> None:
        self.into[self.name] = round(time.perf_counter() - self.started, 3)
