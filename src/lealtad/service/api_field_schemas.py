"""The field-service API's bodies and answers (``api_field``)."""

from __future__ import annotations

from datetime import date, datetime, time
from decimal import Decimal
from typing import Annotated, Any, Literal

from ninja import Schema
from pydantic import Field, StrictBool

from lealtad.commerce.schemas import Channel, MoneyText
from lealtad.core.text_schema import NOT_BLANK, THREE_OR_MORE

# Every rule the services hold a body to is stated here, so a schema-valid body is never
# refused with 422 (tests/test_api_schema.py): what is left is the world's state (404, 409).
Level = Literal["basic", "plus", "premium"]
CoverageHours = Literal["business", "extended", "24x7"]
Resolution = Literal["repair", "replace", "refund"]


def text(longest: int, default: str | None = None) -> Any:
    """A text that is not blank (after the strip the services do)."""
    if default is None:
        return Field(min_length=1, max_length=longest, pattern=NOT_BLANK)
    return Field(default=default, min_length=1, max_length=longest, pattern=NOT_BLANK)


Text = text(120)


class ContractIn(Schema):
    number: str = text(40)
    customer_id: int = Field(ge=1)
    support_level: Level
    starts_on: date
    ends_on: date = Field(description="on or after starts_on (409 otherwise)")
    coverage: CoverageHours = "business"
    serials: list[str] = Field(default_factory=list, max_length=500)
    product_skus: list[str] = Field(default_factory=list, max_length=500)
    return_required: StrictBool = True


class ContractOut(Schema):
    number: str
    customer_id: int
    support_level: str
    coverage: str
    starts_on: date
    ends_on: date
    serials: list[str]
    return_required: bool
    cancelled: bool


class LevelOut(Schema):
    customer_id: int
    support_level: str | None


class RmaLineSchema(Schema):
    order_number: str = text(40)
    sku: str = text(60)
    quantity: int = Field(default=1, ge=1, le=1000)
    serial: str = Field(default="", max_length=80)


class RmaIn(Schema):
    customer_id: int = Field(ge=1)
    reason: str = Field(min_length=3, max_length=250, pattern=THREE_OR_MORE)
    lines: list[RmaLineSchema] = Field(min_length=1, max_length=100)
    case_id: int | None = None
    channel: Channel = "web"
    return_required: StrictBool | None = None


class RmaLineOut(RmaLineSchema):
    commerce_reference: str


class RmaOut(Schema):
    number: str
    customer_id: int
    status: str
    return_required: bool
    reason: str
    received_location: str
    faulty: bool | None
    resolution: str
    refund_amount: Decimal
    lines: list[RmaLineOut]


class ReceiveIn(Schema):
    location: str = text(40)
    channel: Channel | None = None


class InspectIn(Schema):
    faulty: StrictBool
    note: str = Field(default="", max_length=5000)


class RmaResolveIn(Schema):
    resolution: Resolution
    refund_amount: MoneyText | None = Field(
        default=None, description="only without the goods back; at most what they were paid"
    )


class WorkOrderIn(Schema):
    case_id: int
    skill: str = Text
    zone: str = Text
    minutes: int = Field(default=60, ge=1, le=1440)
    address: str = Field(default="", max_length=250)


class DispatchIn(Schema):
    day: date
    earliest: datetime | None = None


class ScheduleIn(Schema):
    technician_id: int
    starts_at: datetime


class PartUseIn(Schema):
    sku: str = text(60)
    quantity: int = Field(ge=1, le=10_000)
    location: str = Field(default="", max_length=40, description="default: the technician's van")


class CloseIn(Schema):
    minutes_worked: int = Field(ge=0, le=1440)
    report: str = Field(default="", max_length=10_000)


class WorkOrderOut(Schema):
    number: str
    case: str
    status: str
    skill: str
    zone: str
    technician: str | None
    starts_at: datetime | None
    ends_at: datetime | None
    minutes_worked: int
    labour_cost: Decimal
    parts_cost: Decimal


class TechnicianIn(Schema):
    name: str = Text
    skills: list[Annotated[str, text(60)]] = Field(min_length=1, max_length=50)
    zones: list[str] = Field(default_factory=list, max_length=50)
    day_start: time = time(8)
    day_end: time = Field(default=time(17), description="after day_start (409 otherwise)")
    hourly_rate: MoneyText | None = None
    location: str = Field(default="", max_length=40)
    user_id: int | None = None


class TechnicianOut(Schema):
    id: int
    name: str
    skills: list[str]
    zones: list[str]
    day_start: time
    day_end: time
    location: str


class PartIn(Schema):
    name: str = text(200)
    supplier: str = Text
    unit_cost: MoneyText
    reorder_quantity: int = Field(default=10, ge=1, le=1_000_000)


class StockIn(Schema):
    on_hand: int = Field(ge=0)
    minimum: int = Field(ge=0)


class StockOut(Schema):
    sku: str
    name: str
    location: str
    on_hand: int
    minimum: int


class PurchaseOrderOut(Schema):
    number: str
    supplier: str
    location: str
    status: str
    lines: list[dict[str, Any]]


class DefectIn(Schema):
    product_sku: str = text(60)
    description: str = text(5000)
    case_id: int | None = None
    code: str = Field(default="", max_length=60)
    serial: str = Field(default="", max_length=80)


class DefectOut(Schema):
    id: int
    product_sku: str
    alert_raised: bool


class AlertOut(Schema):
    id: int
    product_sku: str
    count: int
    window_days: int
    threshold: int
    raised_at: datetime
    acknowledged_at: datetime | None
