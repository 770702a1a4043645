"""Satisfaction surveys (seed 002): CSAT 1-5 and NPS 0-10 with a comment, asked by e-mail
within 24 hours and by phone within 48 hours of a resolved case or an ended contact.

The due times are columns, not in-memory timers: the dispatcher's tick sends what is due,
so a restart loses nothing and a second tick sends nothing twice.
"""

from __future__ import annotations

from django.db import models

__all__ = ["Survey"]


class Survey(models.Model):
    class Status(models.TextChoices):
        SCHEDULED = "scheduled"
        EMAILED = "emailed"
        ANSWERED = "answered"
        SKIPPED = "skipped"  # no address, no phone list: nothing to ask through

    origin = models.CharField(max_length=60, unique=True)  # case-12 / contact-40: once each
    customer_id = models.BigIntegerField(db_index=True)
    case_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    contact_id = models.BigIntegerField(null=True, blank=True)
    category = models.CharField(max_length=40, blank=True, default="")
    subtype = models.CharField(max_length=40, blank=True, default="")
    product_sku = models.CharField(max_length=64, blank=True, default="")
    language = models.CharField(max_length=5, default="es")
    status = models.CharField(max_length=10, default=Status.SCHEDULED, db_index=True)
    created_at = models.DateTimeField()
    email_due_at = models.DateTimeField(null=True, blank=True, db_index=True)
    emailed_at = models.DateTimeField(null=True, blank=True)
    email_to = models.CharField(max_length=254, blank=True, default="")
    phone_due_at = models.DateTimeField(null=True, blank=True, db_index=True)
    phoned_at = models.DateTimeField(null=True, blank=True)  # put on the dialer's call list
    answered_at = models.DateTimeField(null=True, blank=True)
    answered_by = models.CharField(max_length=20, blank=True, default="")  # email / phone / portal
    csat = models.PositiveSmallIntegerField(null=True, blank=True)
    nps = models.PositiveSmallIntegerField(null=True, blank=True)
    comment = models.TextField(blank=True, default="")
    follow_up_case_id = models.BigIntegerField(null=True, blank=True)
    note = models.CharField(max_length=200, blank=True, default="")

    class Meta:
        indexes = [models.Index(fields=["category", "product_sku"], name="survey_cat_product")]

    def __str__(self) -> str:
        return f"survey {self.origin}"
