"""IVR flows kept as their YAML text (versioned) and the calls walking them.

A flow's YAML is the single source of truth (``contact_engine.ivr`` reads it); the row adds a
version so an edit never changes a flow under a call already in it: a session points at the
version it started on. A session row holds the engine's session dict between the PBX's HTTP
requests, so any process can take the next key press.
"""

from __future__ import annotations

import uuid

from django.db import models
from django.utils.translation import gettext_lazy as _


class IvrFlow(models.Model):
    name = models.SlugField(_("name"), max_length=60)
    version = models.PositiveIntegerField(_("version"))
    yaml_text = models.TextField(_("flow (YAML)"))
    description = models.CharField(_("description"), max_length=200, blank=True)
    active = models.BooleanField(_("active"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.CharField(max_length=150, blank=True)

    class Meta:
        ordering = ["name", "-version"]
        verbose_name = _("IVR flow")
        verbose_name_plural = _("IVR flows")
        constraints = [
            models.UniqueConstraint(fields=["name", "version"], name="cc_ivr_flow_version_once"),
            models.UniqueConstraint(
                fields=["name"], condition=models.Q(active=True), name="cc_ivr_flow_one_active"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} v{self.version}"


class IvrSessionStatus(models.TextChoices):
    ACTIVE = "active", _("In the IVR")
    QUEUED = "queued", _("Sent to a queue")
    VOICEMAIL = "voicemail", _("Left a message")
    ENDED = "ended", _("Hung up in the IVR")


class IvrSession(models.Model):
    """One call in the IVR. The id is a random UUID: the PBX's handle for the next requests."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    flow = models.ForeignKey(IvrFlow, on_delete=models.PROTECT, related_name="sessions")
    source = models.CharField(max_length=60, blank=True)  # which PBX
    call_id = models.CharField(max_length=120)
    caller_id = models.CharField(max_length=40, blank=True)
    customer_id = models.BigIntegerField(null=True, blank=True)
    state = models.JSONField(default=dict)  # contact_engine.ivr.Session.to_dict()
    inputs = models.PositiveIntegerField(default=0)  # key presses and timeouts taken
    status = models.CharField(
        max_length=12, choices=IvrSessionStatus.choices, default=IvrSessionStatus.ACTIVE
    )
    contact = models.ForeignKey(
        "contactcenter.Contact", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    started_at = models.DateTimeField()
    updated_at = models.DateTimeField(auto_now=True)
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-started_at"]
        verbose_name = _("IVR session")
        verbose_name_plural = _("IVR sessions")
        constraints = [
            models.UniqueConstraint(fields=["source", "call_id"], name="cc_ivr_session_call_once")
        ]

    def __str__(self) -> str:
        return f"{self.call_id} in {self.flow}"
