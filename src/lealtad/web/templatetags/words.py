"""Codes shown as words: ``{{ row.status|word:"commerce.Order.status" }}``; ISO timestamps
as the page's dates: ``{{ row.placed_at|iso_date }}``; the codes many contexts write into
shared records (audit actions, timeline kinds) through the one registry of
:mod:`lealtad.core.vocabulary`: ``{{ a.action|audit_action }}``, ``{{ i.kind|contact_kind }}``.

The 360's sections are plain JSON rows (the API serves them too), so they carry codes, not
an instance's ``get_status_display``. The page names the model field whose choices spell the
code out and reads its label in the reader's language; the app is looked up in Django's
registry, so no context imports another. A code the field does not list (an external
channel's own) is shown as it came; an empty one as a dash.
"""

from __future__ import annotations

from datetime import datetime
from functools import cache
from typing import Any

from django import template
from django.apps import apps
from django.utils import timezone
from django.utils.dateformat import format as date_format
from django.utils.functional import Promise
from django.utils.text import capfirst
from django.utils.translation import gettext

from lealtad.core import vocabulary

register = template.Library()

DASH = "—"


@cache
def _labels(field_path: str) -> dict[str, object]:
    app_label, model_name, field_name = field_path.split(".")
    field = apps.get_model(app_label, model_name)._meta.get_field(field_name)
    return {str(code): label for code, label in getattr(field, "flatchoices", [])}


@register.filter
def word(code: object, field_path: str) -> object:
    """``field_path`` names a model field (``"commerce.Order.status"``) or one of the
    registry's lists (``"service.subtype"``, see :mod:`lealtad.core.vocabulary`)."""
    if code is None or code == "":
        return DASH
    if vocabulary.is_list(field_path):
        return vocabulary.label(field_path, code)
    return _labels(field_path).get(str(code), code)


@register.filter
def named(code: object, names: dict[Any, object]) -> object:
    """A code's name from a list the view read (``{{ r.group|named:group_names }}``: support
    groups, stores, customers); one not in the list is shown as it came."""
    if code is None or code == "":
        return DASH
    return names.get(code, code)


@register.filter
def reason_words(text: object, list_name: str) -> list[tuple[object, str]]:
    """A stored reason, one ``"code: evidence"`` (or bare ``"code"``) a line, as each code's
    words with its evidence beside them
    (``{% for words, evidence in mail.reason|reason_words:"service.mail_reason" %}``);
    a line that does not start with a code of the list is shown whole."""
    found: list[tuple[object, str]] = []
    for line in str(text or "").splitlines():
        head, _, evidence = line.partition(": ")
        if vocabulary.knows(list_name, head):
            found.append((vocabulary.label(list_name, head), evidence))
        elif line.strip():
            found.append((line, ""))
    return found or [(DASH, "")]


@register.filter
def audit_action(code: object) -> str:
    return vocabulary.audit_action(code) if code else DASH


@register.filter
def contact_kind(code: object) -> str:
    return vocabulary.contact_kind(code) if code else DASH


@cache
def _customer_fields() -> dict[str, Promise]:
    """The customer record's fields that carry a translated label (the rest name none)."""
    fields = apps.get_model("customers", "Customer")._meta.get_fields()
    return {
        f.name: f.verbose_name
        for f in fields
        if isinstance(getattr(f, "verbose_name", None), Promise)
    }


@cache
def _customer_choices() -> dict[str, dict[Any, Any]]:
    """The customer record's fields with choices: a changed value is read as its label."""
    fields = apps.get_model("customers", "Customer")._meta.get_fields()
    return {
        f.name: dict(f.choices)
        for f in fields
        if getattr(f, "choices", None)  # a relation has none
    }


@register.filter
def audit_value(value: object, field: object) -> object:
    """A value before or after a change as the reader says it: a consent given or withdrawn,
    yes or no, a choice's label; anything else as it was kept."""
    if value is None or value == "":
        return DASH
    if isinstance(value, bool):
        if str(field).startswith("consent:"):
            return gettext("given") if value else gettext("withdrawn")
        return gettext("yes") if value else gettext("no")
    choices = _customer_choices().get(str(field))
    if choices and isinstance(value, str | int):  # lists and mappings are kept as they are
        return choices.get(value, value)
    return value


@register.filter
def audit_field(code: object) -> str:
    """A changed field's name: the registry's word, else the customer record's own label
    (in the reader's language), else the code as words."""
    if str(code) in vocabulary.AUDIT_FIELDS:
        return vocabulary.audit_field(code)
    if str(code).startswith("consent:"):  # "consent:email/marketing", see customers' consents
        channel, _, purpose = str(code).removeprefix("consent:").partition("/")
        said = (
            word(channel, "customers.Consent.channel"),
            word(purpose, "customers.Consent.purpose"),
        )
        return f"{gettext('Consent')}: {said[0]} · {said[1]}"
    own = _customer_fields().get(str(code))
    return capfirst(str(own)) if own else vocabulary.readable(code)


@register.filter
def iso_date(value: object, pattern: str = "d/m/Y") -> object:
    """A JSON row's ISO timestamp (``"2025-03-01T10:00:00-05:00"``) as the local date the rest
    of the page shows; text that is not one is shown as it came."""
    if not value:
        return DASH
    try:
        when = datetime.fromisoformat(str(value))
    except ValueError:
        return value
    if timezone.is_aware(when):
        when = timezone.localtime(when)
    return date_format(when, pattern)
