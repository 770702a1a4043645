"""A case and its history: every status change, reply, message and note, in order.

The SLA clock is computed from this history (``service_engine.sla``), never kept as a
running counter, so pauses, holidays and a policy change mid-case all come out right.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from lealtad.service.choices import CaseCategory, CaseOutcome, CaseStatus, EntryKind, Priority
from lealtad.service.models.desk import SlaPolicy, SupportGroup


class Case(models.Model):
    number = models.CharField(max_length=20, unique=True)
    customer_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    # An employee's case on the internal help desk.
    requester = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    category = models.CharField(max_length=30, choices=CaseCategory.choices)
    subtype = models.CharField(max_length=40, blank=True)
    channel = models.CharField(_("channel of origin"), max_length=40, default="web")
    subject = models.CharField(_("subject"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    priority = models.PositiveSmallIntegerField(choices=Priority.choices, default=Priority.NORMAL)
    status = models.CharField(max_length=20, choices=CaseStatus.choices, default="new")
    outcome = models.CharField(max_length=20, choices=CaseOutcome.choices, blank=True)
    follow_up_on = models.DateField(null=True, blank=True)
    group = models.ForeignKey(SupportGroup, null=True, blank=True, on_delete=models.PROTECT)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Links to other contexts, by their references (no foreign keys across contexts).
    order_number = models.CharField(max_length=40, blank=True)
    product_sku = models.CharField(max_length=60, blank=True)
    contract_number = models.CharField(max_length=40, blank=True)
    contact_id = models.BigIntegerField(null=True, blank=True)  # the contact center's contact
    value_tier = models.CharField(max_length=20, default="unknown")
    # The SLA as last computed from the history (for lists and the periodic job).
    sla_policy = models.ForeignKey(SlaPolicy, null=True, blank=True, on_delete=models.SET_NULL)
    first_response_due = models.DateTimeField(null=True, blank=True)
    first_response_at = models.DateTimeField(null=True, blank=True)
    resolution_due = models.DateTimeField(null=True, blank=True)
    sla_breached = models.BooleanField(default=False)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()
    resolved_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    cost = models.DecimalField(_("cost of support"), max_digits=12, decimal_places=2, default=0)
    # Where an imported case came from (another help desk, a file): the same source and
    # reference twice is the same case, so a repeated import changes nothing.
    source = models.CharField(max_length=40, blank=True)
    external_ref = models.CharField(max_length=80, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("case")
        verbose_name_plural = _("cases")
        indexes = [
            models.Index(fields=["status", "resolution_due"], name="svc_case_due"),
            models.Index(fields=["group", "status"], name="svc_case_group"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["source", "external_ref"],
                condition=~models.Q(external_ref=""),
                name="svc_case_external_ref",
            )
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.subject}"


class CaseEntry(models.Model):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="entries")
    at = models.DateTimeField()
    kind = models.CharField(max_length=20, choices=EntryKind.choices)
    public = models.BooleanField(default=False)
    author = models.CharField(max_length=150, blank=True)
    body = models.TextField(blank=True)
    status = models.CharField(max_length=20, blank=True)  # the status it set, if any
    data = models.JSONField(default=dict, blank=True)
    # Mail threading: what the message was called and what it answered.
    message_id = models.CharField(max_length=250, blank=True, db_index=True)
    in_reply_to = models.CharField(max_length=250, blank=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.case_id} {self.kind} {self.at:%Y-%m-%d %H:%M}"


class Attachment(models.Model):
    entry = models.ForeignKey(CaseEntry, on_delete=models.CASCADE, related_name="attachments")
    filename = models.CharField(max_length=255)
    content_type = models.CharField(max_length=120)
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    # Under the data directory (LEALTAD_HOME/service/attachments/<sha256>); empty when the file
    # was over the limit and only its description was kept.
    stored = models.CharField(max_length=255, blank=True)

    def __str__(self) -> str:
        return self.filename
