"""The rights a person may exercise, the states a request goes through, the data classes
retention applies to."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class RequestKind(models.TextChoices):
    ACCESS = "access", _("Access")
    RECTIFICATION = "rectification", _("Rectification")
    PORTABILITY = "portability", _("Portability")
    OBJECTION = "objection", _("Objection to marketing")
    ERASURE = "erasure", _("Erasure")


class RequestStatus(models.TextChoices):
    RECEIVED = "received", _("Received")
    VERIFIED = "verified", _("Identity verified")
    IN_PROGRESS = "in_progress", _("In progress")
    COMPLETED = "completed", _("Completed")
    REJECTED = "rejected", _("Rejected")


OPEN_STATUSES = (RequestStatus.RECEIVED, RequestStatus.VERIFIED, RequestStatus.IN_PROGRESS)
CLOSED_STATUSES = (RequestStatus.COMPLETED, RequestStatus.REJECTED)


class StepAction(models.TextChoices):
    RECEIVED = "received", _("Received")
    VERIFIED = "verified", _("Identity verified")
    STARTED = "started", _("Taken on")
    EXPORTED = "exported", _("Copy of the data produced")
    RECTIFIED = "rectified", _("Data rectified")
    OBJECTED = "objected", _("Marketing consents withdrawn")
    ERASED = "erased", _("Data erased")
    COMPLETED = "completed", _("Completed")
    REJECTED = "rejected", _("Rejected")


class DataClass(models.TextChoices):
    INTERACTION_BODIES = "interaction_bodies", _("Contact bodies (subject and summary)")
    LAPSED_PROSPECTS = "lapsed_prospects", _("Lapsed prospects")
    HUB_MESSAGES = "hub_messages", _("Delivered hub messages")
    CLOSED_REQUESTS = "closed_requests", _("Closed data-subject requests")
