"""The SLA snapshot the periodic job extrapolates (``service_engine.sla.evaluate_many``).

The fold over a case's history is the reference; folding a million histories every minute
is wasted work, so after each change of a case its fold leaves here where each target's clock
stood (elapsed business seconds, running or not, as of when) and which warnings, breaches and
escalations were already announced, so the job announces each of them once.
"""

from __future__ import annotations

from django.db import models

from lealtad.service.models.cases import Case
from lealtad.service.models.desk import BusinessCalendar

__all__ = ["CaseClock"]


class CaseClock(models.Model):
    case = models.OneToOneField(
        Case, primary_key=True, on_delete=models.CASCADE, related_name="clock"
    )
    calendar = models.ForeignKey(BusinessCalendar, null=True, on_delete=models.SET_NULL)
    as_of = models.DateTimeField()
    warn_at = models.FloatField(default=0.8)
    open = models.BooleanField(default=True)  # the case is open: the job looks at it
    first_elapsed = models.FloatField(default=0)
    first_target = models.FloatField(null=True)
    first_running = models.BooleanField(default=False)
    resolution_elapsed = models.FloatField(default=0)
    resolution_target = models.FloatField(null=True)
    resolution_running = models.BooleanField(default=False)
    # What was already announced (history entry + hub event), so the job is idempotent.
    first_warned = models.BooleanField(default=False)
    first_breached = models.BooleanField(default=False)
    resolution_warned = models.BooleanField(default=False)
    resolution_breached = models.BooleanField(default=False)
    escalated = models.BooleanField(default=False)

    class Meta:
        indexes = [models.Index(fields=["open"], name="svc_clock_open")]

    def __str__(self) -> str:
        return f"clock {self.case_id}"
