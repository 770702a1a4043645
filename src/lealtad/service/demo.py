"""Service desk demo data: support groups by level (with escalation), internal help desks,
business calendars for Ecuador and Colombia, two SLA policies (most valuable customers
faster) and open and closed cases for some demo customers. Idempotent.

:func:`load_all` is the whole desk for ``lealtad demo``: these cases, the knowledge base,
field service with the day's visits, mail threads, a contract and an RMA in progress, and
answered surveys (an unhappy one with its follow-up case). Each area's demo is its own module
(``demo_*``); every one recognises what it made before by a key, so a second run adds nothing."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from lealtad.service import demo_field, demo_knowledge, demo_mail, demo_returns, demo_surveys
from lealtad.service.demo_common import ACTOR, demo_customers, made_before, open_demo_case
from lealtad.service.models import Article, BusinessCalendar, SlaPolicy, SupportGroup
from lealtad.service.services import cases

DAY = [["08:00", "13:00"], ["14:00", "18:00"]]
WEEK = {"mon": DAY, "tue": DAY, "wed": DAY, "thu": DAY, "fri": DAY, "sat": [["09:00", "13:00"]]}
GROUPS = (  # name, label, level, internal, escalates to
    ("dificiles", "Casos difíciles", 4, False, ""),
    ("especialistas", "Especialistas", 3, False, "dificiles"),
    ("expertos", "Expertos (nivel 2)", 2, False, "especialistas"),
    ("nivel1", "Nivel 1", 1, False, "expertos"),
    ("it", "Mesa de ayuda TI", 1, True, ""),
    ("hr", "Recursos humanos", 1, True, ""),
)
CASES = (  # subject, category, subtype, priority, what happens
    ("No me llega la factura de noviembre", "billing_inquiry", "billing_cycle", 2, "open"),
    ("Internet lento desde el lunes", "post_sale", "service_problem", 3, "answered"),
    ("Cobro duplicado en la tarjeta", "complaint", "billing_error", 4, "open"),
    ("Cambio de dirección de facturación", "account_maintenance", "address", 1, "resolved"),
    ("¿Tienen el plan familiar en Cuenca?", "pre_sale", "features", 2, "waiting"),
    ("Llamadas de telemercadeo insistentes", "complaint", "telemarketing", 2, "resolved"),
)


def _setup() -> None:
    for name, label, level, internal, _up in GROUPS:
        SupportGroup.objects.get_or_create(
            name=name, defaults={"label": label, "level": level, "internal": internal}
        )
    for name, _label, _level, _internal, up in GROUPS:
        if up:
            SupportGroup.objects.filter(name=name).update(
                escalates_to=SupportGroup.objects.get(name=up)
            )
    ec, _ = BusinessCalendar.objects.get_or_create(
        name="ec-oficina",
        defaults={"label": "Ecuador, oficina", "time_zone": "America/Guayaquil", "country": "EC"},
    )
    BusinessCalendar.objects.get_or_create(
        name="co-oficina",
        defaults={
            "label": "Colombia, oficina",
            "time_zone": "America/Bogota",
            "country": "CO",
            "hours": WEEK,
        },
    )
    SlaPolicy.objects.get_or_create(
        name="mvc",
        defaults={
            "label": "Clientes más valiosos",
            "calendar": ec,
            "first_response_minutes": 30,
            "resolution_minutes": 240,
            "value_tiers": ["mvc"],
            "rank": 10,
        },
    )
    SlaPolicy.objects.get_or_create(
        name="estandar",
        defaults={
            "label": "Estándar",
            "calendar": ec,
            "first_response_minutes": 240,
            "resolution_minutes": 2880,
            "rank": 100,
        },
    )


def _work(case_id: int, what: str) -> None:
    if what in ("answered", "waiting", "resolved"):
        cases.reply(case_id, "Gracias por escribirnos; ya lo estamos revisando.", ACTOR)
    if what == "waiting":
        cases.set_status(case_id, "pending_customer", ACTOR, "Pedimos la ciudad exacta")
    if what == "resolved":
        cases.resolve(case_id, ACTOR, note_text="Atendido")


def load() -> dict[str, Any]:
    """Groups, calendars, policies, and cases for demo customers (once: each under its key)."""
    with transaction.atomic():
        _setup()
    opened = 0
    for index, customer_id in enumerate(demo_customers(len(CASES))):
        key = f"case-{index}"
        if made_before(key) is not None:
            continue
        subject, category, subtype, priority, what = CASES[index]
        case = open_demo_case(
            key, customer_id, subject, category, subtype=subtype, priority=priority
        )
        _work(case.pk, what)
        opened += 1
    return {"groups": SupportGroup.objects.count(), "cases": opened}


def _knowledge() -> int:
    """The demo articles, tree and scripts, unless they are there (a second run would only
    refresh them, and an article someone edited since would lose the edit)."""
    keys = [row[0] for row in demo_knowledge.ARTICLES]
    if Article.objects.filter(key__in=keys).count() == len(keys):
        return 0
    count = int(demo_knowledge.load(ACTOR))
    demo_knowledge.load_trees(ACTOR)
    return count


def load_all() -> dict[str, int]:
    """The whole service desk's demo, each area after what it needs (idempotent)."""
    done: dict[str, int] = {"cases": load()["cases"]}
    done["articles"] = _knowledge()
    done["technicians"] = demo_field.load()["technicians"]
    people = demo_customers(40)
    done["work_orders"] = demo_field.load_visits(people[len(CASES) :])
    done["mail_threads"] = demo_mail.load(people)
    done.update(demo_returns.load(people))
    done["surveys"] = demo_surveys.load()
    return done
