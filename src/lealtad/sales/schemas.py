"""What other systems send the sales context: the ``lead.captured`` event's payload, and
the decimal values of its API bodies (as text, see :mod:`lealtad.core.schema_values`)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from lealtad.core.schema_values import decimal_text, fraction_text, one_of
from lealtad.core.text_schema import CleanText
from lealtad.sales.choices import LeadSource, TimeCategory

Amount = decimal_text(12, 2, zero=True)  # money in API bodies, as text ("1200.50")
Rate = fraction_text(4)  # a commission rate, as text ("0.05" is 5 %)
Quantity = decimal_text(6, 3)  # an opportunity line's, above 0, as text ("2.5")

EventSource = Literal["web_form", "event", "campaign", "telemarketing"]


class LeadCapturedEvent(BaseModel):
    """``lead.captured``: someone who may buy, met on a channel. The envelope's customer
    carries the e-mail, phone and national id (one of the first two at least); its ``id`` is
    the lead's idempotency key."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    source: EventSource = "event"
    person_name: CleanText | None = Field(default=None, max_length=160)
    company_name: CleanText | None = Field(default=None, max_length=160)
    region: CleanText | None = Field(default=None, max_length=80)
    campaign: CleanText | None = Field(default=None, max_length=80)
    notes: CleanText | None = Field(default=None, max_length=2000)
    team: str | None = Field(default=None, max_length=40, pattern=r"^[-a-zA-Z0-9_]+$")


TimeCategoryCode = one_of(["", *TimeCategory.values])  # an activity's; empty: not said
LeadSourceCode = one_of(LeadSource.values)  # where a lead came from
