"""Field-service demo data: technicians in Quito's zones with their vans, spare parts from two
suppliers with stock and minimums (one already low, so the first part used drafts an order).
Idempotent: loading twice changes nothing."""

from __future__ import annotations

from datetime import time
from decimal import Decimal

from django.db import transaction

from lealtad.service.models import Technician
from lealtad.service.services import parts, technicians

TECHNICIANS = (
    ("Carla Pérez", ["caldera", "gas"], ["norte", "centro"], "VAN-1", "42.00"),
    ("Diego Andrade", ["aire", "refrigeracion"], ["norte", "cumbaya"], "VAN-2", "38.00"),
    ("Lucía Guamán", ["lavadora", "cocina", "electrico"], ["sur", "centro"], "VAN-3", "35.00"),
    ("Marco Villacís", ["caldera", "electrico"], ["valle", "sur"], "VAN-4", "40.00"),
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
        technicians.add_technician(
            technicians.NewTechnician(name, skills, zones, time(8), time(17), Decimal(rate), van)
        )
        made += 1
    for sku, name, supplier, cost, reorder in PARTS:
        parts.save_part(parts.NewPart(sku, name, supplier, Decimal(cost), reorder))
    for sku, where in STOCK.items():
        for location, (on_hand, minimum) in where.items():
            parts.set_stock(sku, location, on_hand, minimum)
    return {"technicians": made, "parts": len(PARTS)}
