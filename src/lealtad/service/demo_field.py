"""Field-service demo data: technicians in Quito's zones with their vans (the demo user
``tecnico`` is one of them), spare parts from two suppliers with stock and minimums (one
already low, so the first part used drafts an order), and today's visits: one done (its case
resolved), one planned for ``tecnico``, one waiting on the dispatch board.
Idempotent: loading twice changes nothing."""

from __future__ import annotations

from datetime import datetime, time
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from lealtad.core.audit import Actor
from lealtad.service.demo_common import made_before, open_demo_case
from lealtad.service.models import Technician
from lealtad.service.services import parts, technicians, workorders

ACTOR = Actor.system("demo")

TECHNICIANS = (
    ("Carla Pérez", ["caldera", "gas"], ["norte", "centro"], "VAN-1", "42.00"),
    ("Diego Andrade", ["aire", "refrigeracion"], ["norte", "cumbaya"], "VAN-2", "38.00"),
    ("Lucía Guamán", ["lavadora", "cocina", "electrico"], ["sur", "centro"], "VAN-3", "35.00"),
    ("Marco Villacís", ["caldera", "electrico"], ["valle", "sur"], "VAN-4", "40.00"),
    ("Luis Chicaiza", ["calefon", "gas"], ["norte", "valle"], "VAN-5", "36.00"),  # user tecnico
)
TECHNICIAN_USER = ("Luis Chicaiza", "tecnico")
VISITS = (  # key, subject, skill, zone, address, what happens today
    (
        "field-1",
        "Caldera sin agua caliente",
        "caldera",
        "norte",
        "Av. de los Shyris N34-152 y Holanda",
        "done",
    ),
    (
        "field-2",
        "Calefón se apaga a los pocos minutos",
        "calefon",
        "norte",
        "Av. 12 de Octubre N24-593 y Luis Cordero",
        "tecnico",
    ),
    (
        "field-3",
        "Aire acondicionado gotea",
        "aire",
        "cumbaya",
        "Av. Interoceánica km 12, Cumbayá",
        "waiting",
    ),
)
PARTS = (
    ("VAL-GAS-12", "Válvula de gas 1/2", "Repuestos Andinos", "12.50", 10),
    ("TERM-CALD", "Termocupla de caldera", "Repuestos Andinos", "8.90", 20),
    ("COMP-R410", "Compresor R410A 12k BTU", "Frío Ecuador S.A.", "185.00", 2),
    ("FILTRO-AIRE", "Filtro de aire split", "Frío Ecuador S.A.", "6.40", 30),
    ("RES-LAV", "Resistencia de lavadora", "Repuestos Andinos", "24.00", 5),
)
STOCK = {  # sku: {location: (on hand, minimum)}
    "VAL-GAS-12": {"VAN-1": (4, 2), "VAN-4": (2, 2), "BODEGA-SERVICIO": (25, 10)},
    "TERM-CALD": {"VAN-1": (6, 2), "VAN-4": (3, 2), "BODEGA-SERVICIO": (40, 15)},
    "COMP-R410": {"BODEGA-SERVICIO": (2, 2)},
    "FILTRO-AIRE": {"VAN-2": (8, 4), "BODEGA-SERVICIO": (60, 20)},
    "RES-LAV": {"VAN-3": (1, 1), "BODEGA-SERVICIO": (6, 3)},
}


@transaction.atomic
def load() -> dict[str, int]:
    made = 0
    for name, skills, zones, van, rate in TECHNICIANS:
        if Technician.objects.filter(name=name).exists():
            continue
        user = _user_for(name)
        technicians.add_technician(
            technicians.NewTechnician(
                name, skills, zones, time(8), time(17), Decimal(rate), van, user_id=user
            )
        )
        made += 1
    for sku, name, supplier, cost, reorder in PARTS:
        parts.save_part(parts.NewPart(sku, name, supplier, Decimal(cost), reorder))
    for sku, where in STOCK.items():
        for location, (on_hand, minimum) in where.items():
            parts.set_stock(sku, location, on_hand, minimum)
    return {"technicians": made, "parts": len(PARTS)}


def _user_for(name: str) -> int | None:
    """The demo user who is this technician, when the demo users exist."""
    if name != TECHNICIAN_USER[0]:
        return None
    found = get_user_model().objects.filter(username=TECHNICIAN_USER[1]).first()
    return found.pk if found else None


def load_visits(customer_ids: list[int]) -> int:
    """Today's visits on cases of the given customers (once: each case under its key)."""
    made = 0
    today = timezone.localdate()
    for (key, subject, skill, zone, address, what), customer_id in zip(
        VISITS, customer_ids, strict=False
    ):
        if made_before(key) is not None:
            continue
        case = open_demo_case(key, customer_id, subject, "post_sale", subtype="service_problem")
        order = workorders.open_work_order(
            workorders.NewWorkOrder(case.pk, skill, zone, 90, address), ACTOR
        )
        if what == "done":
            workorders.dispatch_order(order.number, today, ACTOR)
            workorders.use_part(order.number, "TERM-CALD", 1, ACTOR)
            workorders.close(order.number, 75, "Termocupla cambiada; caldera probada.", ACTOR)
        elif what == "tecnico":
            tech = Technician.objects.get(name=TECHNICIAN_USER[0])
            at = timezone.make_aware(datetime.combine(today, time(10)))
            workorders.schedule(order.number, tech.pk, at, ACTOR)
        made += 1
    return made
