"""Payload schemas of the event types the customers context owns."""

from __future__ import annotations

from datetime import date
from typing import Annotated, ClassVar, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator, model_validator

from lealtad.core import normalize
from lealtad.core.envelope import UNASSIGNED_RANGE, _region
from lealtad.core.set_aside import FieldIssue
from lealtad.customers import choices


def _choice(values: type[choices.models.TextChoices]) -> set[str]:
    return {v for v in values.values if v}


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


EmailText = Annotated[str, AfterValidator(normalize.email)]
"""Each address validated on its own, so a bad one is reported (and set aside) at its index."""


class PhoneIn(_Strict):
    """A number as typed; ``e164``, ``is_mobile`` and ``validity`` are worked out from it."""

    number: str = Field(min_length=1, max_length=40)
    kind: Literal["mobile", "home", "work", "other"] = "mobile"
    e164: str = ""
    is_mobile: bool = True
    validity: Literal["valid", "unassigned_range"] = "valid"

    @model_validator(mode="after")
    def _normalize(self) -> PhoneIn:
        parsed = normalize.phone(self.number, _region())
        self.e164, self.is_mobile, self.validity = parsed.e164, parsed.is_mobile, parsed.validity
        return self


class AddressIn(_Strict):
    kind: Literal["home", "work", "billing", "shipping", "other"] = "home"
    line1: str = Field(min_length=1, max_length=200)
    line2: str = Field(default="", max_length=200)
    city: str = Field(default="", max_length=100)
    region: str = Field(default="", max_length=100)
    postal_code: str = Field(default="", max_length=20)
    country: str = Field(default="EC", min_length=2, max_length=2)
    valid_from: date | None = None
    valid_to: date | None = None

    @model_validator(mode="after")
    def _period(self) -> AddressIn:
        if self.valid_from and self.valid_to and self.valid_to < self.valid_from:
            raise ValueError("valid_to is before valid_from")
        self.country = self.country.upper()
        return self


class ConsentIn(_Strict):
    """The customer's statement for one channel and purpose, with what proves it.

    A granted consent needs its ``proof``: a ``signed_form`` or a ``recorded_call`` named by
    ``proof_reference`` (the form's number, the call's id), or ``double_opt_in`` (email only:
    it waits until the customer confirms through the signed link). A consent arriving in a
    channel's event is proved by that event unless it names another proof. Withdrawing needs
    no proof: it is always honoured.
    """

    channel: Literal["email", "sms", "phone", "whatsapp", "mail"]
    purpose: Literal["marketing", "service", "surveys", "profiling", "third_party"]
    granted: bool
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


class HouseholdIn(_Strict):
    name: str = Field(min_length=1, max_length=200)
    role: Literal["head", "spouse", "child", "other"] = "other"
    size: int | None = Field(default=None, ge=1, le=50)


class CustomerProfile(_Strict):
    """``customer.upserted``: what a channel knows of the customer's profile.

    Fields left out are left as they are; contact points, addresses and consents are added.
    """

    kind: Literal["person", "organization"] | None = None
    given_names: str | None = Field(default=None, max_length=120)
    first_surname: str | None = Field(default=None, max_length=80)
    second_surname: str | None = Field(default=None, max_length=80)
    organization_name: str | None = Field(default=None, max_length=200)
    national_id_type: str | None = None
    gender: Literal["female", "male", "other", ""] | None = None
    language: Literal["es", "en", "qu", "pt"] | None = None
    marital_status: Literal["single", "married", "union", "divorced", "widowed", ""] | None = None
    birth_date: date | None = None
    income_band: Literal["low", "lower_middle", "middle", "upper_middle", "high", ""] | None = None
    payment_methods: list[str] | None = None
    purchase_motives: list[str] | None = None
    health_insurance: str | None = Field(default=None, max_length=120)
    preferred_channel: str | None = None
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
        if v and not (date(1900, 1, 1) <= v <= date.today()):
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


class InteractionRecorded(_Strict):
    """``interaction.recorded``: one contact with the customer on the event's channel."""

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
