"""Payload schemas of the event types the customers context owns."""

from __future__ import annotations

from datetime import date
from typing import Annotated, ClassVar, Literal

from django.utils import timezone
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictBool,
    WithJsonSchema,
    field_validator,
    model_validator,
)
from pydantic.json_schema import JsonDict, JsonValue

from lealtad.core import normalize
from lealtad.core.envelope import UNASSIGNED_RANGE, _region
from lealtad.core.set_aside import FieldIssue
from lealtad.core.text_schema import (
    EMAIL,
    NOT_BLANK,
    PHONE,
    CleanText,
    NotBlankCleanText,
)
from lealtad.customers import choices


def _choice(values: type[choices.models.TextChoices]) -> set[str]:
    return {v for v in values.values if v}


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


EmailText = Annotated[
    str, Field(max_length=254, json_schema_extra=EMAIL), AfterValidator(normalize.email)
]
"""Each address validated on its own, so a bad one is reported (and set aside) at its index."""


def _date_text(value: object) -> object:
    """A date travels as ``YYYY-MM-DD`` text, as the schema says; a number is no date."""
    if isinstance(value, int | float):
        raise ValueError("a date is text: YYYY-MM-DD")
    return value


DateText = Annotated[date, BeforeValidator(_date_text)]
BirthDate = Annotated[
    date,
    BeforeValidator(_date_text),
    WithJsonSchema(
        {
            "type": "string",
            "format": "birth-date",
            "description": "a date (YYYY-MM-DD) from 1900-01-01 to today: a later one is not "
            "a birth date yet, and the bound moves every day, so it is named, not a pattern",
            "examples": ["1984-05-17"],
        }
    ),
]


class PhoneIn(_Strict):
    """A number as typed; ``e164``, ``is_mobile`` and ``validity`` are worked out from it."""

    number: str = Field(min_length=1, max_length=40, json_schema_extra=PHONE)
    kind: Literal["mobile", "home", "work", "other"] = "mobile"
    e164: str = ""
    is_mobile: StrictBool = True
    validity: Literal["valid", "unassigned_range"] = "valid"

    @model_validator(mode="after")
    def _normalize(self) -> PhoneIn:
        parsed = normalize.phone(self.number, _region())
        self.e164, self.is_mobile, self.validity = parsed.e164, parsed.is_mobile, parsed.validity
        return self


class AddressIn(_Strict):
    """A postal address with the period it holds; text with control characters is refused."""

    kind: Literal["home", "work", "billing", "shipping", "other"] = "home"
    line1: NotBlankCleanText = Field(max_length=200)
    line2: CleanText = Field(default="", max_length=200)
    city: CleanText = Field(default="", max_length=100)
    region: CleanText = Field(default="", max_length=100)
    postal_code: CleanText = Field(default="", max_length=20)
    country: str = Field(default="EC", pattern=r"^[A-Za-z]{2}$", description="ISO 3166 code")
    valid_from: DateText | None = None
    valid_to: DateText | None = None

    @model_validator(mode="after")
    def _period(self) -> AddressIn:
        self.country = self.country.upper()
        if self.period_reversed():
            raise ValueError(PERIOD_REVERSED)
        return self

    def period_reversed(self) -> bool:
        return bool(self.valid_from and self.valid_to and self.valid_to < self.valid_from)


PERIOD_REVERSED = "valid_to is before valid_from"


class AddressStatement(AddressIn):
    """An address sent through the API. ``valid_to`` before ``valid_from`` is a rule between
    two fields that JSON Schema cannot state, so it is not a schema error (422) here: the
    handler answers 409 naming both fields (docs/security.md, "The API contract")."""

    @model_validator(mode="after")
    def _period(self) -> AddressStatement:
        self.country = self.country.upper()
        return self


def _proof_is(*kinds: str) -> JsonDict:
    return {"required": ["proof"], "properties": {"proof": {"enum": list(kinds)}}}


CONSENT_PROOF_RULES: list[JsonValue] = [
    {  # a signed form or a recorded call is named by its number or id
        "if": _proof_is("signed_form", "recorded_call"),
        "then": {
            "required": ["proof_reference"],
            "properties": {"proof_reference": {"type": "string", "pattern": NOT_BLANK}},
        },
    },
    {  # a double opt-in confirms a granted e-mail consent
        "if": _proof_is("double_opt_in"),
        "then": {"properties": {"channel": {"const": "email"}, "granted": {"const": True}}},
    },
]
""":meth:`ConsentIn._proof` as JSON Schema, so the OpenAPI states what the proof needs."""


class ConsentIn(_Strict):
    """The customer's statement for one channel and purpose, with what proves it.

    A granted consent needs its ``proof``: a ``signed_form`` or a ``recorded_call`` named by
    ``proof_reference`` (the form's number, the call's id), or ``double_opt_in`` (email only:
    it waits until the customer confirms through the signed link). A consent arriving in a
    channel's event is proved by that event unless it names another proof. Withdrawing needs
    no proof: it is always honoured.
    """

    model_config = ConfigDict(json_schema_extra={"allOf": CONSENT_PROOF_RULES})

    channel: Literal["email", "sms", "phone", "whatsapp", "mail"]
    purpose: Literal["marketing", "service", "surveys", "profiling", "third_party"]
    granted: StrictBool
    method: str = Field(default="", max_length=120)
    proof: Literal["signed_form", "recorded_call", "double_opt_in", "channel_event"] | None = None
    proof_reference: str = Field(default="", max_length=200)

    @model_validator(mode="after")
    def _proof(self) -> ConsentIn:
        if self.proof in ("signed_form", "recorded_call") and not self.proof_reference:
            raise ValueError(f"proof_reference: name the {self.proof.replace('_', ' ')}")
        if self.proof == "double_opt_in" and (self.channel != "email" or not self.granted):
            raise ValueError("proof: double_opt_in confirms a granted email consent only")
        return self


CONSENT_BY_API_RULES: list[JsonValue] = [
    *CONSENT_PROOF_RULES,
    {"properties": {"proof": {"enum": ["signed_form", "recorded_call", "double_opt_in", None]}}},
    {
        "if": {"required": ["granted"], "properties": {"granted": {"const": True}}},
        "then": {"required": ["proof"], "properties": {"proof": {"type": "string"}}},
    },
]
"""Through the API no event carries the statement: a granted consent names its proof, and
``channel_event`` cannot be it (``services.consents._proof_of`` refuses both)."""


class ConsentStatement(ConsentIn):
    """A consent recorded through the API: :class:`ConsentIn` with the API's proof rules."""

    model_config = ConfigDict(json_schema_extra={"allOf": CONSENT_BY_API_RULES})


class HouseholdIn(_Strict):
    name: str = Field(min_length=1, max_length=200)
    role: Literal["head", "spouse", "child", "other"] = "other"
    size: int | None = Field(default=None, ge=1, le=50)


class CustomerProfile(_Strict):
    """``customer.upserted``: what a channel knows of the customer's profile.

    Fields left out are left as they are; contact points, addresses and consents are added.
    """

    kind: Literal["person", "organization"] | None = None
    given_names: CleanText | None = Field(default=None, max_length=120)
    first_surname: CleanText | None = Field(default=None, max_length=80)
    second_surname: CleanText | None = Field(default=None, max_length=80)
    organization_name: CleanText | None = Field(default=None, max_length=200)
    national_id_type: str | None = Field(
        default=None, json_schema_extra={"enum": [*sorted(_choice(choices.NationalIdType)), None]}
    )
    gender: Literal["female", "male", "other", ""] | None = None
    language: Literal["es", "en", "qu", "pt"] | None = None
    marital_status: Literal["single", "married", "union", "divorced", "widowed", ""] | None = None
    birth_date: BirthDate | None = None
    income_band: Literal["low", "lower_middle", "middle", "upper_middle", "high", ""] | None = None
    payment_methods: list[str] | None = None
    purchase_motives: list[str] | None = None
    health_insurance: str | None = Field(default=None, max_length=120)
    preferred_channel: str | None = Field(
        default=None, json_schema_extra={"enum": [*sorted(_choice(choices.Channel)), None]}
    )
    lifecycle_status: Literal["prospect", "customer", "former"] | None = None
    phones: list[PhoneIn] = Field(default_factory=list, max_length=20)
    emails: list[EmailText] = Field(default_factory=list, max_length=20)
    addresses: list[AddressIn] = Field(default_factory=list, max_length=20)
    consents: list[ConsentIn] = Field(default_factory=list, max_length=50)
    household: HouseholdIn | None = None

    SET_ASIDE: ClassVar[frozenset[str]] = frozenset(
        {
            "gender",
            "language",
            "marital_status",
            "birth_date",
            "income_band",
            "payment_methods",
            "purchase_motives",
            "health_insurance",
            "preferred_channel",
            "lifecycle_status",
            "phones",
            "emails",
            "addresses",
            "household",
        }
    )
    """Optional fields a bad value of which is set aside instead of refusing the event (the
    customer is written without it); names, kind, id type and consents still refuse. Why each
    one: docs/data-quality.md."""

    @field_validator("given_names", "first_surname", "second_surname", "organization_name")
    @classmethod
    def _names(cls, v: str | None) -> str | None:
        return normalize.name(v) if v else v

    def flags(self) -> list[FieldIssue]:
        """Numbers kept but in a range libphonenumber does not list as assigned."""
        return [
            FieldIssue(f"payload.phones.{i}", p.number, UNASSIGNED_RANGE, kept=True)
            for i, p in enumerate(self.phones)
            if p.validity != "valid"
        ]

    @field_validator("birth_date")
    @classmethod
    def _birth(cls, v: date | None) -> date | None:
        if v and not (date(1900, 1, 1) <= v <= timezone.localdate()):
            raise ValueError("birth date must be between 1900-01-01 and today")
        return v

    @field_validator("preferred_channel")
    @classmethod
    def _channel(cls, v: str | None) -> str | None:
        if v and v not in _choice(choices.Channel):
            raise ValueError(f"unknown channel {v!r}")
        return v

    @field_validator("national_id_type")
    @classmethod
    def _id_type(cls, v: str | None) -> str | None:
        if v and v not in _choice(choices.NationalIdType):
            raise ValueError(f"unknown national id type {v!r}")
        return v


class ProfileIn(CustomerProfile):
    """A profile sent through the API: its consents follow the API's proof rules."""

    # A narrower item type than the event's: what the API accepts is a subset, by design.
    consents: list[ConsentStatement] = Field(  # type: ignore[assignment]
        default_factory=list, max_length=50
    )
    addresses: list[AddressStatement] = Field(  # type: ignore[assignment]
        default_factory=list, max_length=20
    )

    def reversed_period(self) -> int | None:
        """The index of the first address whose ``valid_to`` is before its ``valid_from``."""
        return next((i for i, a in enumerate(self.addresses) if a.period_reversed()), None)


class InteractionRecorded(_Strict):
    """``interaction.recorded``: one contact with the customer on the event's channel."""

    model_config = ConfigDict(
        json_schema_extra={
            "anyOf": [
                {"required": [field], "properties": {field: {"pattern": NOT_BLANK}}}
                for field in ("subject", "summary")
            ]
        }
    )

    kind: str = Field(default="contact", min_length=1, max_length=40)
    direction: Literal["inbound", "outbound", "internal"] = "inbound"
    subject: str = Field(default="", max_length=200)
    summary: str = Field(default="", max_length=10000)
    agent: str = Field(default="", max_length=150)
    location: str = Field(default="", max_length=150)
    related_type: str = Field(default="", max_length=40)
    related_id: str = Field(default="", max_length=80)

    @model_validator(mode="after")
    def _something(self) -> InteractionRecorded:
        if not (self.subject or self.summary):
            raise ValueError("an interaction needs a subject or a summary")
        return self


PROFILE_FIELDS = (
    "kind",
    "given_names",
    "first_surname",
    "second_surname",
    "organization_name",
    "gender",
    "language",
    "marital_status",
    "birth_date",
    "income_band",
    "payment_methods",
    "purchase_motives",
    "health_insurance",
    "preferred_channel",
    "lifecycle_status",
)
