"""The contact center's coded values, with the words users see (Spanish and English)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Medium(models.TextChoices):
    """One priority order whatever the medium: the universal queue (seed 002)."""

    VOICE = "voice", _("Call")
    EMAIL = "email", _("E-mail")
    CHAT = "chat", _("Chat")
    CALLBACK = "callback", _("Web call-back")
    VOICEMAIL = "voicemail", _("Voicemail")


class Direction(models.TextChoices):
    INBOUND = "inbound", _("Inbound")
    OUTBOUND = "outbound", _("Outbound")


class AgentState(models.TextChoices):
    """Seed 002's time categories; vacation and sickness are planned absences."""

    LOGGED_OUT = "logged_out", _("Logged out")
    AVAILABLE = "available", _("Available")
    BUSY = "busy", _("Talking")
    WRAP_UP = "wrap_up", _("Wrap-up")
    BREAK = "break", _("Break")
    TRAINING = "training", _("Training")
    ADMIN = "admin", _("Admin")
    NOT_READY = "not_ready", _("Not ready (missed a contact)")
    VACATION = "vacation", _("Vacation")
    SICKNESS = "sickness", _("Sickness")


class ContactStatus(models.TextChoices):
    IVR = "ivr", _("In the IVR")
    QUEUED = "queued", _("Waiting")
    OFFERED = "offered", _("Ringing at an agent")
    HANDLING = "handling", _("With an agent")
    HELD = "held", _("On hold")
    WRAP_UP = "wrap_up", _("Wrap-up")
    DONE = "done", _("Done")
    ABANDONED = "abandoned", _("Abandoned")
    BLOCKED = "blocked", _("All trunks busy")


class Outcome(models.TextChoices):
    """Seed 002's outcomes of a contact."""

    RESOLVED = "resolved", _("Resolved")
    COMMITMENT = "commitment", _("Commitment (follow-up)")
    ESCALATED = "escalated", _("Escalated")
    TRANSFERRED = "transferred", _("Transferred")


class QueueLevel(models.IntegerChoices):
    LEVEL_1 = 1, _("Level 1")
    EXPERTS = 2, _("Level 2 experts")
    SPECIALISTS = 3, _("Specialists")
    DIFFICULT = 4, _("Difficult cases")


LIVE_STATUSES = (
    ContactStatus.QUEUED,
    ContactStatus.OFFERED,
    ContactStatus.HANDLING,
    ContactStatus.HELD,
)
ENDED_STATUSES = (
    ContactStatus.DONE,
    ContactStatus.ABANDONED,
    ContactStatus.BLOCKED,
)
