"""How a profile field reads on the merge page: its name and its value in the reader's words.

A person choosing between two records compares "Married" with "Single", not ``married`` with
``single``; codes of fields with choices are shown by their label, dates the way the pages
write them, lists as text.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.utils.formats import date_format
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from lealtad.customers.models import Customer

# Columns whose verbose name is not a translated label of its own.
_LABELS = {
    "kind": _("Person or organization"),
    "national_id_type": _("Type of national id"),
    "language": _("Language"),
}


def field_label(name: str) -> str:
    if name in _LABELS:
        return str(_LABELS[name])
    column: Any = Customer._meta.get_field(name)
    return str(capfirst(column.verbose_name))


def shown_value(name: str, value: Any) -> str:
    """The value as a person reads it; empty values read as an empty string."""
    if value is None or value == "" or value == []:
        return ""
    if name == "language":
        return str(value).upper()
    column: Any = Customer._meta.get_field(name)
    choices = dict(column.flatchoices)
    if choices and value in choices:
        return str(choices[value])
    if isinstance(value, date):
        return date_format(value, "SHORT_DATE_FORMAT")
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return str(value)
