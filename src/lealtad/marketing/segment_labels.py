"""What the builder calls each field, field group and operator, in the reader's language."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from lealtad.customers.choices import ChurnBand, LifecycleStage, ValueTier
from lealtad.marketing_engine.segment_rules import FIELDS

GROUPS = {
    "profile": _("Profile"),
    "identifiers": _("Identifiers"),
    "consent": _("Marketing consent"),
    "behaviour": _("Behaviour"),
    "standing": _("Value and risk"),
    "segments": _("Segments"),
}
FIELD_LABELS = {
    "kind": _("Person or organization"),
    "gender": _("Gender"),
    "age": _("Age (years)"),
    "birth_date": _("Birth date"),
    "region": _("Province / region"),
    "city": _("City"),
    "language": _("Language"),
    "income_band": _("Income band"),
    "marital_status": _("Marital status"),
    "status": _("Customer status"),
    "created_at": _("Created"),
    "first_contact_at": _("First contact"),
    "first_contact_channel": _("First contact channel"),
    "preferred_channel": _("Preferred channel"),
    "has_email": _("Has an e-mail"),
    "has_mobile": _("Has a mobile phone"),
    "has_national_id": _("Has a national id (cédula)"),
    "consent_email": _("Consents to e-mail"),
    "consent_sms": _("Consents to SMS"),
    "consent_phone": _("Consents to phone calls"),
    "consent_whatsapp": _("Consents to WhatsApp"),
    "consent_mail": _("Consents to postal mail"),
    "orders_count": _("Orders"),
    "total_spent": _("Total spent"),
    "first_order_on": _("First order"),
    "last_order_on": _("Last order"),
    "returns_count": _("Returns"),
    "channels_bought": _("Bought on channel"),
    "contacts_count": _("Contacts"),
    "last_contact_at": _("Last contact"),
    "open_cases": _("Open cases"),
    "value_tier": _("Value tier"),
    "rfm_code": _("RFM code"),
    "rfm_recency": _("RFM recency score"),
    "rfm_frequency": _("RFM frequency score"),
    "rfm_monetary": _("RFM monetary score"),
    "clv": _("Lifetime value"),
    "churn_risk": _("Churn risk (0-1)"),
    "churn_band": _("Churn risk band"),
    "lifecycle_stage": _("Lifecycle stage"),
    "segment": _("Member of segment (id)"),
}
OP_LABELS = {
    "eq": _("is"),
    "ne": _("is not"),
    "in": _("is one of"),
    "not_in": _("is none of"),
    "is_empty": _("is empty"),
    "is_set": _("is set"),
    "lt": _("less than"),
    "lte": _("at most"),
    "gt": _("more than"),
    "gte": _("at least"),
    "between": _("between"),
    "before": _("before"),
    "after": _("after"),
    "within_days": _("in the last N days"),
    "not_within_days": _("not in the last N days"),
    "has_any": _("any of"),
    "has_none": _("none of"),
    "member": _("is a member of"),
    "not_member": _("is not a member of"),
}


def field_groups() -> list[tuple[str, list[tuple[str, str]]]]:
    """The fields for the builder's select, by group."""
    out: dict[str, list[tuple[str, str]]] = {}
    for name, spec in FIELDS.items():
        out.setdefault(spec.group, []).append((name, str(FIELD_LABELS.get(name, name))))
    return [(str(GROUPS[g]), items) for g, items in out.items()]


# Codes a record holds, in words: the value box suggests them (a rule still takes the code).
CHOICE_WORDS = {
    "value_tier": dict(ValueTier.choices),
    "lifecycle_stage": dict(LifecycleStage.choices),
    "churn_band": dict(ChurnBand.choices),
    "gender": {"female": _("Female"), "male": _("Male"), "other": _("Other")},
    "language": {"es": _("Spanish"), "en": _("English")},
    "status": {"prospect": _("Prospect"), "customer": _("Customer"), "former": _("Former")},
}


def choices_of(field: str) -> tuple[tuple[str, str], ...]:
    """The codes of a choice field with their words (the code itself where none is kept)."""
    spec = FIELDS.get(field)
    if spec is None or not spec.choices:
        return ()
    words = CHOICE_WORDS.get(field, {})
    return tuple((code, str(words.get(code, code))) for code in spec.choices if code)
