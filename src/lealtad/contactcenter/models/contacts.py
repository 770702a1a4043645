"""A contact on any medium, from arrival to wrap-up, and the journal of everything that
happened in the center (the wallboard and reports are a fold over it)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from lealtad.contactcenter.choices import ContactStatus, Direction, Medium, Outcome
from lealtad.contactcenter.models.agents import Agent
from lealtad.contactcenter.models.queues import Queue


class Contact(models.Model):
    medium = models.CharField(max_length=20, choices=Medium.choices, default=Medium.VOICE)
    direction = models.CharField(
        max_length=10, choices=Direction.choices, default=Direction.INBOUND
    )
    status = models.CharField(max_length=20, choices=ContactStatus.choices, db_index=True)
    queue = models.ForeignKey(
        Queue, null=True, blank=True, on_delete=models.PROTECT, related_name="contacts"
    )
    agent = models.ForeignKey(
        Agent, null=True, blank=True, on_delete=models.SET_NULL, related_name="contacts"
    )
    # The customers context's id (no foreign key across contexts); candidates when the caller
    # id names several customers: the agent picks, never a silent first match.
    customer_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    candidates = models.JSONField(default=list, blank=True)
    caller_id = models.CharField(_("caller id"), max_length=40, blank=True)
    address = models.CharField(_("e-mail or chat address"), max_length=254, blank=True)
    subject = models.CharField(_("subject"), max_length=200, blank=True)
    # Where the PBX, mail or chat system knows it from: idempotency of CTI events.
    source = models.CharField(max_length=60, blank=True)
    external_ref = models.CharField(max_length=120, blank=True)
    # The customer's standing when the contact arrived (what routing used).
    tier = models.CharField(max_length=20, default="unknown")
    clv = models.FloatField(default=0)
    churn_risk = models.FloatField(default=0)
    ivr_data = models.JSONField(default=dict, blank=True)
    # Its place in line: a transfer or a call-back keeps the first arrival's moment.
    place_at = models.DateTimeField()
    arrived_at = models.DateTimeField()
    # When it entered its current queue: relaxation and overflow count from here.
    queued_at = models.DateTimeField(null=True, blank=True)
    offered_at = models.DateTimeField(null=True, blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)
    released_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    wrap_up_code = models.CharField(max_length=60, blank=True)
    outcome = models.CharField(max_length=20, choices=Outcome.choices, blank=True)
    follow_up_on = models.DateField(null=True, blank=True)
    notes = models.TextField(blank=True)
    recording_id = models.CharField(max_length=120, blank=True)
    transferred_from = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-arrived_at", "-id"]
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")
        constraints = [
            models.UniqueConstraint(
                fields=["source", "external_ref"],
                condition=~models.Q(external_ref=""),
                name="cc_contact_external_once",
            ),
        ]
        indexes = [models.Index(fields=["status", "place_at"], name="cc_contact_waiting")]

    def __str__(self) -> str:
        return f"{self.get_medium_display()} #{self.pk}"


class CenterEvent(models.Model):
    """The journal: one reason-coded row per thing that happened, in commit order.

    The router rebuilds from the current rows and follows this journal; the wallboard and the
    interval reports are a fold over it (replaying it gives exactly the live counters).
    """

    at = models.DateTimeField(db_index=True)
    kind = models.CharField(max_length=40)
    contact_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    agent_id = models.BigIntegerField(null=True, blank=True)
    # Whose contact it was (first-contact resolution counts per customer).
    customer_id = models.BigIntegerField(null=True, blank=True)
    queue = models.CharField(max_length=60, blank=True)
    medium = models.CharField(max_length=20, blank=True)
    tier = models.CharField(max_length=20, blank=True)
    state = models.CharField(max_length=20, blank=True)
    reason = models.CharField(max_length=60, blank=True)
    data = models.JSONField(default=dict, blank=True)
    # A repeated delivery of the same outside event (CTI, mail) writes nothing twice.
    key = models.CharField(max_length=200, null=True, blank=True, unique=True)

    class Meta:
        verbose_name = _("center event")
        verbose_name_plural = _("center events")
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.at:%H:%M:%S} {self.kind}"
