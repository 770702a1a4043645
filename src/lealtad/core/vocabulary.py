"""The words for codes every context writes into shared records: the audit trail's actions,
the timeline's kinds of contact, and the fields an audit entry names.

These codes are written by many contexts (customers, commerce, loyalty, privacy, the admin)
into tables that belong to none of them alone, so no model field's ``choices`` can spell them
out. One registry here keeps one word per code for every screen (the customer page, the
timeline, the admin); a code nobody registered yet reads as plain words (``customer.merged``
→ "Customer merged"), never as an error.
"""

from __future__ import annotations

import re

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

AUDIT_ACTIONS: dict[str, Promise] = {
    # customers
    "create": _("Customer registered"),
    "update": _("Details changed"),
    "add_phone": _("Phone added"),
    "remove_phone": _("Phone removed"),
    "add_email": _("E-mail added"),
    "add_address": _("Address added"),
    "end_address": _("Address ended"),
    "add_identifier": _("Identifier added"),
    "join_household": _("Joined a household"),
    "consent": _("Consent changed"),
    "consent_requested": _("Consent asked for"),
    "consent_confirmed": _("Consent confirmed"),
    "record_interaction": _("Contact recorded"),
    "merge": _("Record merged into this one"),
    "merged_into": _("Merged into another record"),
    "unmerge": _("Merge undone"),
    "unmerged": _("Separated again (merge undone)"),
    "probabilistic_link": _("Linked as the same person"),
    "review": _("Possible duplicate decided"),
    "fix_data_quality": _("Data-quality issue fixed"),
    "dismiss_data_quality": _("Data-quality issue dismissed"),
    "erase": _("Personal data erased"),
    "retention": _("Old contact texts cleared"),
    "export": _("Customers exported"),
    "demo_load": _("Demo data loaded"),
    # commerce
    "place_order": _("Order placed"),
    "cancel_order": _("Order cancelled"),
    "ship_order": _("Order shipped"),
    "deliver_order": _("Order delivered"),
    "collect_order": _("Order collected"),
    "hand_over_pickup": _("Pickup handed over"),
    "take_return": _("Return taken"),
    "exchange_order": _("Exchange made"),
    "adjust_price": _("Price adjusted"),
    "record_payment": _("Payment recorded"),
    "record_refund": _("Refund recorded"),
    "void_payment": _("Payment released"),
    "capture_failed": _("Card charge failed"),
    "add_payment_method": _("Card saved"),
    "create_list": _("List created"),
    "set_list_item": _("List item changed"),
    "checkout_cart": _("Cart checked out"),
    "request_transfer": _("Transfer requested"),
    "ship_transfer": _("Transfer shipped"),
    "receive_transfer": _("Transfer received"),
    "cancel_transfer": _("Transfer cancelled"),
    "stock.levels_set": _("Stock levels set"),
    # loyalty
    "adjust_points": _("Points adjusted"),
    "save_program": _("Loyalty program saved"),
    "save_tier": _("Loyalty tier saved"),
    "save_earningrule": _("Earning rule saved"),
    "save_bonuscampaign": _("Bonus campaign saved"),
    "delete_program": _("Loyalty program removed"),
    "delete_tier": _("Loyalty tier removed"),
    "delete_earningrule": _("Earning rule removed"),
    "delete_bonuscampaign": _("Bonus campaign removed"),
    # privacy (the request's steps)
    "privacy_received": _("Privacy request received"),
    "privacy_verified": _("Privacy request: identity verified"),
    "privacy_started": _("Privacy request taken on"),
    "privacy_exported": _("Privacy request: copy of the data produced"),
    "privacy_rectified": _("Privacy request: data rectified"),
    "privacy_objected": _("Privacy request: marketing consents withdrawn"),
    "privacy_erased": _("Privacy request: data erased"),
    "privacy_completed": _("Privacy request completed"),
    "privacy_rejected": _("Privacy request rejected"),
    # analytics and the admin
    "set_data_scope": _("Data scope set"),
    "admin_add": _("Added in the admin"),
    "admin_change": _("Changed in the admin"),
    "admin_delete": _("Deleted in the admin"),
    "admin_action": _("Admin action run"),
}

CONTACT_KINDS: dict[str, Promise] = {
    "contact": pgettext_lazy("timeline kind", "Contact"),
    "order": pgettext_lazy("timeline kind", "Order"),
    "purchase": pgettext_lazy("timeline kind", "Purchase"),
    "payment": pgettext_lazy("timeline kind", "Payment"),
    "return": pgettext_lazy("timeline kind", "Return"),
    "redemption": pgettext_lazy("timeline kind", "Points redeemed"),
    "sales": pgettext_lazy("timeline kind", "Sales call"),
    "service": pgettext_lazy("timeline kind", "Service"),
    "complaint": pgettext_lazy("timeline kind", "Complaint"),
    "inquiry": pgettext_lazy("timeline kind", "Inquiry"),
    "follow_up": pgettext_lazy("timeline kind", "Follow-up"),
    "registration": pgettext_lazy("timeline kind", "Registration"),
    "notification": pgettext_lazy("timeline kind", "Notification"),
    "campaign": pgettext_lazy("timeline kind", "Campaign"),
    "transfer": pgettext_lazy("timeline kind", "Transfer"),
    "login": pgettext_lazy("timeline kind", "Sign-in"),
    "installation": pgettext_lazy("timeline kind", "Installation"),
    "visit": pgettext_lazy("timeline kind", "Visit"),
    "survey": pgettext_lazy("timeline kind", "Survey"),
    "lifecycle": pgettext_lazy("timeline kind", "Lifecycle stage"),
    "segment_entered": pgettext_lazy("timeline kind", "Entered a segment"),
    "segment_left": pgettext_lazy("timeline kind", "Left a segment"),
    # event types a channel may name as the kind of what it reports
    "customer.upserted": pgettext_lazy("timeline kind", "Details received"),
    "customer.merged": pgettext_lazy("timeline kind", "Records merged"),
    "interaction.recorded": pgettext_lazy("timeline kind", "Contact"),
    "order.placed": pgettext_lazy("timeline kind", "Order placed"),
    "order.cancelled": pgettext_lazy("timeline kind", "Order cancelled"),
    "order.returned": pgettext_lazy("timeline kind", "Order returned"),
    "shipment.delivered": pgettext_lazy("timeline kind", "Delivered"),
    "payment.captured": pgettext_lazy("timeline kind", "Payment taken"),
    "points.earned": pgettext_lazy("timeline kind", "Points earned"),
    "points.redeemed": pgettext_lazy("timeline kind", "Points redeemed"),
}

AUDIT_FIELDS: dict[str, Promise] = {
    "display_name": _("Name"),
    "phone": _("Phone"),
    "email": _("E-mail"),
    "reason": _("Reason"),
    "status": _("Status"),
    "kind": _("Type"),
    "subject": _("Subject"),
    "merged_into": _("Merged into"),
    "merged_customer": _("Merged record"),
    "unmerged_customer": _("Separated record"),
    "chosen_by_person": _("Values chosen by a person"),
    "household": _("Household"),
    "erased": _("Erased"),
    "cleared": _("Cleared"),
    "points": _("Points"),
    "amount": _("Amount"),
    "order": _("Order"),
    "format": _("Format"),
}

_SEPARATORS = re.compile(r"[._\-:/]+")

# Every list of words by name; a context adds its own (``register``) when its codes are not
# a model field's ``choices`` (the service desk's case subtypes, say).
_LISTS: dict[str, dict[str, Promise]] = {
    "audit.action": AUDIT_ACTIONS,
    "audit.field": AUDIT_FIELDS,
    "timeline.kind": CONTACT_KINDS,
}


def register(name: str, labels: dict[str, Promise]) -> None:
    """Add a context's words to the list ``name`` (``"service.subtype"``); a code already
    there keeps its first word."""
    known = _LISTS.setdefault(name, {})
    for code, words in labels.items():
        known.setdefault(code, words)


def is_list(name: str) -> bool:
    return name in _LISTS


def knows(name: str, code: object) -> bool:
    return str(code) in _LISTS.get(name, {})


def readable(code: object) -> str:
    """A code nobody registered, as words: ``customer.merged`` → "Customer merged"."""
    words = _SEPARATORS.sub(" ", str(code)).strip()
    return words[:1].upper() + words[1:] if words else ""


def label(name: str, code: object) -> str:
    """The word for ``code`` in the list ``name``, in the active language."""
    found = _LISTS.get(name, {}).get(str(code))
    return str(found) if found is not None else readable(code)


def audit_action(code: object) -> str:
    return label("audit.action", code)


def contact_kind(code: object) -> str:
    return label("timeline.kind", code)


def audit_field(code: object) -> str:
    return label("audit.field", code)
