"""The rights a person may exercise, the states a request goes through, the data classes
retention applies to."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from lealtad.core import vocabulary


class RequestKind(models.TextChoices):
    ACCESS = "access", _("Access")
    RECTIFICATION = "rectification", _("Rectification")
    PORTABILITY = "portability", _("Portability")
    OBJECTION = "objection", _("Objection to marketing")
    ERASURE = "erasure", _("Erasure")


class RequestStatus(models.TextChoices):
    RECEIVED = "received", pgettext_lazy("privacy request", "Received")
    VERIFIED = "verified", pgettext_lazy("privacy request", "Identity verified")
    IN_PROGRESS = "in_progress", pgettext_lazy("privacy request", "In progress")
    COMPLETED = "completed", pgettext_lazy("privacy request", "Completed")
    REJECTED = "rejected", pgettext_lazy("privacy request", "Rejected")


OPEN_STATUSES = (RequestStatus.RECEIVED, RequestStatus.VERIFIED, RequestStatus.IN_PROGRESS)
CLOSED_STATUSES = (RequestStatus.COMPLETED, RequestStatus.REJECTED)


class StepAction(models.TextChoices):
    RECEIVED = "received", pgettext_lazy("privacy request", "Received")
    VERIFIED = "verified", pgettext_lazy("privacy request", "Identity verified")
    STARTED = "started", _("Taken on")
    EXPORTED = "exported", _("Copy of the data produced")
    RECTIFIED = "rectified", _("Data rectified")
    OBJECTED = "objected", _("Marketing consents withdrawn")
    ERASED = "erased", _("Data erased")
    COMPLETED = "completed", pgettext_lazy("privacy request", "Completed")
    REJECTED = "rejected", pgettext_lazy("privacy request", "Rejected")


class DataClass(models.TextChoices):
    INTERACTION_BODIES = "interaction_bodies", _("Contact bodies (subject and summary)")
    LAPSED_PROSPECTS = "lapsed_prospects", _("Lapsed prospects")
    HUB_MESSAGES = "hub_messages", _("Delivered hub messages")
    CLOSED_REQUESTS = "closed_requests", _("Closed data-subject requests")


# Who started a retention run (``RetentionRun.trigger``), in words on the retention page.
vocabulary.register(
    "privacy.run_trigger",
    {
        "schedule": pgettext_lazy("retention run", "scheduled"),
        "cli": pgettext_lazy("retention run", "from the command line"),
        "web": pgettext_lazy("retention run", "from this page"),
        "api": pgettext_lazy("retention run", "through the API"),
    },
)
