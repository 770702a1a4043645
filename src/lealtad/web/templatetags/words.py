"""Codes shown as words: ``{{ row.status|word:"commerce.Order.status" }}``; ISO timestamps
as the page's dates: ``{{ row.placed_at|iso_date }}``.

The 360's sections are plain JSON rows (the API serves them too), so they carry codes, not
an instance's ``get_status_display``. The page names the model field whose choices spell the
code out and reads its label in the reader's language; the app is looked up in Django's
registry, so no context imports another. A code the field does not list (an external
channel's own) is shown as it came; an empty one as a dash.
"""

from __future__ import annotations

from datetime import datetime
from functools import cache

from django import template
from django.apps import apps
from django.utils import timezone
from django.utils.dateformat import format as date_format

register = template.Library()

DASH = "—"


@cache
def _labels(field_path: str) -> dict[str, object]:
    app_label, model_name, field_name = field_path.split(".")
    field = apps.get_model(app_label, model_name)._meta.get_field(field_name)
    return {str(code): label for code, label in getattr(field, "flatchoices", [])}


@register.filter
def word(code: object, field_path: str) -> object:
    if code is None or code == "":
        return DASH
    return _labels(field_path).get(str(code), code)


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
