"""CTI events as JSON objects: the shape a PBX posts to Lealtad and the simulator's log.

One flat object per event, ``type`` first; times in ISO 8601 with an offset. Parsing is
strict: an unknown type, an unknown or missing field, or a value of the wrong kind is a
:class:`WireError` naming the field, because a silently dropped field would be a call state
Lealtad never learns about.
"""

from __future__ import annotations

import dataclasses
import typing
from collections.abc import Mapping
from datetime import datetime
from enum import StrEnum
from typing import Any

from lealtad.contact_engine.telephony import adapter
from lealtad.contact_engine.telephony.adapter import EVENT_TYPES, SwitchEvent


class WireError(ValueError):
    """A posted event that is not a valid CTI event; ``field`` names the culprit."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.reason = message


def to_wire(event: SwitchEvent) -> dict[str, Any]:
    """The JSON object for an event (what :func:`from_wire` reads back)."""
    out: dict[str, Any] = {"type": event.type}
    for f in dataclasses.fields(event):
        value = getattr(event, f.name)
        if isinstance(value, datetime):
            value = value.isoformat()
        elif isinstance(value, StrEnum):
            value = value.value
        elif isinstance(value, Mapping):
            value = dict(value)
        out[f.name] = value
    return out


_SPECS: dict[str, dict[str, tuple[Any, bool]]] = {}


def _spec(cls: type[SwitchEvent]) -> dict[str, tuple[Any, bool]]:
    """Field name -> (type, required) for one event class."""
    if cls.type in _SPECS:
        return _SPECS[cls.type]
    hints = typing.get_type_hints(cls, vars(adapter))
    spec: dict[str, tuple[Any, bool]] = {}
    for f in dataclasses.fields(cls):
        required = f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING
        spec[f.name] = (hints[f.name], required)
    _SPECS[cls.type] = spec
    return spec


def _parse_value(name: str, kind: Any, raw: Any) -> Any:
    if kind is datetime:
        if not isinstance(raw, str):
            raise WireError(name, "must be an ISO 8601 date-time string")
        try:
            value = datetime.fromisoformat(raw)
        except ValueError:
            raise WireError(name, f"{raw!r} is not an ISO 8601 date-time") from None
        if value.tzinfo is None:
            raise WireError(name, "must carry a time zone offset (e.g. +00:00 or Z)")
        return value
    if isinstance(kind, type) and issubclass(kind, StrEnum):
        allowed = [m.value for m in kind]
        if raw not in allowed:
            raise WireError(name, f"{raw!r} is not one of {', '.join(allowed)}")
        return kind(raw)
    if kind is bool:
        if not isinstance(raw, bool):
            raise WireError(name, "must be true or false")
        return raw
    if kind is int:
        if isinstance(raw, bool) or not isinstance(raw, int):
            raise WireError(name, "must be an integer")
        return raw
    if kind is float:
        if isinstance(raw, bool) or not isinstance(raw, int | float):
            raise WireError(name, "must be a number")
        return float(raw)
    if kind is str:
        if not isinstance(raw, str):
            raise WireError(name, "must be a string")
        return raw
    # Mapping[str, str]: the IVR's collected data
    if not isinstance(raw, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in raw.items()
    ):
        raise WireError(name, "must be an object of strings")
    return raw


def from_wire(raw: object) -> SwitchEvent:
    """Read one posted event; raises :class:`WireError` naming the field at fault."""
    if not isinstance(raw, dict):
        raise WireError("event", "must be a JSON object")
    kind = raw.get("type")
    cls = EVENT_TYPES.get(kind) if isinstance(kind, str) else None
    if cls is None:
        raise WireError("type", f"{kind!r} is not one of {', '.join(sorted(EVENT_TYPES))}")
    spec = _spec(cls)
    unknown = sorted(set(raw) - set(spec) - {"type"})
    if unknown:
        raise WireError(unknown[0], f"is not a field of {kind}")
    values: dict[str, Any] = {}
    for name, (field_type, required) in spec.items():
        if name not in raw:
            if required:
                raise WireError(name, "is required")
            continue
        values[name] = _parse_value(name, field_type, raw[name])
    try:
        return cls(**values)
    except ValueError as exc:
        field, _, message = str(exc).partition(": ")
        raise WireError(field if message else "event", message or str(exc)) from None
