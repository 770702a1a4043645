"""What the service desk charged a case for its handling: one row per support group the case
passed through, so resolving a reopened case again charges only the groups it had not
already been charged for."""

from __future__ import annotations

from django.db import models

from lealtad.service.models.cases import Case
from lealtad.service.models.desk import SupportGroup

__all__ = ["CaseCharge"]


class CaseCharge(models.Model):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="charges")
    group = models.ForeignKey(SupportGroup, on_delete=models.PROTECT, related_name="+")
    amount = models.DecimalField(max_digits=10, decimal_places=2)
    at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["case", "group"], name="svc_charge_once"),
        ]

    def __str__(self) -> str:
        return f"{self.case_id}@{self.group_id} {self.amount}"
