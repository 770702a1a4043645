"""The service desk's coded values and the words users see (Spanish and English).

The case taxonomy is seed 002's: what a contact is about, by category and subtype.
"""

from django.db import models
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from lealtad.core import vocabulary


class CaseCategory(models.TextChoices):
    PRE_SALE = "pre_sale", _("Pre-sale inquiry")
    POST_SALE = "post_sale", _("Post-sale inquiry")
    COMPLAINT = "complaint", _("Complaint")
    ACCOUNT = "account_maintenance", _("Account maintenance")
    BILLING = "billing_inquiry", _("Billing inquiry")
    OTHER = "other", _("Other")
    INTERNAL = "internal", _("Internal help desk")


SUBTYPES: dict[str, dict[str, Promise]] = {
    "pre_sale": {
        "price": _("Price"),
        "features": _("Features"),
        "branch_location": _("Branch location"),
        "credit_limit": _("Credit limits"),
    },
    "post_sale": {
        "service_problem": _("Service problem"),
        "complaint": _("Complaint"),
        "account_maintenance": _("Account maintenance"),
        "billing": _("Billing"),
    },
    "complaint": {
        "billing_error": _("Billing error"),
        "telemarketing": _("Telemarketing"),
        "direct_mail": _("Direct mail"),
        "advertising": _("Advertising"),
        "price": _("Price"),
        "quality": _("Quality"),
    },
    "account_maintenance": {
        "name": _("Name"),
        "address": _("Address"),
        "product_change": _("Product features added or changed"),
        "cancellation": _("Cancellation"),
    },
    "billing_inquiry": {
        "price_plan": _("Price plans"),
        "billing_cycle": _("Billing cycle"),
        "special_offer": _("Special offers"),
        "reconciliation": _("Reconciliation"),
        "rate_change": _("Rate changes"),
    },
    "other": {
        "center_complaint": _("Complaint about the center"),
        "comment": _("Comment"),
        "misdirected": _("Misdirected"),
    },
    "internal": {
        "it": _("IT"),
        "hr": _("Human resources"),
        "facilities": _("Facilities"),
        "change": _("Change request"),
    },
}


# A subtype's words wherever a page shows one (``{{ case.subtype|word:"service.subtype" }}``).
vocabulary.register(
    "service.subtype", {code: words for kinds in SUBTYPES.values() for code, words in kinds.items()}
)

# Why an inbound mail joined a case, opened one or was dropped: the codes that start the
# lines of the mail's stored reason (``"no_thread"``, ``"message_id: <…>"``; see
# ``services.mail_apply.why`` and service_engine.mail.thread).
vocabulary.register(
    "service.mail_reason",
    {
        "signed_token": _("It answers our mail (signed reference)"),
        "message_id": _("It answers a mail we know"),
        "thread_index": _("Same Outlook conversation"),
        "subject_reference": _("The subject names the case, sent by its customer"),
        "subject_reference_refused": _("The subject names a case of another customer"),
        "no_thread": _("It answers no case we know"),
        "auto_reply": _("Automatic reply"),
        "bounce": _("Delivery failure notice"),
        "loop": _("Mail loop"),
        "same_mail_other_mailbox": _("The same mail came in by another of our addresses"),
        "case_closed": _("That case is closed, so the mail opened a new one"),
        "new_customer": _("Unknown sender: a new customer was made"),
        "triage_unknown_sender": _("Unknown sender: to triage"),
        "triage_shared_address": _("Several customers share this address: to triage"),
        "triage_not_customer_address": _("Not an address a customer can have: to triage"),
        "too_large": _("Over the size limit: kept aside, not applied"),
        "failed": _("Could not be applied: kept aside for a person to look at"),
    },
)


class CaseStatus(models.TextChoices):
    NEW = "new", _("New")
    OPEN = "open", _("Open")
    PENDING_CUSTOMER = "pending_customer", _("Waiting for the customer")
    PENDING_PART = "pending_part", _("Waiting for a part")
    RESOLVED = "resolved", _("Resolved")
    CLOSED = "closed", _("Closed")


OPEN_STATUSES = ("new", "open", "pending_customer", "pending_part")
PAUSING_STATUSES = ("pending_customer", "pending_part")


class CaseOutcome(models.TextChoices):
    RESOLVED = "resolved", _("Resolved")
    COMMITMENT = "commitment", _("Commitment (follow-up)")
    ESCALATED = "escalated", _("Escalated")
    TRANSFERRED = "transferred", _("Transferred")


class Priority(models.IntegerChoices):
    LOW = 1, _("Low")
    NORMAL = 2, _("Normal")
    HIGH = 3, _("High")
    URGENT = 4, _("Urgent")


class EntryKind(models.TextChoices):
    """What a line of a case's history is: the SLA clock is a fold over them."""

    OPENED = "opened", _("Opened")
    STATUS = "status", _("Status changed")
    REPLY = "reply", _("Reply to the customer")
    MESSAGE = "message", _("Message from the customer")
    NOTE = "note", _("Internal note")
    ASSIGNED = "assigned", _("Assigned")
    ESCALATED = "escalated", _("Escalated")
    SLA = "sla", _("SLA changed")


class GroupLevel(models.IntegerChoices):
    LEVEL_1 = 1, _("Level 1")
    EXPERTS = 2, _("Level 2 experts")
    SPECIALISTS = 3, _("Specialists")
    DIFFICULT = 4, _("Difficult cases")
