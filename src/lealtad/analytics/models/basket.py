"""The cross-sell rules mined from what customers buy together (one set in force)."""

from __future__ import annotations

from django.db import models


class AssociationRule(models.Model):
    """``antecedent → consequent`` over product codes, with its figures, from the latest
    mining run (``run_id``); a new run replaces the whole set in one transaction.

    ``antecedent_key``/``consequent_key`` repeat the codes as ``|A|B|`` so "rules naming
    product X" is one ``LIKE`` on both databases (SQLite has no JSON
    containment lookup)."""

    antecedent = models.JSONField()  # product codes, sorted
    consequent = models.JSONField()
    antecedent_key = models.TextField()
    consequent_key = models.TextField()
    support = models.FloatField()
    confidence = models.FloatField()
    lift = models.FloatField()
    count = models.PositiveIntegerField()  # baskets holding both sides
    baskets = models.PositiveIntegerField()  # baskets mined
    computed_at = models.DateTimeField()
    run_id = models.CharField(max_length=40)

    class Meta:
        ordering = ["-lift", "-confidence", "id"]
        indexes = [models.Index(fields=["-lift", "-confidence"], name="assocrule_lift_idx")]

    def __str__(self) -> str:
        return f"{', '.join(self.antecedent)} → {', '.join(self.consequent)} ({self.lift:.2f})"
