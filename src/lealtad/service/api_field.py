"""Field service over HTTP (``/api/v1/service/...``): contracts, RMAs, work orders and their
dispatch, spare parts and purchase orders, quality defects. Thin: capability, body, service.

Technicians' and agents' work needs ``service.handle``; dispatching, purchase orders,
contracts and stock counts need ``service.supervise``."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any

from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from ninja import Path, Router

from lealtad.core.access import Principal, require
from lealtad.core.api_errors import errors
from lealtad.core.roles import Capability
from lealtad.core.text_schema import NOT_BLANK
from lealtad.customers.selectors import readable
from lealtad.service.api_field_schemas import (
    AlertOut,
    CloseIn,
    ContractIn,
    ContractOut,
    DefectIn,
    DefectOut,
    DispatchIn,
    InspectIn,
    LevelOut,
    PartIn,
    PartUseIn,
    PurchaseOrderOut,
    ReceiveIn,
    RmaIn,
    RmaLineOut,
    RmaOut,
    RmaResolveIn,
    ScheduleIn,
    StockIn,
    StockOut,
    TechnicianIn,
    TechnicianOut,
    WorkOrderIn,
    WorkOrderOut,
)
from lealtad.service.models import PurchaseOrder, Rma, ServiceContract, WorkOrder
from lealtad.service.selectors import field as selectors
from lealtad.service.services import contracts, defects, parts, rma, technicians, workorders
from lealtad.service.services.field_common import FieldNotFound

# A path segment the services need not blank (a SKU, a location).
PathText = Annotated[str, Path(pattern=NOT_BLANK, max_length=60)]

router = Router(tags=["service desk: field service"])


def _customer(who: Principal, customer_id: int) -> None:
    """Record-level access: a customer the caller may not read is not there for them."""
    if readable(customer_id, who.reader) is None:
        raise FieldNotFound(_("There is no customer %(c)s."), field="customer_id", c=customer_id)


def _contract_out(c: ServiceContract) -> dict[str, Any]:
    return {f: getattr(c, f) for f in ContractOut.model_fields}


def _rma_out(r: Rma) -> dict[str, Any]:
    fields = {f: getattr(r, f) for f in RmaOut.model_fields if f != "lines"}
    lines = [{f: getattr(ln, f) for f in RmaLineOut.model_fields} for ln in r.lines.order_by("id")]
    return {**fields, "lines": lines}


def _work_order_out(o: WorkOrder) -> dict[str, Any]:
    fields = {
        f: getattr(o, f) for f in WorkOrderOut.model_fields if f not in ("case", "technician")
    }
    return {
        **fields,
        "case": o.case.number,
        "technician": o.technician.name if o.technician else None,
    }


def _po_out(po: PurchaseOrder) -> dict[str, Any]:
    lines = [
        {"sku": ln.part.sku, "quantity": ln.quantity, "unit_cost": str(ln.unit_cost)}
        for ln in po.lines.all()
    ]
    return {
        "number": po.number,
        "supplier": po.supplier,
        "location": po.location,
        "status": po.status,
        "lines": lines,
    }


# Contracts ---------------------------------------------------------------------------------


@router.post("/service/contracts", response={201: ContractOut, **errors(404, 409, 422)})
def create_contract(request: HttpRequest, body: ContractIn) -> tuple[int, dict[str, Any]]:
    who = require(request, Capability.SERVICE_SUPERVISE)
    _customer(who, body.customer_id)
    made = contracts.create_contract(contracts.NewContract(**body.dict()), who.actor)
    return 201, _contract_out(made)


@router.get("/service/contracts/{number}", response={200: ContractOut, **errors(404)})
def get_contract(request: HttpRequest, number: str) -> dict[str, Any]:
    who = require(request, Capability.SERVICE_HANDLE)
    found = selectors.contract(number)
    if found is not None:
        _customer(who, found.customer_id)
    if found is None:
        raise FieldNotFound(_("There is no contract %(n)s."), field="number", n=number)
    return _contract_out(found)


@router.get(
    "/service/customers/{customer_id}/support-level", response={200: LevelOut, **errors(404)}
)
def support_level(request: HttpRequest, customer_id: int) -> dict[str, Any]:
    who = require(request, Capability.SERVICE_HANDLE)
    _customer(who, customer_id)
    return {"customer_id": customer_id, "support_level": selectors.support_level_of(customer_id)}


# RMA -----------------------------------------------------------------------------------------


@router.post("/service/rmas", response={201: RmaOut, **errors(404, 409, 422)})
def authorize_rma(request: HttpRequest, body: RmaIn) -> tuple[int, dict[str, Any]]:
    who = require(request, Capability.SERVICE_HANDLE)
    _customer(who, body.customer_id)
    data = body.dict()
    lines = [rma.RmaLineIn(**ln) for ln in data.pop("lines")]
    made = rma.authorize(rma.NewRma(lines=lines, **data), who.actor)
    return 201, _rma_out(made)


@router.get("/service/rmas/{number}", response={200: RmaOut, **errors(404)})
def get_rma(request: HttpRequest, number: str) -> dict[str, Any]:
    who = require(request, Capability.SERVICE_HANDLE)
    found = selectors.rma(number)
    if found is not None:
        _customer(who, found.customer_id)
    if found is None:
        raise FieldNotFound(_("There is no RMA %(n)s."), field="number", n=number)
    return _rma_out(found)


@router.post("/service/rmas/{number}/receive", response={200: RmaOut, **errors(404, 409, 422)})
def receive_rma(request: HttpRequest, number: str, body: ReceiveIn) -> dict[str, Any]:
    who = require(request, Capability.SERVICE_HANDLE)
    return _rma_out(rma.receive(number, body.location, who.actor, body.channel or ""))


@router.post("/service/rmas/{number}/inspect", response={200: RmaOut, **errors(404, 409, 422)})
def inspect_rma(request: HttpRequest, number: str, body: InspectIn) -> dict[str, Any]:
    who = require(request, Capability.SERVICE_HANDLE)
    return _rma_out(rma.inspect(number, body.faulty, body.note, who.actor))


@router.post("/service/rmas/{number}/resolve", response={200: RmaOut, **errors(404, 409, 422)})
def resolve_rma(request: HttpRequest, number: str, body: RmaResolveIn) -> dict[str, Any]:
    who = require(request, Capability.SERVICE_HANDLE)
    return _rma_out(rma.resolve(number, body.resolution, who.actor, body.refund_amount))


@router.post("/service/rmas/{number}/cancel", response={200: RmaOut, **errors(404, 409)})
def cancel_rma(request: HttpRequest, number: str) -> dict[str, Any]:
    who = require(request, Capability.SERVICE_HANDLE)
    return _rma_out(rma.cancel(number, who.actor))


# Technicians -------------------------------------------------------------------------------


@router.post("/service/technicians", response={201: TechnicianOut, **errors(404, 409, 422)})
def add_technician(request: HttpRequest, body: TechnicianIn) -> tuple[int, dict[str, Any]]:
    require(request, Capability.SERVICE_SUPERVISE)
    fields = body.dict()
    fields["hourly_rate"] = fields["hourly_rate"] or Decimal(0)
    made = technicians.add_technician(technicians.NewTechnician(**fields))
    return 201, {f: getattr(made, f) for f in TechnicianOut.model_fields}


# Work orders -----------------------------------------------------------------------------------


def _order(number: str) -> WorkOrder:
    found = selectors.work_order(number)
    if found is None:
        raise FieldNotFound(_("There is no work order %(n)s."), field="number", n=number)
    return found


@router.post("/service/work-orders", response={201: WorkOrderOut, **errors(404, 409, 422)})
def open_work_order(request: HttpRequest, body: WorkOrderIn) -> tuple[int, dict[str, Any]]:
    who = require(request, Capability.SERVICE_HANDLE)
    made = workorders.open_work_order(workorders.NewWorkOrder(**body.dict()), who.actor)
    return 201, _work_order_out(_order(made.number))


@router.get("/service/work-orders/{number}", response={200: WorkOrderOut, **errors(404)})
def get_work_order(request: HttpRequest, number: str) -> dict[str, Any]:
    require(request, Capability.SERVICE_HANDLE)
    return _work_order_out(_order(number))


@router.post(
    "/service/work-orders/{number}/dispatch", response={200: WorkOrderOut, **errors(404, 409, 422)}
)
def dispatch_work_order(request: HttpRequest, number: str, body: DispatchIn) -> dict[str, Any]:
    who = require(request, Capability.SERVICE_SUPERVISE)
    workorders.dispatch_order(number, body.day, who.actor, body.earliest)
    return _work_order_out(_order(number))


@router.post(
    "/service/work-orders/{number}/schedule", response={200: WorkOrderOut, **errors(404, 409, 422)}
)
def schedule_work_order(request: HttpRequest, number: str, body: ScheduleIn) -> dict[str, Any]:
    who = require(request, Capability.SERVICE_SUPERVISE)
    workorders.schedule(number, body.technician_id, body.starts_at, who.actor)
    return _work_order_out(_order(number))


@router.post(
    "/service/work-orders/{number}/parts", response={200: WorkOrderOut, **errors(404, 409, 422)}
)
def use_part(request: HttpRequest, number: str, body: PartUseIn) -> dict[str, Any]:
    who = require(request, Capability.SERVICE_HANDLE)
    workorders.use_part(number, body.sku, body.quantity, who.actor, body.location)
    return _work_order_out(_order(number))


@router.post(
    "/service/work-orders/{number}/close", response={200: WorkOrderOut, **errors(404, 409, 422)}
)
def close_work_order(request: HttpRequest, number: str, body: CloseIn) -> dict[str, Any]:
    who = require(request, Capability.SERVICE_HANDLE)
    workorders.close(number, body.minutes_worked, body.report, who.actor)
    return _work_order_out(_order(number))


# Spare parts and purchase orders ------------------------------------------------------------------


@router.get("/service/parts/stock", response={200: list[StockOut]})
def part_stock(
    request: HttpRequest, location: str = "", below_minimum: bool = False
) -> list[dict[str, Any]]:
    require(request, Capability.SERVICE_HANDLE)
    rows = selectors.below_minimum() if below_minimum else selectors.stock(location)
    return [
        {
            "sku": r.part.sku,
            "name": r.part.name,
            "location": r.location,
            "on_hand": r.on_hand,
            "minimum": r.minimum,
        }
        for r in rows
        if not location or r.location == location
    ]


@router.put("/service/parts/{sku}", response={200: dict[str, str], **errors(422)})
def save_part(request: HttpRequest, sku: PathText, body: PartIn) -> dict[str, str]:
    require(request, Capability.SERVICE_SUPERVISE)
    part = parts.save_part(parts.NewPart(sku=sku, **body.dict()))
    return {"sku": part.sku, "name": part.name, "supplier": part.supplier}


@router.put("/service/parts/{sku}/stock/{location}", response={200: StockOut, **errors(404, 422)})
def count_stock(
    request: HttpRequest, sku: PathText, location: PathText, body: StockIn
) -> dict[str, Any]:
    require(request, Capability.SERVICE_SUPERVISE)
    row = parts.set_stock(sku, location, body.on_hand, body.minimum)
    return {
        "sku": row.part.sku,
        "name": row.part.name,
        "location": row.location,
        "on_hand": row.on_hand,
        "minimum": row.minimum,
    }


@router.get("/service/purchase-orders", response={200: list[PurchaseOrderOut]})
def list_purchase_orders(request: HttpRequest, status: str = "") -> list[dict[str, Any]]:
    require(request, Capability.SERVICE_SUPERVISE)
    return [_po_out(po) for po in selectors.purchase_orders(status)]


@router.post(
    "/service/purchase-orders/{number}/send", response={200: PurchaseOrderOut, **errors(404, 409)}
)
def send_purchase_order(request: HttpRequest, number: str) -> dict[str, Any]:
    who = require(request, Capability.SERVICE_SUPERVISE)
    parts.send_purchase_order(number, who.actor)
    return _po_out(selectors.purchase_order(number))  # type: ignore[arg-type]


@router.post(
    "/service/purchase-orders/{number}/receive",
    response={200: PurchaseOrderOut, **errors(404, 409)},
)
def receive_purchase_order(request: HttpRequest, number: str) -> dict[str, Any]:
    who = require(request, Capability.SERVICE_SUPERVISE)
    parts.receive_purchase_order(number, who.actor)
    return _po_out(selectors.purchase_order(number))  # type: ignore[arg-type]


# Quality defects -------------------------------------------------------------------------------


@router.post("/service/defects", response={201: DefectOut, **errors(404, 422)})
def record_defect(request: HttpRequest, body: DefectIn) -> tuple[int, dict[str, Any]]:
    who = require(request, Capability.SERVICE_HANDLE)
    defect, alert = defects.record_defect(defects.NewDefect(**body.dict()), who.actor)
    return 201, {
        "id": defect.pk,
        "product_sku": defect.product_sku,
        "alert_raised": alert is not None,
    }


@router.get("/service/defects/alerts", response={200: list[AlertOut]})
def defect_alerts(request: HttpRequest) -> list[dict[str, Any]]:
    require(request, Capability.SERVICE_HANDLE)
    return [{f: getattr(a, f) for f in AlertOut.model_fields} for a in selectors.defect_alerts()]


@router.post(
    "/service/defects/alerts/{alert_id}/acknowledge", response={200: AlertOut, **errors(404)}
)
def acknowledge_alert(request: HttpRequest, alert_id: int) -> dict[str, Any]:
    who = require(request, Capability.SERVICE_SUPERVISE)
    alert = defects.acknowledge(alert_id, who.actor)
    return {f: getattr(alert, f) for f in AlertOut.model_fields}
