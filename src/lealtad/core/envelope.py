"""The canonical event envelope every channel speaks, and the registry of event types.

An event type names its payload schema (a pydantic model, published as JSON Schema at
``GET /api/v1/events/schemas``) and the context service that applies it. Identifiers are
normalized while validating, so an impossible phone or a bad email among the keys rejects the
event with its field path before anything is written; a phone that is possible but in a range
libphonenumber does not list is a key all the same, flagged (docs/data-quality.md).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Annotated, Any

from django.conf import settings
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, field_validator

from lealtad.core import normalize
from lealtad.core.event_ids import EVENT_ID_PATTERN, check_event_id
from lealtad.core.set_aside import FieldIssue
from lealtad.core.text_schema import (
    CARD_KEY,
    EMAIL,
    EXTERNAL_SYSTEM,
    ID_KEY,
    NOT_BLANK_CLEAN_TEXT,
    PHONE,
    CleanText,
    optional_named,
)

BUILTIN_CHANNELS = (
    "web",
    "pos",
    "call_center",
    "kiosk",
    "ivr",
    "email",
    "handheld",
    "fax",
    "mobile",
    "partner",
    "field",
    "mail",
)


UNASSIGNED_RANGE = "a possible number in a range not known as assigned"


def _region() -> str:
    return str(getattr(settings, "LEALTAD_DEFAULT_REGION", "EC"))


class CustomerRef(BaseModel):
    """Who the event is about, as the channel knows them. At least one key or a name."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    email: Annotated[str | None, optional_named(EMAIL, 254)] = Field(default=None, max_length=254)
    phone: Annotated[str | None, optional_named(PHONE, 40)] = Field(default=None, max_length=40)
    national_id: str | None = Field(
        default=None, max_length=20, json_schema_extra={"pattern": ID_KEY}
    )
    national_id_type: str | None = Field(default=None, max_length=12)
    card: str | None = Field(default=None, max_length=64, json_schema_extra={"pattern": CARD_KEY})
    external_ids: dict[str, CleanText] = Field(
        default_factory=dict,
        json_schema_extra={
            "propertyNames": {"maxLength": 60, "pattern": EXTERNAL_SYSTEM},
            "additionalProperties": {
                "type": "string",
                "maxLength": 254,
                "pattern": NOT_BLANK_CLEAN_TEXT,
            },
        },
    )
    name: CleanText | None = Field(default=None, max_length=250)

    @field_validator("email")
    @classmethod
    def _email(cls, v: str | None) -> str | None:
        return normalize.email(v) if v else None

    @field_validator("phone")
    @classmethod
    def _phone(cls, v: str | None) -> str | None:
        return normalize.phone(v, _region()).e164 if v else None

    @field_validator("card")
    @classmethod
    def _card(cls, v: str | None) -> str | None:
        return normalize.card(v) if v else None

    @field_validator("name")
    @classmethod
    def _name(cls, v: str | None) -> str | None:
        return normalize.name(v) if v else None

    @field_validator("national_id")
    @classmethod
    def _national_id(cls, v: str | None) -> str | None:
        return normalize.national_id(v).value if v else None

    @field_validator("external_ids")
    @classmethod
    def _external_ids(cls, v: dict[str, str]) -> dict[str, str]:
        cleaned = {}
        for system, value in v.items():
            if not system.strip() or not str(value).strip():
                raise ValueError("external ids need a source system and a value")
            if len(system.strip()) > 60 or len(str(value)) > 254:
                raise ValueError("an external id's system holds 60 characters, its value 254")
            cleaned[system.strip()] = normalize.external_id(str(value))
        return cleaned

    def has_key(self) -> bool:
        return bool(self.email or self.phone or self.national_id or self.card or self.external_ids)

    def flags(self) -> list[FieldIssue]:
        """The mobile number (kept as a key) when libphonenumber does not list its range."""
        if not self.phone:
            return []
        parsed = normalize.phone(self.phone)
        if parsed.valid or not parsed.is_mobile:
            return []
        return [FieldIssue("customer.phone", self.phone, UNASSIGNED_RANGE, kept=True)]


class Envelope(BaseModel):
    """The canonical event: ``id`` is the caller's idempotency key."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    id: str = Field(min_length=1, max_length=120, json_schema_extra={"pattern": EVENT_ID_PATTERN})
    type: str = Field(min_length=1, max_length=80)
    channel: str = Field(min_length=1, max_length=40)
    occurred_at: AwareDatetime
    customer: CustomerRef
    payload: dict[str, Any] = Field(default_factory=dict)

    @field_validator("id")
    @classmethod
    def _id(cls, v: str) -> str:
        return check_event_id(v)


@dataclass(frozen=True)
class ValidEvent:
    """An envelope whose payload passed its type's schema; ``issues`` are the optional fields
    set aside and the values kept but flagged, reported back as warnings."""

    envelope: Envelope
    payload: BaseModel
    issues: tuple[FieldIssue, ...] = ()


Applier = Callable[[Sequence[ValidEvent], Any], list[int]]


@dataclass(frozen=True)
class EventType:
    name: str
    payload_model: type[BaseModel]
    apply: Applier
    description: str
    prepare: Callable[[], None] | None = None
    """Run before the write transaction that applies events of this type: what takes long
    to make ready (an index to load) must not hold SQLite's one write slot meanwhile."""


_TYPES: dict[str, EventType] = {}


def register(
    name: str,
    payload_model: type[BaseModel],
    apply: Applier,
    description: str,
    prepare: Callable[[], None] | None = None,
) -> None:
    _TYPES[name] = EventType(name, payload_model, apply, description, prepare)


def event_type(name: str) -> EventType | None:
    return _TYPES.get(name)


def event_types() -> list[EventType]:
    return sorted(_TYPES.values(), key=lambda t: t.name)


def schemas() -> dict[str, Any]:
    return {
        "envelope": Envelope.model_json_schema(),
        "types": {
            t.name: {"description": t.description, "payload": t.payload_model.model_json_schema()}
            for t in event_types()
        },
    }
