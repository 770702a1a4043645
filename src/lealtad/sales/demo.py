"""The demo's sales floor: a team, leads from every source, a pipeline with deals at each stage.

So that ``lealtad demo`` opens on a board, a forecast and a dashboard with something to read
(the dashboard's acquisition cost included: six months of spend per source).
Everything goes through the sales services (capture, conversion, moves), so the demo also
proves those paths; a second run adds nothing (leads are captured once per source and id,
and only the leads this run captured are converted).
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.utils import timezone

from lealtad.core.audit import Actor
from lealtad.sales.choices import AssignmentRule, LeadSource, StageKind
from lealtad.sales.models import Opportunity, Pipeline
from lealtad.sales.services import acquisition, conversion, opportunities, pipelines, teams
from lealtad.sales.services.leads import NewLead, capture_leads

FIRST = ("Andrea", "Carlos", "Daniela", "Esteban", "Fernanda", "Gustavo", "Lucía", "Mateo")
LAST = ("Andrade", "Cevallos", "Guamán", "Jaramillo", "Morales", "Quishpe", "Tipán", "Zambrano")
COMPANIES = ("Farmacias del Valle", "Ferretería Andina", "Textiles Imbabura", "", "", "")
REGIONS = ("Pichincha", "Guayas", "Azuay", "Manabí", "Tungurahua")
SOURCES = (LeadSource.WEB_FORM, LeadSource.CAMPAIGN, LeadSource.TELEMARKETING, LeadSource.IMPORT)
SELLERS = ("vendedor", "gerente")


@dataclass(frozen=True)
class Seeded:
    leads: int
    opportunities: int

    def __str__(self) -> str:
        return f"sales: {self.leads} leads, {self.opportunities} opportunities"


def seed(leads: int = 120, seed: int = 7) -> Seeded:
    """Leads assigned round robin; about half become deals spread over the pipeline."""
    rnd = random.Random(seed)
    actor = Actor.system("demo")
    sellers = get_user_model().objects.filter(username__in=SELLERS)
    team = teams.ensure_team(
        "ventas-quito", "Ventas Quito", AssignmentRule.ROUND_ROBIN, [u.pk for u in sellers]
    )
    pipeline = pipelines.standard_pipeline()
    captured = capture_leads([_lead(n, rnd) for n in range(leads)], actor, team=team.code)
    fresh = [c.lead for c in captured if c.created]
    chosen = [lead for lead in fresh if rnd.random() < 0.5]
    today = timezone.localdate()
    made = conversion.convert(
        [
            conversion.Conversion(
                lead.pk,
                pipeline=pipeline.code,
                amount=Decimal(rnd.randrange(300, 25_000)),
                close_date=today + timedelta(days=rnd.randrange(-20, 100)),
            )
            for lead in chosen
        ],
        actor,
    )
    _spread(made, pipeline, rnd, actor)
    _spend(random.Random(seed), actor)
    return Seeded(len(fresh), len(made))


def _spend(rnd: random.Random, actor: Actor) -> None:
    """Six months of spend on each demo source, so the dashboard's acquisition cost has
    figures; the same seed gives the same figures, so a second run changes nothing."""
    first = timezone.localdate().replace(day=1)
    months = [first]
    for _ in range(5):
        months.append((months[-1] - timedelta(days=1)).replace(day=1))
    acquisition.record_spend(
        [
            acquisition.Spend(source, month, Decimal(rnd.randrange(200, 2_500)))
            for month in months
            for source in SOURCES
        ],
        actor,
    )


def _lead(n: int, rnd: random.Random) -> NewLead:
    first, last = rnd.choice(FIRST), rnd.choice(LAST)
    return NewLead(
        source=SOURCES[n % len(SOURCES)],
        external_id=f"demo-{n}",
        person_name=f"{first} {last}",
        company_name=rnd.choice(COMPANIES),
        email=f"{first}.{last}.{n}@example.ec".lower().replace("í", "i").replace("á", "a"),
        phone=f"09{rnd.randrange(80_000_000, 99_999_999)}",
        region=rnd.choice(REGIONS),
        campaign="feria-2026" if n % len(SOURCES) == 1 else "",
    )


def _spread(made: list[Opportunity], pipeline: Pipeline, rnd: random.Random, actor: Actor) -> None:
    """Each deal walks a few stages forward; some end won, some lost."""
    stages = list(pipeline.stages.order_by("order"))
    open_stages = [s for s in stages if s.kind == StageKind.OPEN]
    won = next(s for s in stages if s.kind == StageKind.WON)
    lost = next(s for s in stages if s.kind == StageKind.LOST)
    for deal in made:
        steps = rnd.randrange(0, len(open_stages))
        path = [*open_stages[1 : steps + 1]]
        ending = rnd.random()
        if ending < 0.2:
            path.append(won)
        elif ending < 0.3:
            path.append(lost)
        for stage in path:
            opportunities.move([opportunities.Move(deal.pk, stage.pk, "demo")], actor)
