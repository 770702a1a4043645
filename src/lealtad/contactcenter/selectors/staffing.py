"""Staffing plans for the center: agents per interval from posted volumes or from history.

A supervisor either posts expected contacts per interval for some queues, or asks for a day
planned from the center's own records: each queue's arrivals over the last weeks (the
journal's ``contact.arrived`` rows) are forecast for that day's weekday and time of day, and
its mean handle time is read from the same weeks (answered to wrapped up). The queues that
share agents — by default the queues of one skill, as the router staffs them — are staffed as
one pool on their summed load (``contact_engine.staffing``), and each plan says how many
agents pooling saves against staffing every queue apart. Only reads: a plan writes nothing.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Annotated, Any

import numpy as np
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    WithJsonSchema,
)

from lealtad.contact_engine.staffing import forecast as fc
from lealtad.contact_engine.staffing.errors import StaffingError
from lealtad.contact_engine.staffing.plan import (
    PoolPlan,
    QueueForecast,
    Shrinkage,
    Target,
    staff_pools,
)
from lealtad.contactcenter import selectors
from lealtad.contactcenter.errors import CenterRefused, NotThere

DAY = 86_400
MOST_INTERVALS = 7 * 96
DEFAULT_AHT = 300.0

Calls = Annotated[float, Field(ge=0, le=1_000_000, allow_inf_nan=False)]
#: Handle times, waits and patience: at least a second (a shorter one means nothing here).
Seconds = Annotated[float, Field(ge=1, le=DAY, allow_inf_nan=False)]
Share = Annotated[float, Field(gt=0, le=1, allow_inf_nan=False)]


def _iso_day(value: Any) -> Any:
    """A day as ``YYYY-MM-DD`` (or a date): not a number of seconds since 1970."""
    if isinstance(value, dt.date) or (isinstance(value, str) and len(value) == 10):
        return value
    raise ValueError("a day as YYYY-MM-DD")


Day = Annotated[dt.date, BeforeValidator(_iso_day)]
INTERVALS = (300, 600, 900, 1800, 3600)


def _one_of_the_intervals(value: int) -> int:
    if value not in INTERVALS:
        raise ValueError(f"one of {', '.join(map(str, INTERVALS))}")
    return value


#: Interval lengths that divide a day, stated in the schema as an enum (an odd one: 422).
#: Not a Literal: query strings ("900") must still be read as numbers.
IntervalSeconds = Annotated[
    int,
    AfterValidator(_one_of_the_intervals),
    WithJsonSchema({"type": "integer", "enum": list(INTERVALS)}),
]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class QueueIntervals(Strict):
    queue: str = Field(min_length=1, max_length=60, description="A queue's name")
    calls: list[Calls] = Field(
        min_length=1, max_length=MOST_INTERVALS, description="Expected contacts per interval"
    )
    aht_seconds: Seconds | list[Seconds] = Field(
        default=DEFAULT_AHT, description="Mean handle time (talk + wrap-up): one or per interval"
    )


class StaffingIn(Strict):
    """Posted intervals (``queues``) or ``from_history``; one target for every interval."""

    queues: list[QueueIntervals] | None = Field(default=None, min_length=1, max_length=50)
    from_history: bool = False
    history_queues: list[str] | None = Field(
        default=None, max_length=50, description="From history: these queues (none: all)"
    )
    date: Day | None = Field(default=None, description="From history: the day to plan")
    weeks: int = Field(default=4, ge=1, le=26, description="From history: weeks to learn from")
    interval_seconds: IntervalSeconds = 900
    service_level: Annotated[float, Field(gt=0, lt=1, allow_inf_nan=False)] | None = Field(
        default=0.8, description="Share answered within (Erlang never reaches 1)"
    )
    within_seconds: float = Field(default=15, ge=0, le=3600, allow_inf_nan=False)
    max_asa_seconds: Seconds | None = None
    max_abandon: Annotated[float, Field(ge=0.0001, lt=1, allow_inf_nan=False)] | None = None
    max_occupancy: Annotated[float, Field(ge=0.05, le=1, allow_inf_nan=False)] | None = None
    patience_seconds: Seconds | None = Field(
        default=None, description="Mean patience: Erlang A (abandonment); none: Erlang C"
    )
    shrinkage: dict[str, Annotated[float, Field(ge=0, lt=1)]] = Field(
        default_factory=dict, description="Shares of paid time off the phones: breaks, training…"
    )
    pools: dict[str, list[str]] | None = Field(
        default=None, description="Queues that share agents; none: the queues of one skill"
    )


def request_from(**fields: Any) -> StaffingIn:
    """A request built from loose values (query parameters, command options), its schema's
    complaints turned into a refusal naming the field, as a posted body's would be."""
    try:
        return StaffingIn(**fields)
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(part) for part in first["loc"]) or "body"
        raise CenterRefused(
            _("The staffing request is not valid: %(reason)s"), field=field, reason=first["msg"]
        ) from exc


def plan(request: StaffingIn) -> dict[str, Any]:
    """The plan the API, the CLI and the page show; refusals name the request's field.

    Rules between fields that the schema cannot state (one source of volumes, equal lengths,
    shrinkage adding up to less than 1, a target to meet…) are refused as conflicts (409),
    as everywhere in the API; the schema's own rules answer 422."""
    if (request.queues is None) == (not request.from_history):
        raise CenterRefused(
            _("Give either queues (posted intervals) or from_history, not both."),
            field="from_history",
            kind="conflict",
        )
    target = _refused_unless(
        lambda: Target(
            service_level=request.service_level,
            within=request.within_seconds,
            max_asa=request.max_asa_seconds,
            max_abandon=request.max_abandon,
            max_occupancy=request.max_occupancy,
            patience=request.patience_seconds,
        )
    )
    shrinkage = _refused_unless(lambda: Shrinkage(dict(request.shrinkage)), prefix="")
    if request.queues is not None:
        forecasts, about, start = _posted(request)
    else:
        forecasts, about, start = _from_history(request)
    pools = request.pools if request.pools is not None else _pools_by_skill(list(forecasts))
    plans = _refused_unless(
        lambda: staff_pools(forecasts, pools, target, float(request.interval_seconds), shrinkage),
        names=[q.queue for q in request.queues or []],
    )
    return _answer(request, target, shrinkage, plans, about, start)


def _refused_unless(make: Any, prefix: str = "", names: list[str] | None = None) -> Any:
    """The core's StaffingError as a refusal naming the request's field."""
    try:
        return make()
    except StaffingError as exc:
        field = exc.field
        for index, name in enumerate(names or []):
            field = field.replace(f"queues.{name}.", f"queues[{index}].", 1)
        field = {"target": "service_level", "within": "within_seconds"}.get(field, field)
        raise CenterRefused(
            _("The staffing request is not valid: %(reason)s"),
            field=f"{prefix}{field}",
            kind="conflict",
            reason=exc.reason,
        ) from exc


def _posted(request: StaffingIn) -> tuple[dict[str, QueueForecast], dict[str, Any], None]:
    queues = request.queues or []
    seen: set[str] = set()
    lengths = {len(q.calls) for q in queues}
    for index, item in enumerate(queues):
        if item.queue in seen:
            raise CenterRefused(
                _("Queue %(name)s is listed twice."),
                field=f"queues[{index}].queue",
                kind="conflict",
                name=item.queue,
            )
        seen.add(item.queue)
        if len(item.calls) != max(lengths):
            raise CenterRefused(
                _("Every queue needs the same number of intervals (%(count)s)."),
                field=f"queues[{index}].calls",
                kind="conflict",
                count=max(lengths),
            )
        if isinstance(item.aht_seconds, list) and len(item.aht_seconds) != len(item.calls):
            raise CenterRefused(
                _("Give one handle time, or one per interval."),
                field=f"queues[{index}].aht_seconds",
                kind="conflict",
            )
    forecasts = {q.queue: QueueForecast(q.calls, q.aht_seconds) for q in queues}
    about = {q.queue: {"source": "posted", "history_days": 0, "handled": 0} for q in queues}
    return forecasts, about, None


def _pools_by_skill(queue_names: list[str]) -> dict[str, list[str]]:
    """Queues answered by the same skill share agents; a queue not configured stands alone."""
    skill_of = {q.name: q.skill.name for q in selectors.queues().select_related("skill")}
    pools: dict[str, list[str]] = defaultdict(list)
    for name in queue_names:
        pools[skill_of.get(name, name)].append(name)
    return dict(pools)


def _from_history(
    request: StaffingIn,
) -> tuple[dict[str, QueueForecast], dict[str, Any], dt.datetime]:
    configured = [q.name for q in selectors.queues()]
    names = request.history_queues or configured
    for index, name in enumerate(names):
        if name not in configured:
            raise NotThere(
                _("There is no active queue %(name)s."), field=f"history_queues[{index}]", name=name
            )
    if not names:
        raise NotThere(_("The center has no queues to plan."), field="history_queues")
    day = request.date or (timezone.localdate() + dt.timedelta(days=1))
    start = timezone.make_aware(dt.datetime.combine(day, dt.time.min))
    first = start - dt.timedelta(weeks=request.weeks)
    slots = DAY // request.interval_seconds
    arrivals, handle = _recorded(names, first, start, request.interval_seconds)
    forecasts: dict[str, QueueForecast] = {}
    about: dict[str, Any] = {}
    for name in names:
        calls, method = _forecast_day(arrivals.get(name), day, slots)
        times = handle.get(name, [])
        aht = float(np.mean(times)) if times else DEFAULT_AHT
        forecasts[name] = QueueForecast(calls, aht)
        about[name] = {
            "source": "history",
            "method": method,
            "history_days": int(0 if arrivals.get(name) is None else len(arrivals[name])),
            "handled": len(times),
        }
    return forecasts, about, start


def _recorded(
    names: list[str], first: dt.datetime, end: dt.datetime, interval: int
) -> tuple[dict[str, dict[dt.date, np.ndarray]], dict[str, list[float]]]:
    """Arrivals per queue, local day and slot; handle seconds (answered to wrapped) per queue."""
    return _arrivals(names, first, end, interval), _handle_times(names, first, end)


def _arrivals(
    names: list[str], first: dt.datetime, end: dt.datetime, interval: int
) -> dict[str, dict[dt.date, np.ndarray]]:
    """Binned with numpy against the local midnights of the window, not converted one by one
    (only the rows of a day with a clock change, 23 or 25 hours long, are read on the wall
    clock one at a time; a 25-hour day's repeated hour lands in the same slots twice)."""
    slots = DAY // interval
    first_day = timezone.localtime(first).date()
    days = [first_day + dt.timedelta(days=k) for k in range((end - first).days + 2)]
    midnights = np.array(
        [timezone.make_aware(dt.datetime.combine(d, dt.time.min)).timestamp() for d in days]
    )
    arrivals: dict[str, dict[dt.date, np.ndarray]] = defaultdict(dict)
    rows = (
        selectors.journal_between(first, end)
        .filter(kind="contact.arrived", queue__in=names)
        .values_list("queue", "at")
    )
    by_queue: dict[str, list[float]] = defaultdict(list)
    for queue, at in rows:
        by_queue[queue].append(at.timestamp())
    clock_change = np.append(np.diff(midnights) != DAY, False)  # a 23- or 25-hour day
    zone = timezone.get_current_timezone()
    for queue, stamps in by_queue.items():
        seconds = np.asarray(stamps)
        day = np.searchsorted(midnights, seconds, side="right") - 1
        wall = seconds - midnights[day]
        for i in np.flatnonzero(clock_change[day]):  # the few rows of such days: one by one
            local = dt.datetime.fromtimestamp(seconds[i], tz=zone)
            wall[i] = local.hour * 3600 + local.minute * 60 + local.second
        slot = np.minimum(wall // interval, slots - 1).astype(np.int64)
        counts = np.zeros((len(days), slots))
        np.add.at(counts, (day, slot), 1)
        for index in np.flatnonzero(counts.sum(axis=1)):
            arrivals[queue][days[index]] = counts[index]
    return arrivals


def _handle_times(names: list[str], first: dt.datetime, end: dt.datetime) -> dict[str, list[float]]:
    """From the last week of the window only, which is plenty for a mean and keeps the pairing
    of answered and wrapped rows small."""
    answered: dict[int, tuple[dt.datetime, str]] = {}
    handle: dict[str, list[float]] = defaultdict(list)
    recent = selectors.journal_between(max(first, end - dt.timedelta(days=7)), end).filter(
        kind__in=("contact.answered", "contact.wrapped")
    )
    for kind, at, queue, contact_id in recent.values_list("kind", "at", "queue", "contact_id"):
        if kind == "contact.answered" and contact_id is not None:
            answered[contact_id] = (at, queue)
        elif kind == "contact.wrapped" and contact_id in answered:
            began, queue_answered = answered.pop(contact_id)
            if queue_answered in names:
                handle[queue_answered].append((at - began).total_seconds())
    return handle


def _forecast_day(
    days: dict[dt.date, np.ndarray] | None, planned: dt.date, slots: int
) -> tuple[np.ndarray, str]:
    """The day's expected arrivals per slot from the recorded days.

    Days without a recorded arrival are not in the journal: they count as closed, not as
    zero-volume days. A weekday never seen in more than a week of history was closed (no
    Sunday in four weeks: nobody on Sunday); with less than a week, the plan falls back to one
    time-of-day shape over all recorded days."""
    if not days:
        return np.zeros(slots), "no history"
    ordered = sorted(days)
    counts = np.array([days[d] for d in ordered])
    weekdays = np.array([d.weekday() for d in ordered])
    if planned.weekday() in set(weekdays.tolist()):
        model = fc.fit(counts, weekdays)
        return model.forecast([planned.weekday()])[0], "weekday x time of day"
    if (planned - ordered[0]).days > 7:
        return np.zeros(slots), "closed on this weekday"
    model = fc.fit(counts, np.zeros(len(ordered), dtype=np.int64))
    return model.forecast([0])[0], "time of day (no history for this weekday)"


def _answer(
    request: StaffingIn,
    target: Target,
    shrinkage: Shrinkage,
    plans: dict[str, PoolPlan],
    about: dict[str, Any],
    start: dt.datetime | None,
) -> dict[str, Any]:
    step = request.interval_seconds
    size = len(next(iter(plans.values())).pooled.calls)
    labels = [_label(i * step, start) for i in range(size)]
    pools = [_pool_answer(name, pool) for name, pool in plans.items()]
    agents = np.sum([p["agents"] for p in pools], axis=0)
    scheduled = np.sum([p["scheduled"] for p in pools], axis=0)
    return {
        "model": target.model,
        "date": start.date().isoformat() if start else None,
        "interval_seconds": step,
        "intervals": labels,
        "target": _target_answer(target),
        "shrinkage": round(shrinkage.total, 4),
        "queues": about,
        "pools": pools,
        "agents": agents.tolist(),
        "scheduled": scheduled.tolist(),
        "saving": int(sum(p["separate_agent_intervals"] - p["agent_intervals"] for p in pools)),
    }


def _pool_answer(name: str, pool: PoolPlan) -> dict[str, Any]:
    p = pool.pooled
    return {
        "name": name,
        "queues": list(pool.separate),
        "calls": _floats(p.calls),
        "aht_seconds": _floats(p.aht),
        "agents": p.agents.tolist(),
        "scheduled": p.scheduled.tolist(),
        "service_level": _floats(p.service_level, 4),
        "asa_seconds": _floats(p.asa),
        "occupancy": _floats(p.occupancy, 4),
        "abandon": _floats(p.p_abandon, 4),
        "separate_agents": pool.separate_agents.tolist(),
        "saving": pool.saving.tolist(),
        "agent_intervals": p.agent_intervals,
        "scheduled_intervals": p.scheduled_intervals,
        "separate_agent_intervals": int(pool.separate_agents.sum()),
    }


def _target_answer(target: Target) -> dict[str, Any]:
    return {
        "service_level": target.service_level,
        "within_seconds": target.within,
        "max_asa_seconds": target.max_asa,
        "max_abandon": target.max_abandon,
        "max_occupancy": target.max_occupancy,
        "patience_seconds": target.patience,
    }


def _label(offset: int, start: dt.datetime | None) -> str:
    """``HH:MM`` of the interval's start; posted intervals count from 00:00 of day 1."""
    if start is not None:
        return (start + dt.timedelta(seconds=offset)).strftime("%H:%M")
    day, rest = divmod(offset, DAY)
    clock = f"{rest // 3600:02d}:{rest % 3600 // 60:02d}"
    return clock if day == 0 else f"+{day}d {clock}"


def _floats(values: np.ndarray, digits: int = 2) -> list[float]:
    return [round(float(v), digits) if np.isfinite(v) else -1.0 for v in values]
