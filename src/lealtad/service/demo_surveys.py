"""Surveys demo: the resolved demo cases were asked how it went and answered, one happy, one
unhappy (which opens its follow-up case), one on the phone: the root-cause report and the
customers' timelines have something to show.

Idempotent: one survey per case (``schedule`` ignores a repeat), answered only once."""

from __future__ import annotations

from django.utils import timezone

from lealtad.service.demo_common import SOURCE
from lealtad.service.models import Case, Survey
from lealtad.service.services import surveys

ANSWERS = (  # csat, nps, comment, channel
    (5, 10, "Me resolvieron todo en una llamada.", "email"),
    (1, 3, "Tuve que llamar tres veces y nadie sabía del caso.", "email"),
    (4, 8, "", "phone"),
)


def load() -> int:
    """Answers for the resolved demo cases that have none yet; returns how many."""
    resolved = Case.objects.filter(source=SOURCE, status="resolved", customer_id__isnull=False)
    answered = 0
    for case, (csat, nps, comment, channel) in zip(resolved.order_by("pk"), ANSWERS, strict=False):
        at = case.resolved_at or timezone.now()
        surveys.schedule(f"case-{case.pk}", int(case.customer_id or 0), at, case=case)
        survey = Survey.objects.get(origin=f"case-{case.pk}")
        if survey.answered_at is not None:
            continue
        surveys.answer(survey.pk, surveys.Answer(csat, nps, comment, channel))
        answered += 1
    return answered
