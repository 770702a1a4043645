"""Ingestion: validate canonical events at the edge, drop repeats, apply the rest atomically.

A batch is validated whole before anything is written; a rejected event writes nothing and
reports each bad field by its path. A bad *optional* field of a customer's profile does not
reject its event: it is set aside, recorded as a data-quality issue and reported back as a
warning (docs/data-quality.md). The accepted events of a batch, their business rows, audit
rows and outbox rows commit in one transaction, so an acknowledged event is stored exactly once.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from itertools import groupby
from typing import Any

from django.db import IntegrityError
from django.utils import timezone
from pydantic import ValidationError

from lealtad.channels.models import ExternalSystem, ReceivedEvent
from lealtad.core import envelope, group_commit, normalize, set_aside
from lealtad.core.audit import Actor
from lealtad.core.db import insert_new, new_row
from lealtad.core.envelope import Envelope, ValidEvent
from lealtad.core.set_aside import FieldIssue

CREATED, DUPLICATE, REJECTED = "created", "duplicate", "rejected"


@dataclass
class EventResult:
    id: str | None
    status: str
    customer_id: int | None = None
    errors: list[dict[str, str]] = field(default_factory=list)
    warnings: list[dict[str, str]] = field(default_factory=list)


def _errors(exc: ValidationError, prefix: str = "") -> list[dict[str, str]]:
    out = []
    for err in exc.errors():
        path = ".".join(str(p) for p in (prefix, *err["loc"]) if p != "")
        message = err["msg"].removeprefix("Value error, ")
        out.append({"field": path or "(event)", "message": message})
    return out


def known_channels() -> set[str]:
    return set(envelope.BUILTIN_CHANNELS) | set(
        ExternalSystem.objects.values_list("name", flat=True)
    )


def validate(raw: Any, channels: set[str], allowed: frozenset[str]) -> ValidEvent | EventResult:
    """A valid event, or the rejection that says what is wrong and where."""
    event_id = raw.get("id") if isinstance(raw, dict) else None
    control = normalize.control_in(raw)
    if control is not None:
        where, char = control
        problem = {
            "field": where or "(event)",
            "message": f"holds the control character U+{ord(char):04X}",
        }
        shown = str(event_id) if event_id and where != "id" else None
        return EventResult(shown, REJECTED, errors=[problem])
    try:
        env = Envelope.model_validate(raw)
    except ValidationError as exc:
        return EventResult(str(event_id) if event_id else None, REJECTED, errors=_errors(exc))
    problems = []
    if env.channel not in channels:
        problems.append({"field": "channel", "message": f"unknown channel {env.channel!r}"})
    elif allowed and env.channel not in allowed:
        problems.append(
            {"field": "channel", "message": f"this token may not send for {env.channel!r}"}
        )
    kind = envelope.event_type(env.type)
    if kind is None:
        problems.append({"field": "type", "message": f"unknown event type {env.type!r}"})
    if not env.customer.has_key() and not env.customer.name:
        problems.append({"field": "customer", "message": "name at least one identifier"})
    if problems or kind is None:
        return EventResult(env.id, REJECTED, errors=problems)
    optional: frozenset[str] = getattr(kind.payload_model, "SET_ASIDE", frozenset())
    try:
        payload, issues = set_aside.validate(kind.payload_model, env.payload, optional)
    except ValidationError as exc:
        return EventResult(env.id, REJECTED, errors=_errors(exc, "payload"))
    flags = getattr(payload, "flags", list)
    return ValidEvent(env, payload, (*issues, *env.customer.flags(), *flags()))


def ingest(
    raws: Sequence[Any],
    actor: Actor,
    allowed_channels: frozenset[str] = frozenset(),
    set_aside_before: Sequence[Sequence[FieldIssue]] = (),
) -> list[EventResult]:
    """Apply a batch; one result per input, in order.

    ``set_aside_before`` holds, per input, the optional fields an edge (CSV import, connector
    mapping) already left out of the event because it could not convert them: they are
    recorded and reported like those the schema sets aside.
    """
    channels = known_channels()
    checked = [validate(raw, channels, allowed_channels) for raw in raws]
    for i, noted in enumerate(set_aside_before):
        if noted and isinstance(checked[i], ValidEvent):
            event = checked[i]
            assert isinstance(event, ValidEvent)
            checked[i] = replace(event, issues=(*noted, *event.issues))
    checked = _repeats_known(checked)
    try:
        return _apply(checked, actor)
    except IntegrityError:
        # A concurrent request stored one of these ids first: re-run, they are duplicates now.
        return _apply(checked, actor)
    except ValueError:
        # A service refused an event while applying it: each event was checked against the
        # state before the batch, and an earlier one changed it (two returns of the same
        # units). Nothing of the batch was kept; apply them one by one so that only the
        # refused one is rejected, with the service's reason.
        return [_apply_alone(c, actor) for c in checked]


def _apply_alone(checked: ValidEvent | EventResult, actor: Actor) -> EventResult:
    if isinstance(checked, EventResult):
        return checked
    try:
        return _apply([checked], actor)[0]
    except IntegrityError:
        return _apply([checked], actor)[0]
    except ValueError as exc:
        return EventResult(
            checked.envelope.id, REJECTED, errors=[{"field": "payload", "message": str(exc)}]
        )


def _repeats_known(checked: list[ValidEvent | EventResult]) -> list[ValidEvent | EventResult]:
    """A repeat of an applied event may no longer pass payload checks that read the state it
    changed (an exchange's goods are back already): it is a duplicate all the same."""
    refused = {
        c.id: i
        for i, c in enumerate(checked)
        if isinstance(c, EventResult)
        and c.id
        and c.errors
        and all(e["field"].startswith("payload") for e in c.errors)
    }
    if not refused:
        return checked
    seen = ReceivedEvent.objects.filter(event_id__in=list(refused)).values_list(
        "event_id", flat=True
    )
    for event_id in seen:
        checked[refused[event_id]] = EventResult(event_id, DUPLICATE)
    return checked


def _apply(checked: list[ValidEvent | EventResult], actor: Actor) -> list[EventResult]:
    """In one transaction, which on SQLite other requests' events of the same actor may join
    (a group commit: single-event posts arriving together resolved and written as one batch,
    with one disk sync)."""
    _prepare(checked)
    return group_commit.in_batch(
        ("channels.ingest", actor), checked, lambda joined: _apply_now(joined, actor)
    )


def _prepare(checked: Sequence[ValidEvent | EventResult]) -> None:
    """Each event type's own preparation, before the transaction (:attr:`EventType.prepare`)."""
    for name in sorted({c.envelope.type for c in checked if isinstance(c, ValidEvent)}):
        kind = envelope.event_type(name)
        if kind is not None and kind.prepare is not None:
            kind.prepare()


def _apply_now(checked: list[ValidEvent | EventResult], actor: Actor) -> list[EventResult]:
    results: list[EventResult | None] = [c if isinstance(c, EventResult) else None for c in checked]
    valid = [(i, c) for i, c in enumerate(checked) if isinstance(c, ValidEvent)]
    seen = set(
        ReceivedEvent.objects.filter(event_id__in=[c.envelope.id for _, c in valid]).values_list(
            "event_id", flat=True
        )
    )
    fresh: list[tuple[int, ValidEvent]] = []
    for i, event in valid:
        if event.envelope.id in seen:
            results[i] = EventResult(event.envelope.id, DUPLICATE)
        else:
            seen.add(event.envelope.id)
            fresh.append((i, event))
    customer_ids = _apply_runs([e for _, e in fresh], actor)
    _remember(fresh, customer_ids, actor)
    for (i, event), cid in zip(fresh, customer_ids, strict=True):
        warnings = [issue.as_warning() for issue in event.issues]
        results[i] = EventResult(event.envelope.id, CREATED, customer_id=cid, warnings=warnings)
    return [r for r in results if r is not None]


def _apply_runs(events: list[ValidEvent], actor: Actor) -> list[int]:
    """Hand consecutive events of the same applier to it together, keeping their order."""
    ids: list[int] = []
    for apply, run in groupby(events, key=lambda e: _applier(e.envelope.type)):
        ids.extend(apply(list(run), actor))
    return ids


def _applier(type_name: str) -> envelope.Applier:
    kind = envelope.event_type(type_name)
    assert kind is not None, "validate() admits only registered types"
    return kind.apply


def _remember(fresh: Iterable[tuple[int, ValidEvent]], ids: list[int], actor: Actor) -> None:
    now = timezone.now()
    insert_new(
        [
            new_row(
                ReceivedEvent,
                event_id=e.envelope.id,
                event_type=e.envelope.type,
                channel=e.envelope.channel,
                occurred_at=e.envelope.occurred_at,
                received_at=now,
                customer_id=cid,
                received_by=actor.label,
            )
            for (_, e), cid in zip(fresh, ids, strict=True)
        ]
    )


def register_system(name: str, description: str = "") -> ExternalSystem:
    system, _ = ExternalSystem.objects.get_or_create(
        name=name, defaults={"description": description}
    )
    return system
