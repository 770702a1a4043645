"""State reports: records that say how something *is* now (a stock level), not what happened.

A legacy inventory sends its whole stock as a file of a million levels every night. Each row
is a canonical ``stock.level_reported`` event, but taking them one by one through ingestion
(envelope and payload validated per row, a received-event row per row) costs two minutes and
leaves a million received-event rows a night. A report of a state has a better identity than
its event id: **what it is about and when it was true** (SKU@location, ``occurred_at``). So
these streams are applied as sets, a chunk at a time, in the caller's transaction:

1. each record is mapped by the lean path of the mapper and its payload validated in one call
   for the chunk (a ``TypedDict`` mirror of the payload model: same rules, same messages);
   within a chunk, the newest report per key wins;
2. commerce (:func:`lealtad.commerce.services.stock_levels.set_levels`, which channels reaches
   through :mod:`lealtad.core.stock_port`) refuses the levels it
   cannot take (unknown SKU or location, below the units reserved): they are rejected with
   their field — unless they are no newer than the state applied (below), then they are
   ``duplicate`` like any repeat;
3. of the levels commerce accepts, those newer than the report last applied for their key —
   whose time is kept per key in :class:`~lealtad.channels.models.ReportedState` — claim it:
   its time moves forward. The others are ``duplicate`` and have no effect (a repeated or
   late file never moves a level back);
4. commerce writes the claimed levels, only the rows that change, and announces them in one
   ``stock.levels_changed`` message per chunk.

``POST /api/v1/events`` takes ``stock.level_reported`` too, through ingestion as usual; its
applier (:func:`apply_events`) runs steps 2 to 4. How each database runs step 3 (a look-up
then an upsert on SQLite, one upsert on PostgreSQL) is in :class:`_Sqlite` and
:class:`_Postgres`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated, Any, NotRequired

from django.db import connection
from django.utils.dateparse import parse_datetime
from pydantic import (
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    TypeAdapter,
    ValidationError,
    ValidationInfo,
    field_validator,
)
from typing_extensions import TypedDict

from lealtad.channels.models import ReportedState
from lealtad.core import array_params, envelope, stock_port
from lealtad.core.audit import Actor
from lealtad.core.db import upsert_rows
from lealtad.core.envelope import ValidEvent
from lealtad.core.errors import DomainError

STOCK_LEVEL = "stock.level_reported"
KIND = "stock_level"  # ReportedState.kind of the kept reports
CREATED, DUPLICATE, REJECTED = "created", "duplicate", "rejected"  # as ingestion says
_KEYS_PER_QUERY = 5000


class StockLevelPayload(BaseModel):
    """``stock.level_reported``: units on hand of a SKU at a location, per the inventory.

    ``reserved`` is the reporting system's own figure, kept with the report; Lealtad's
    reserved units are those of its open orders, and only ``on_hand`` is applied.
    """

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    sku: str = Field(min_length=1, max_length=64)
    location: str = Field(min_length=1, max_length=64)
    on_hand: int = Field(ge=0, le=10**9)
    reserved: int = Field(default=0, ge=0, le=10**9)
    as_of: AwareDatetime | None = None


class StockLevelReported(StockLevelPayload):
    """``stock.level_reported``: units on hand of a SKU at a location, per the inventory.

    As ``POST /api/v1/events`` checks it: against the catalog and the units reserved, so a
    level commerce would refuse is rejected with its field before anything is written (files
    check the same in bulk, in :func:`apply`)."""

    @field_validator("sku")
    @classmethod
    def _known_sku(cls, sku: str) -> str:
        return _passes(stock_port.keeper().check_sku(sku), sku)

    @field_validator("location")
    @classmethod
    def _known_location(cls, code: str) -> str:
        return _passes(stock_port.keeper().check_location(code), code)

    @field_validator("on_hand")
    @classmethod
    def _not_below_reserved(cls, on_hand: int, info: ValidationInfo) -> int:
        sku, location = info.data.get("sku"), info.data.get("location")
        if not (sku and location):
            return on_hand
        return _passes(stock_port.keeper().check_on_hand(sku, location, on_hand), on_hand)


def _passes(refusal: stock_port.Refusal | None, value: Any) -> Any:
    if refusal is not None:
        raise ValueError(refusal.message)
    return value


def _rows_adapter(model: type[BaseModel]) -> tuple[TypeAdapter[Any], dict[str, Any]]:
    """A validator of a list of payloads with ``model``'s rules and messages, that returns
    plain dicts: a model instance per row costs four times the validation itself."""
    fields: dict[str, Any] = {}
    defaults: dict[str, Any] = {}
    for name, info in model.model_fields.items():
        kind: Any = info.annotation
        if info.metadata:
            kind = Annotated.__class_getitem__((kind, *info.metadata))  # type: ignore[attr-defined]
        if info.is_required():
            fields[name] = kind
        else:
            fields[name] = NotRequired[kind]
            defaults[name] = info.get_default(call_default_factory=True)
    row = TypedDict(f"{model.__name__}Row", fields)  # type: ignore[misc]
    row.__pydantic_config__ = model.model_config  # type: ignore[attr-defined]
    return TypeAdapter(list[row]), defaults


_STOCK_ROWS, _STOCK_DEFAULTS = _rows_adapter(StockLevelPayload)


def validate(payloads: list[Any]) -> tuple[list[dict[str, Any] | None], dict[int, list]]:
    """Each payload validated (defaults filled in), or its errors by canonical path."""
    try:
        rows = _STOCK_ROWS.validate_python(payloads)
        return [{**_STOCK_DEFAULTS, **row} for row in rows], {}
    except ValidationError as exc:
        errors: dict[int, list[dict[str, str]]] = {}
        for err in exc.errors():
            index, *path = err["loc"]
            where = ".".join(["payload", *(str(p) for p in path)])
            message = err["msg"].removeprefix("Value error, ")
            errors.setdefault(int(index), []).append({"field": where, "message": message})
    good = [p for i, p in enumerate(payloads) if i not in errors]
    valid = iter(_STOCK_ROWS.validate_python(good))
    return [
        None if i in errors else {**_STOCK_DEFAULTS, **next(valid)} for i in range(len(payloads))
    ], errors


@dataclass(slots=True)
class Report:
    """One mapped, validated record: ``position`` is its place in the caller's list."""

    position: int
    payload: dict[str, Any]
    occurred_at: datetime


@dataclass(frozen=True, slots=True)
class Verdict:
    status: str
    errors: tuple[dict[str, str], ...] = ()
    changed: bool = False


_APPLIED = Verdict(CREATED, changed=True)
_UNCHANGED = Verdict(CREATED)
_REPEATED = Verdict(DUPLICATE)


def apply(system: str, reports: Sequence[Report], key: str, actor: Actor) -> dict[int, Verdict]:
    """Apply a chunk of stock level reports from ``system``; a verdict per position."""
    verdicts: dict[int, Verdict] = {}
    latest = list(_latest_per_key(reports, verdicts).values())
    claimed: set[int] = set()

    def newer(accepted: list[int]) -> set[int]:
        """Of the levels commerce accepts, those newer than the state applied (now claimed)."""
        keys = [_key(latest[i].payload) for i in accepted]
        fresh = _backend().claim(system, keys, [latest[i].occurred_at for i in accepted])
        claimed.update(i for i, k in zip(accepted, keys, strict=True) if k in fresh)
        return claimed

    stock = stock_port.keeper()
    done = stock.set_levels(
        [
            stock.Level(
                r.payload["sku"], r.payload["location"], r.payload["on_hand"], r.occurred_at
            )
            for r in latest
        ],
        key=key,
        actor=actor,
        channel=system,
        newer=newer,
    )
    late = _no_newer(system, [latest[i] for i in done.refused])
    changed = set(done.changed)
    for index, report in enumerate(latest):
        refusal = done.refused.get(index)
        if index in claimed:
            verdicts[report.position] = _APPLIED if index in changed else _UNCHANGED
        elif refusal is None or report.position in late:
            verdicts[report.position] = _REPEATED
        else:
            problem = {"field": f"payload.{refusal.field}", "message": refusal.message}
            verdicts[report.position] = Verdict(REJECTED, (problem,))
    return verdicts


def _latest_per_key(reports: Sequence[Report], verdicts: dict[int, Verdict]) -> dict[str, Report]:
    """The newest report of each key; the others repeat it. Of two as new, the first wins,
    as it does across batches and files (the second is no newer than the state applied)."""
    latest: dict[str, Report] = {}
    for report in reports:
        level_key = _key(report.payload)
        kept = latest.get(level_key)
        if kept is None or report.occurred_at > kept.occurred_at:
            if kept is not None:
                verdicts[kept.position] = _REPEATED
            latest[level_key] = report
        else:
            verdicts[report.position] = _REPEATED
    return latest


def _key(payload: dict[str, Any]) -> str:
    return f"{payload['sku']}@{payload['location']}"


def _no_newer(system: str, reports: list[Report]) -> set[int]:
    """Positions of the reports no newer than the state last applied for their key."""
    if not reports:
        return set()
    moments = _Moments()
    kept = dict(_backend().kept(system, [_key(r.payload) for r in reports]))
    return {
        r.position
        for r in reports
        if (before := kept.get(_key(r.payload))) is not None
        and r.occurred_at <= moments.read(before)
    }


class _Moments:
    """Datetimes as read from the column (a file repeats a few times a million times)."""

    def __init__(self) -> None:
        self._read: dict[Any, datetime] = {}

    def read(self, value: Any) -> datetime:
        """As read raw: text on SQLite (UTC), aware on PostgreSQL."""
        moment = self._read.get(value)
        if moment is None:
            parsed = value if isinstance(value, datetime) else parse_datetime(value)
            if parsed is None:
                raise ValueError(f"not a stored datetime: {value!r}")
            moment = self._read[value] = parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
        return moment


_TABLE = ReportedState._meta.db_table
_KEPT = f'SELECT "key", occurred_at FROM {_TABLE} WHERE "system" = %s AND kind = %s AND "key"'
_NEWER = "excluded.occurred_at > {table}.occurred_at"  # an older or equal report changes nothing
_UPSERT = (
    f'INSERT INTO {_TABLE} ("system", kind, "key", occurred_at) {{rows}} '
    'ON CONFLICT ("system", kind, "key") DO UPDATE SET occurred_at = excluded.occurred_at '
    f"WHERE {_NEWER.format(table=_TABLE)}"
)


class _Sqlite:
    """SQLite: the kept times are read (keys as ``IN`` lists), compared here, and the newer
    written with ``executemany``; no other writer runs meanwhile."""

    def kept(self, system: str, keys: list[str]) -> list[tuple[str, Any]]:
        found = []
        with connection.cursor() as cursor:
            for start in range(0, len(keys), _KEYS_PER_QUERY):
                part = keys[start : start + _KEYS_PER_QUERY]
                marks = ", ".join(["%s"] * len(part))
                cursor.execute(f"{_KEPT} IN ({marks})", [system, KIND, *part])
                found.extend(cursor.fetchall())
        return found

    def claim(self, system: str, keys: list[str], times: list[datetime]) -> set[str]:
        """The keys whose report is newer than the kept one; their times moved forward."""
        moments = _Moments()
        kept = dict(self.kept(system, keys))
        fresh = [
            (key, moment)
            for key, moment in zip(keys, times, strict=True)
            if (before := kept.get(key)) is None or moment > moments.read(before)
        ]
        upsert_rows(
            ReportedState,
            ("system", "kind", "key", "occurred_at"),
            [(system, KIND, key, moment) for key, moment in fresh],
            key=("system", "kind", "key"),
            when=_NEWER,
        )
        return {key for key, _ in fresh}


class _Postgres:
    """PostgreSQL: one upsert moves the newer reports' times forward and returns their keys
    (no look-up first: the write finds each key, one probe of the primary key, and holds it
    until commit, so a concurrent report of the same key waits and is then compared with
    this one). Keys and times go as arrays bound in binary."""

    def kept(self, system: str, keys: list[str]) -> list[tuple[str, Any]]:
        # LATERAL … LIMIT 1: one probe per key. As a join or ``= ANY``, thousands of keys
        # are planned as a scan of the whole table.
        return array_params.fetch(  # type: ignore[return-value]
            f"SELECT u.k, r.occurred_at FROM unnest(%b::text[]) AS u(k) CROSS JOIN LATERAL "
            f'(SELECT occurred_at FROM {_TABLE} WHERE "system" = %b AND kind = %b '
            'AND "key" = u.k LIMIT 1) AS r',
            [keys, system, KIND],
        )

    def claim(self, system: str, keys: list[str], times: list[datetime]) -> set[str]:
        rows = "SELECT %b, %b, k, o FROM unnest(%b::text[], %b::timestamptz[]) AS x(k, o)"
        found = array_params.fetch(
            _UPSERT.format(rows=rows) + ' RETURNING "key"', [system, KIND, keys, times]
        )
        return {key for (key,) in found}


def _backend() -> _Sqlite | _Postgres:
    return _POSTGRES if connection.vendor == "postgresql" else _SQLITE


_SQLITE, _POSTGRES = _Sqlite(), _Postgres()


# Ingestion (POST /api/v1/events) --------------------------------------------------------------


class Refused(DomainError):
    """A level commerce refused after validation passed (the catalog or the reserved units
    changed in between): the batch is not applied, and sending it again reports why."""

    code = "stock_level_refused"
    kind = "conflict"


def apply_events(events: Sequence[ValidEvent], actor: Actor) -> list[int]:
    """The ingestion applier of ``stock.level_reported``: the same steps as a file's chunk."""
    reports = [
        Report(i, e.payload.model_dump(mode="json"), e.envelope.occurred_at)
        for i, e in enumerate(events)
    ]
    key = f"{events[0].envelope.channel}:events:{events[0].envelope.id}" if events else ""
    by_channel: dict[str, list[Report]] = {}
    for report, event in zip(reports, events, strict=True):
        by_channel.setdefault(event.envelope.channel, []).append(report)
    for channel, part in by_channel.items():
        verdicts = apply(channel, part, key, actor)
        refused = [v for v in verdicts.values() if v.status == REJECTED]
        if refused:
            raise Refused(refused[0].errors[0]["message"])
    return [None] * len(events)  # type: ignore[list-item]  # about no customer


def register_missing() -> list[str]:
    if envelope.event_type(STOCK_LEVEL) is not None:
        return []
    envelope.register(
        STOCK_LEVEL, StockLevelReported, apply_events, StockLevelPayload.__doc__ or ""
    )
    return [STOCK_LEVEL]
