"""The outbound dialer's records: call lists, their entries with every attempt, and the
do-not-call numbers.

A call list belongs to a queue (its agents take the connected calls) and dials in one mode.
Its entries are customers (by id: the customers context owns who they are); consent and
calling hours are checked again before every attempt, never only when the list was built.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from lealtad.contactcenter.models.agents import Agent
from lealtad.contactcenter.models.queues import Queue


class DialMode(models.TextChoices):
    PREVIEW = "preview", _("Preview")
    PROGRESSIVE = "progressive", _("Progressive")
    PREDICTIVE = "predictive", _("Predictive")


class ListStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    RUNNING = "running", _("Running")
    PAUSED = "paused", _("Paused")
    FINISHED = "finished", _("Finished")


class EntryStatus(models.TextChoices):
    PENDING = "pending", _("To call")
    PREVIEWING = "previewing", _("With an agent in preview")
    DIALLING = "dialling", _("Dialling")
    DONE = "done", _("Reached")
    CLOSED = "closed", _("Not to be called")  # a rule that never lets go, or attempts used up


class CallList(models.Model):
    name = models.SlugField(_("name"), max_length=60, unique=True)
    label = models.CharField(_("label"), max_length=120, blank=True)
    queue = models.ForeignKey(Queue, on_delete=models.PROTECT, related_name="call_lists")
    mode = models.CharField(_("mode"), max_length=12, choices=DialMode.choices)
    status = models.CharField(
        _("status"), max_length=10, choices=ListStatus.choices, default=ListStatus.DRAFT
    )
    # The consent the calls need: a phone consent for this purpose (marketing, service…).
    purpose = models.CharField(_("purpose"), max_length=12, default="marketing")
    abandon_cap = models.FloatField(_("abandonment cap"), default=0.03)
    max_attempts = models.PositiveSmallIntegerField(_("most attempts"), default=5)
    hours = models.JSONField(_("calling hours"), default=dict, blank=True)
    default_time_zone = models.CharField(max_length=60, default="America/Guayaquil")
    criteria = models.JSONField(default=dict, blank=True)  # how the entries were chosen
    dialled = models.PositiveIntegerField(default=0)
    answered = models.PositiveIntegerField(default=0)
    connected = models.PositiveIntegerField(default=0)
    abandoned = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.CharField(max_length=150, blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("call list")
        verbose_name_plural = _("call lists")

    def __str__(self) -> str:
        return self.name


class CallListEntry(models.Model):
    call_list = models.ForeignKey(CallList, on_delete=models.CASCADE, related_name="entries")
    customer_id = models.BigIntegerField()
    status = models.CharField(max_length=10, choices=EntryStatus.choices, default="pending")
    attempts = models.PositiveSmallIntegerField(default=0)
    last_result = models.CharField(max_length=20, blank=True)
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    next_try_at = models.DateTimeField(null=True, blank=True)
    refusal = models.CharField(max_length=20, blank=True)  # why the last check held it back
    contact_id = models.BigIntegerField(null=True, blank=True)  # the connected contact
    # Preview mode: the agent reading the record (and, once accepted, taking its call).
    reserved_for = models.ForeignKey(
        Agent, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reserved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=["call_list", "customer_id"], name="cc_call_list_customer_once"
            )
        ]
        indexes = [models.Index(fields=["call_list", "status", "next_try_at"], name="cc_entry_due")]

    def __str__(self) -> str:
        return f"{self.call_list_id}:{self.customer_id}"


class DialAttempt(models.Model):
    """One line the dialer started, from the switch's call id to its result."""

    entry = models.ForeignKey(CallListEntry, on_delete=models.CASCADE, related_name="tries")
    number = models.CharField(max_length=20)
    switch_id = models.CharField(max_length=60)
    call_ref = models.CharField(max_length=120, blank=True)
    answered = models.BooleanField(default=False)
    result = models.CharField(max_length=20, blank=True)  # empty while the line is live
    started_at = models.DateTimeField()
    answered_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    contact_id = models.BigIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["switch_id", "call_ref"], name="cc_dial_attempt_call")]
        constraints = [
            # A switch numbers its calls afresh after a restart: a call id names one open
            # line at a time, not one line forever.
            models.UniqueConstraint(
                fields=["switch_id", "call_ref"],
                condition=~models.Q(call_ref="") & models.Q(result=""),
                name="cc_dial_attempt_open_call_once",
            )
        ]

    def __str__(self) -> str:
        return f"{self.switch_id}/{self.call_ref}"


class DoNotCallNumber(models.Model):
    """A number nobody may dial: a national registry's, or a person who asked."""

    e164 = models.CharField(max_length=20, unique=True)
    source = models.CharField(max_length=60, blank=True)
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["e164"]

    def __str__(self) -> str:
        return self.e164
