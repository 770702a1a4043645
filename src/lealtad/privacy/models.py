"""Data-subject requests, their steps, and retention policies and runs."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from lealtad.privacy import choices


class DataSubjectRequest(models.Model):
    """A person's request to exercise a right over their data (access, rectification,
    portability, objection to marketing, erasure), tracked from receipt to answer within the
    legal term (LOPDP: 15 days, ``LEALTAD_PRIVACY_DUE_DAYS``).

    The customer is named by id only (a context never points a foreign key into another's
    tables); ``details`` says what the person asked, in their words, and is erased with them.
    """

    kind = models.CharField(_("right"), max_length=16, choices=choices.RequestKind.choices)
    status = models.CharField(
        _("status"),
        max_length=12,
        choices=choices.RequestStatus.choices,
        default=choices.RequestStatus.RECEIVED,
    )
    customer_id = models.BigIntegerField(_("customer"), db_index=True)
    channel = models.CharField(_("received through"), max_length=40, blank=True)
    details = models.TextField(_("what the person asks"), blank=True)
    received_at = models.DateTimeField(_("received"))
    due_at = models.DateTimeField(_("due"), db_index=True)
    verified_at = models.DateTimeField(null=True, blank=True)
    verified_by = models.CharField(max_length=150, blank=True)
    verification = models.CharField(_("how the identity was verified"), max_length=200, blank=True)
    handled_by = models.CharField(_("handled by"), max_length=150, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True, db_index=True)
    outcome = models.TextField(_("outcome or reason"), blank=True)
    created_by = models.CharField(max_length=150)

    class Meta:
        verbose_name = _("data-subject request")
        verbose_name_plural = _("data-subject requests")
        ordering = ["due_at", "id"]

    def __str__(self) -> str:
        return f"#{self.pk} {self.kind} customer {self.customer_id} ({self.status})"


class RequestStep(models.Model):
    """One step of a request: who did what and when (the request's own audit)."""

    request = models.ForeignKey(DataSubjectRequest, on_delete=models.CASCADE, related_name="steps")
    at = models.DateTimeField()
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    actor_label = models.CharField(max_length=150)
    action = models.CharField(max_length=12, choices=choices.StepAction.choices)
    note = models.TextField(blank=True)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        verbose_name = _("request step")
        verbose_name_plural = _("request steps")
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.request_id} {self.action} by {self.actor_label}"


class RetentionPolicy(models.Model):
    """How long one class of data is kept. A policy takes effect only once switched on: data
    goes for good, so it is the privacy officer's decision, never a default of the software."""

    data_class = models.CharField(max_length=24, choices=choices.DataClass.choices, unique=True)
    months = models.PositiveIntegerField(_("months kept"))
    active = models.BooleanField(_("applied"), default=False)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.CharField(max_length=150, blank=True)

    class Meta:
        verbose_name = _("retention policy")
        verbose_name_plural = _("retention policies")
        ordering = ["data_class"]

    def __str__(self) -> str:
        return f"{self.data_class}: {self.months} months{'' if self.active else ' (off)'}"


class RetentionRun(models.Model):
    """One pass of the retention policies, dry or applied, with what it listed or removed."""

    started_at = models.DateTimeField(db_index=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    dry_run = models.BooleanField()
    trigger = models.CharField(max_length=10)  # schedule, cli, web, api
    run_by = models.CharField(max_length=150)
    results = models.JSONField(default=dict)

    class Meta:
        verbose_name = _("retention run")
        verbose_name_plural = _("retention runs")
        ordering = ["-started_at", "-id"]

    def __str__(self) -> str:
        return f"{'dry ' if self.dry_run else ''}retention {self.started_at:%Y-%m-%d %H:%M}"
