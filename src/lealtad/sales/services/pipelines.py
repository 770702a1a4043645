"""Pipelines and their stages: a sales process configured by the business.

A pipeline needs at least one open stage, one won and one lost. An open stage's probability
lies strictly between 0 and 100 (an open deal is never sure nor hopeless); a won stage's is
100 and a lost stage's 0, so the weighted forecast reads stage weights as they are.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from lealtad.sales.choices import StageKind
from lealtad.sales.models import Pipeline, Stage
from lealtad.sales.services.common import SalesConflict, SalesNotFound, SalesRefused


@dataclass(frozen=True)
class StageIn:
    name: str
    probability: int
    kind: str = StageKind.OPEN


# Seed 004's "funcionalidad de las ventas": prospect, qualify, propose, negotiate, close.
STANDARD = (
    StageIn("Prospección", 10),
    StageIn("Calificación", 25),
    StageIn("Propuesta", 50),
    StageIn("Negociación", 75),
    StageIn("Ganada", 100, StageKind.WON),
    StageIn("Perdida", 0, StageKind.LOST),
)


def create_pipeline(
    code: str, name: str, stages: Sequence[StageIn], *, currency: str = "USD", default: bool = False
) -> Pipeline:
    """A pipeline with its stages in the order given; refused whole when one is wrong."""
    _check_stages(stages)
    if not code.strip() or not name.strip():
        raise SalesRefused(_("A pipeline needs a code and a name."), field="code")
    with transaction.atomic():
        if Pipeline.objects.filter(code=code).exists():
            raise SalesConflict(_("There is a pipeline %(code)s already."), field="code", code=code)
        if default or not Pipeline.objects.filter(is_default=True).exists():
            Pipeline.objects.filter(is_default=True).update(is_default=False)
            default = True
        pipeline = Pipeline.objects.create(
            code=code, name=name, currency=currency.upper(), is_default=default
        )
        Stage.objects.bulk_create(
            Stage(pipeline=pipeline, name=s.name, order=i, probability=s.probability, kind=s.kind)
            for i, s in enumerate(stages, start=1)
        )
    return pipeline


def standard_pipeline() -> Pipeline:
    """The standard pipeline (``ventas``), made once; the default when none is."""
    found = Pipeline.objects.filter(code="ventas").first()
    return found or create_pipeline("ventas", "Ventas", STANDARD)


def _check_stages(stages: Sequence[StageIn]) -> None:
    names: set[str] = set()
    for i, stage in enumerate(stages):
        field = f"stages[{i}]"
        if not stage.name.strip() or len(stage.name) > 80:
            raise SalesRefused(_("A stage needs a name of 1 to 80 characters."), field=field)
        if stage.name.casefold() in names:
            raise SalesRefused(_("Two stages are named %(name)s."), field=field, name=stage.name)
        names.add(stage.name.casefold())
        if stage.kind not in StageKind.values:
            raise SalesRefused(_("A stage is open, won or lost."), field=f"{field}.kind")
        if not _probability_fits(stage):
            raise SalesRefused(
                _("An open stage's probability is between 1 and 99; won is 100, lost 0."),
                field=f"{field}.probability",
            )
    kinds = {s.kind for s in stages}
    if kinds != set(StageKind.values):
        raise SalesRefused(
            _("A pipeline needs at least one open, one won and one lost stage."), field="stages"
        )


def _probability_fits(stage: StageIn) -> bool:
    if stage.kind == StageKind.WON:
        return stage.probability == 100
    if stage.kind == StageKind.LOST:
        return stage.probability == 0
    return 0 < stage.probability < 100


def pipeline_for(code: str = "") -> Pipeline:
    """The pipeline named, or the default one."""
    found = (
        Pipeline.objects.filter(code=code, active=True)
        if code
        else Pipeline.objects.filter(is_default=True, active=True)
    ).first()
    if found is None:
        if code:
            raise SalesNotFound(_("There is no pipeline %(code)s."), field="pipeline", code=code)
        raise SalesNotFound(
            _("There is no default pipeline: create one (lealtad sales pipelines --standard)."),
            field="pipeline",
        )
    return found


def first_open_stage(pipeline: Pipeline) -> Stage:
    stage = pipeline.stages.filter(kind=StageKind.OPEN).order_by("order").first()
    if stage is None:
        raise SalesConflict(
            _("Pipeline %(code)s has no open stage."), field="pipeline", code=pipeline.code
        )
    return stage
