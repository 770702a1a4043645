"""Field service under concurrency: each thread on its own connection (SQLite here,
PostgreSQL with LEALTAD_DATABASE_URL). Defects recorded at once raise one alert; a work order
closed twice at once is closed (and costed) once; the last parts taken twice at once are
taken once."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable
from decimal import Decimal

import pytest
from django.db import connection

from lealtad.core.audit import Actor
from lealtad.core.errors import DomainError
from lealtad.service.models import Case, DefectAlert, PartStock, SupportGroup, Technician
from lealtad.service.services import cases, defects, parts, workorders

pytestmark = pytest.mark.django_db(transaction=True)
ACTOR = Actor.system("race")
THREADS = 6


def at_once(work: Callable[[], object]) -> Counter[str]:
    barrier = threading.Barrier(THREADS)
    outcome: Counter[str] = Counter()
    lock = threading.Lock()

    def run() -> None:
        try:
            barrier.wait()
            work()
            answer = "ok"
        except DomainError as exc:
            answer = exc.code
        finally:
            connection.close()
        with lock:
            outcome[answer] += 1

    threads = [threading.Thread(target=run) for _ in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    return outcome


def test_defects_recorded_at_once_raise_one_alert():
    for _ in range(3):
        defects.record_defect(defects.NewDefect("CALD-X200", "No enciende"), ACTOR)
    outcome = at_once(
        lambda: defects.record_defect(defects.NewDefect("CALD-X200", "Fuga"), ACTOR, threshold=5)
    )
    assert outcome == {"ok": THREADS}
    assert DefectAlert.objects.count() == 1


def _scheduled_order() -> str:
    SupportGroup.objects.create(name="nivel1", label="Nivel 1", level=1)
    Technician.objects.create(
        name="Carla", skills=["caldera"], zones=["norte"], hourly_rate=Decimal(60), location="VAN-1"
    )
    case = cases.open_case(
        cases.NewCase(subject="Caldera", category="post_sale", customer_id=9), ACTOR
    )
    order = workorders.open_work_order(
        workorders.NewWorkOrder(case.pk, "caldera", "norte", 60), ACTOR
    )
    from datetime import date

    return workorders.dispatch_order(order.number, date(2026, 12, 7), ACTOR).number


def test_a_work_order_closed_twice_at_once_is_costed_once():
    number = _scheduled_order()
    outcome = at_once(lambda: workorders.close(number, 30, "ok", ACTOR))
    assert outcome == {"ok": 1, "field_state": THREADS - 1}
    case = Case.objects.get(work_orders__number=number)
    assert case.cost == Decimal("30.00") and case.status == "resolved"


def test_the_last_parts_taken_at_once_are_taken_once():
    number = _scheduled_order()
    parts.save_part(parts.NewPart("VAL-GAS", "Válvula", "Repuestos Andinos", Decimal(12)))
    parts.set_stock("VAL-GAS", "VAN-1", 2, 0)
    outcome = at_once(lambda: workorders.use_part(number, "VAL-GAS", 2, ACTOR))
    assert outcome == {"ok": 1, "field_state": THREADS - 1}
    assert PartStock.objects.get().on_hand == 0
