"""Inbound records → canonical events → :func:`lealtad.channels.services.ingest`.

A batch of ``(line, record)`` pairs is mapped (:mod:`.mapping`) and ingested in the caller's
transaction, one :class:`Outcome` per record; a bad record is rejected with its external
field and kept as a :class:`Reject` for replay, and writes nothing. Streams of state reports
(stock levels) take the set-based path of :mod:`.state_reports`. Files
(:mod:`.inbound_files`), webhook posts (:mod:`.inbound_webhooks`) and replays
(:mod:`.inbound_replay`) all come through :func:`apply_records`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.utils import timezone

from lealtad.channels import services
from lealtad.channels.connectors import state_reports
from lealtad.channels.connectors.mapping import InboundMapper, Mapped
from lealtad.channels.connectors.owned_events import NOT_ABOUT_CUSTOMER
from lealtad.channels.connectors.spec import Connector, Inbound
from lealtad.channels.models import Reject
from lealtad.core import envelope
from lealtad.core.audit import Actor

FILE_REJECT = "__file__"
BROKEN_LINE = "__line__"


def actor(connector: Connector) -> Actor:
    return Actor(label=f"connector {connector.name}", channel=connector.system)


def mapper(connector: Connector, stream: Inbound) -> InboundMapper:
    return InboundMapper(
        connector,
        stream,
        timezone.get_default_timezone(),
        about_customer=stream.event_type not in NOT_ABOUT_CUSTOMER,
        optional=_set_aside_fields(stream.event_type),
    )


def _set_aside_fields(event_type: str) -> frozenset[str]:
    """The payload fields of this event type a bad value of which is set aside, not refused."""
    kind = envelope.event_type(event_type)
    return getattr(kind.payload_model, "SET_ASIDE", frozenset()) if kind else frozenset()


@dataclass(slots=True)
class Outcome:
    """One record's fate: ``created``, ``duplicate`` or ``rejected`` with its errors."""

    line: int
    status: str
    event_id: str | None = None
    customer_id: int | None = None
    errors: list[dict[str, str]] = field(default_factory=list)
    changed: bool = False  # state reports: whether the record changed what it reports on


# Applying a batch ------------------------------------------------------------------------------


def apply_records(
    connector: Connector,
    stream: Inbound,
    items: list[tuple[int, dict[str, Any]]],
    received_at: datetime,
    source: str = "",
    prepared: Prepared | None = None,
) -> list[Outcome]:
    """Map and ingest ``(line, record)`` pairs; runs in the caller's transaction. Streams of
    state reports (stock levels) take the set-based path of :mod:`.state_reports`, whose
    first half (``prepared``) a file's reader may already have done."""
    if is_state_report(connector, stream):
        if prepared is None:
            prepared = prepare_reports(connector, stream, items, received_at)
        return _apply_reports(connector, stream, items, prepared, source)
    to_map = mapper_for(connector, stream)
    return ingest_mapped(
        connector, [(line, _map(to_map, record, received_at)) for line, record in items]
    )


def is_state_report(connector: Connector, stream: Inbound) -> bool:
    return stream.event_type == state_reports.STOCK_LEVEL and mapper_for(connector, stream).flat()


@dataclass
class Prepared:
    """A batch of state reports mapped and validated, before the database is touched."""

    outcomes: list[Outcome | None]  # the rejected so far; None where a report goes on
    reports: list[state_reports.Report]
    where: dict[int, Mapped]  # by position: how to name the external field of an error


def prepare_reports(
    connector: Connector,
    stream: Inbound,
    items: list[tuple[int, dict[str, Any]]],
    received_at: datetime,
) -> Prepared:
    """Map each record (lean path) and validate the batch's payloads in one call. Plain
    Python, no database: a file's reader thread prepares the next batch meanwhile."""
    to_map = mapper_for(connector, stream)
    outcomes: list[Outcome | None] = [None] * len(items)
    mapped: list[tuple[int, Mapped]] = []
    for i, (line, record) in enumerate(items):
        m = _map(to_map, record, received_at, lean=True)
        if m.event is None:
            outcomes[i] = Outcome(line, services.REJECTED, errors=m.problems)
        else:
            mapped.append((i, m))
    valid, invalid = state_reports.validate([m.event["payload"] for _, m in mapped])  # type: ignore[index]
    moments: dict[str, datetime | None] = {}
    reports = []
    for n, ((i, m), payload) in enumerate(zip(mapped, valid, strict=True)):
        problems = invalid.get(n, [])
        occurred_at = _moment(m.event["occurred_at"], moments)  # type: ignore[index]
        if occurred_at is None:
            problems.append({"field": "occurred_at", "message": "is not a date and time"})
        if problems or payload is None or occurred_at is None:
            errors = [{"field": m.locate(p["field"]), "message": p["message"]} for p in problems]
            outcomes[i] = Outcome(items[i][0], services.REJECTED, errors=errors)
            continue
        reports.append(state_reports.Report(i, payload, occurred_at))
    return Prepared(outcomes, reports, dict(mapped))


def _apply_reports(
    connector: Connector,
    stream: Inbound,
    items: list[tuple[int, dict[str, Any]]],
    prepared: Prepared,
    source: str,
) -> list[Outcome]:
    """Hand the prepared reports to :func:`.state_reports.apply`; one outcome per record."""
    outcomes = list(prepared.outcomes)
    if prepared.reports:
        services.register_system(connector.system, connector.description)
        lines = f"{items[0][0]}-{items[-1][0]}"
        key = f"{connector.name}:{stream.name}:{source}:{lines}"
        reports = prepared.reports
        verdicts = state_reports.apply(connector.system, reports, key, actor(connector))
        for report in reports:
            verdict = verdicts[report.position]
            outcome = Outcome(items[report.position][0], verdict.status, changed=verdict.changed)
            for e in verdict.errors:
                field_ = prepared.where[report.position].locate(e["field"])
                outcome.errors.append({"field": field_, "message": e["message"]})
            outcomes[report.position] = outcome
    return [o for o in outcomes if o is not None]


def _moment(text: Any, seen: dict[str, datetime | None]) -> datetime | None:
    """An aware datetime from the mapper's ISO text (a file repeats a few)."""
    if not isinstance(text, str):
        return None
    if text not in seen:
        try:
            moment: datetime | None = datetime.fromisoformat(text)
        except ValueError:
            moment = None
        seen[text] = moment if moment is not None and moment.tzinfo is not None else None
    return seen[text]


def _map(
    to_map: InboundMapper, record: dict[str, Any], received_at: datetime, lean: bool = False
) -> Mapped:
    if BROKEN_LINE in record:
        return Mapped(None, [{"field": "(line)", "message": str(record.get("error", ""))}])
    return to_map.fields(record, received_at) if lean else to_map.map(record, received_at)


_MAPPERS: dict[tuple[int, str], InboundMapper] = {}


def mapper_for(connector: Connector, stream: Inbound) -> InboundMapper:
    key = (id(connector), stream.name)
    found = _MAPPERS.get(key)
    if found is None or found.connector is not connector:
        found = _MAPPERS[key] = mapper(connector, stream)
    return found


def ingest_mapped(connector: Connector, mapped: list[tuple[int, Mapped]]) -> list[Outcome]:
    outcomes: list[Outcome | None] = [None] * len(mapped)
    events: list[tuple[int, Mapped]] = []
    for i, (line, m) in enumerate(mapped):
        if m.event is None:
            outcomes[i] = Outcome(line, services.REJECTED, errors=m.problems)
        else:
            events.append((i, m))
    if events:
        services.register_system(connector.system, connector.description)
        results = services.ingest(
            [m.event for _, m in events],
            actor(connector),
            set_aside_before=[m.set_aside for _, m in events],
        )
        for (i, m), result in zip(events, results, strict=True):
            errors = [
                {"field": m.locate(e["field"]), "message": e["message"]} for e in result.errors
            ]
            outcomes[i] = Outcome(
                mapped[i][0], result.status, result.id, result.customer_id, errors
            )
    return [o for o in outcomes if o is not None]


def reject_rows(
    connector: Connector, stream: Inbound, source: str, items: list, outcomes: list[Outcome]
) -> list[Reject]:
    rows = []
    for (line, record), outcome in zip(items, outcomes, strict=True):
        if outcome.status != services.REJECTED:
            continue
        first = outcome.errors[0] if outcome.errors else {"field": "", "message": "rejected"}
        rows.append(
            Reject(
                connector=connector.name,
                stream=stream.name,
                source=source[:300],
                line=line,
                field=first["field"][:200],
                message=first["message"],
                errors=outcome.errors,
                record=record,
                event_id=(outcome.event_id or "")[:120],
            )
        )
    return rows
