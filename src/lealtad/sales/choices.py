"""The sales context's fixed vocabularies."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class StageKind(models.TextChoices):
    OPEN = "open", _("open")
    WON = "won", _("won")
    LOST = "lost", _("lost")


class LeadSource(models.TextChoices):
    WEB_FORM = "web_form", _("web form")
    EVENT = "event", _("event")
    CAMPAIGN = "campaign", _("campaign")
    TELEMARKETING = "telemarketing", _("telemarketing")
    IMPORT = "import", _("import")
    API = "api", _("API")


class LeadStatus(models.TextChoices):
    NEW = "new", _("new")
    WORKING = "working", _("working")
    QUALIFIED = "qualified", _("qualified")
    CONVERTED = "converted", _("converted")
    DISQUALIFIED = "disqualified", _("disqualified")


# A lead still in play: counted for assignment by load, may be qualified or converted.
OPEN_LEAD_STATUSES = (LeadStatus.NEW, LeadStatus.WORKING, LeadStatus.QUALIFIED)


class ForecastCategory(models.TextChoices):
    COMMIT = "commit", _("commit")
    BEST_CASE = "best_case", _("best case")
    PIPELINE = "pipeline", _("pipeline")
    OMITTED = "omitted", _("omitted")


class ActivityKind(models.TextChoices):
    CALL = "call", _("call")
    MEETING = "meeting", _("meeting")
    TASK = "task", _("task")
    EMAIL = "email", _("e-mail")


class TimeCategory(models.TextChoices):
    """Where a seller's time goes (seed 004: "manejo del tiempo" for field sales, "servicio en
    el campo de ventas", and inside sales, telemarketing): what the time reports add up."""

    # Field sales (fuerza de ventas, acción de campo).
    CUSTOMER_VISIT = "customer_visit", _("customer visit")
    TRAVEL = "travel", _("travel")
    PROSPECTING = "prospecting", _("prospecting")
    DEMONSTRATION = "demonstration", _("demonstration")
    # Inside sales and telemarketing.
    SALES_CALL = "sales_call", _("sales call")
    TELEMARKETING = "telemarketing", _("telemarketing")
    FOLLOW_UP = "follow_up", _("follow-up")
    ORDER_STATUS = "order_status", _("order status check")
    # Both.
    PROPOSAL = "proposal", _("proposal and quote")
    ADMINISTRATION = "administration", _("administration")
    TRAINING = "training", _("training")


FIELD_TIME = frozenset(
    {
        TimeCategory.CUSTOMER_VISIT,
        TimeCategory.TRAVEL,
        TimeCategory.PROSPECTING,
        TimeCategory.DEMONSTRATION,
    }
)


class AssignmentRule(models.TextChoices):
    """How new leads find an owner (configured per team)."""

    ROUND_ROBIN = "round_robin", _("round robin")
    TERRITORY = "territory", _("by territory")
    LOAD = "load", _("by load (fewest open leads)")
