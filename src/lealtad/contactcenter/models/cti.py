"""What the contact center knows of each PBX and each call it reported (CTI).

A PBX's call id is only unique within one life of the switch (``epoch``): after a restart
ids may start over. ``CtiCall.last_seq`` is the last of the call's events applied, so a
repeated event is recognised and an early one is held back (``CtiPending``) until the gap
before it fills or times out.
"""

from __future__ import annotations

from django.db import models

from lealtad.contactcenter.models.contacts import Contact


class CtiSwitch(models.Model):
    switch_id = models.CharField(max_length=60, unique=True)
    epoch = models.PositiveIntegerField(default=0)
    restarted_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.switch_id}@{self.epoch}"


class CtiCall(models.Model):
    switch_id = models.CharField(max_length=60)
    epoch = models.PositiveIntegerField()
    call_ref = models.CharField(max_length=100)
    contact = models.ForeignKey(
        Contact, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    direction = models.CharField(max_length=10, default="inbound")
    number = models.CharField(max_length=40, blank=True)
    # The agent's phone as the switch names it (the agent's extension).
    agent = models.CharField(max_length=40, blank=True)
    queue = models.CharField(max_length=60, blank=True)
    last_seq = models.PositiveIntegerField(default=0)
    ended = models.BooleanField(default=False)
    # How it ended when that is not a contact's story: blocked, a dial outcome, restart.
    outcome = models.CharField(max_length=20, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["switch_id", "epoch", "call_ref"], name="cc_cti_call_once"
            ),
        ]
        indexes = [models.Index(fields=["switch_id", "ended", "epoch"], name="cc_cti_live")]

    def __str__(self) -> str:
        return f"{self.switch_id}@{self.epoch}/{self.call_ref}"


class CtiPending(models.Model):
    """An event that arrived before one of its call's earlier events: held, in wire form."""

    call = models.ForeignKey(CtiCall, on_delete=models.CASCADE, related_name="pending")
    seq = models.PositiveIntegerField()
    event = models.JSONField()
    received_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["seq"]
        constraints = [
            models.UniqueConstraint(fields=["call", "seq"], name="cc_cti_pending_once"),
        ]

    def __str__(self) -> str:
        return f"{self.call_id}#{self.seq}"
