"""The field-service API's bodies and answers (``api_field``)."""

from __future__ import annotations

from datetime import date, datetime, time
from decimal import Decimal
from typing import Any

from ninja import Schema
from pydantic import Field

Text = Field(min_length=1, max_length=120)


class ContractIn(Schema):
    number: str = Field(min_length=1, max_length=40)
    customer_id: int = Field(ge=1)
    support_level: str = Field(max_length=10)
    starts_on: date
    ends_on: date
    coverage: str = Field(default="business", max_length=10)
    serials: list[str] = Field(default_factory=list, max_length=500)
    product_skus: list[str] = Field(default_factory=list, max_length=500)
    return_required: bool = True


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
    order_number: str = Field(min_length=1, max_length=40)
    sku: str = Field(min_length=1, max_length=60)
    quantity: int = Field(default=1, ge=1, le=1000)
    serial: str = Field(default="", max_length=80)


class RmaIn(Schema):
    customer_id: int = Field(ge=1)
    reason: str = Field(max_length=250)
    lines: list[RmaLineSchema] = Field(max_length=100)
    case_id: int | None = None
    channel: str = Field(default="web", max_length=40)
    return_required: bool | None = None


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
    location: str = Field(min_length=1, max_length=40)
    channel: str = Field(default="", max_length=40)


class InspectIn(Schema):
    faulty: bool
    note: str = Field(default="", max_length=5000)


class ResolveIn(Schema):
    resolution: str = Field(max_length=10)
    refund_amount: Decimal | None = Field(default=None, max_digits=12, decimal_places=2)


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
    sku: str = Field(min_length=1, max_length=60)
    quantity: int = Field(ge=1, le=10_000)
    location: str = Field(default="", max_length=40)


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
    name: str = Field(min_length=1, max_length=120)
    skills: list[str] = Field(max_length=50)
    zones: list[str] = Field(default_factory=list, max_length=50)
    day_start: time = time(8)
    day_end: time = time(17)
    hourly_rate: Decimal = Field(default=Decimal(0), max_digits=12, decimal_places=2)
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
    name: str = Field(min_length=1, max_length=200)
    supplier: str = Field(min_length=1, max_length=120)
    unit_cost: Decimal = Field(max_digits=12, decimal_places=2)
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
    product_sku: str = Field(min_length=1, max_length=60)
    description: str = Field(min_length=1, max_length=5000)
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
