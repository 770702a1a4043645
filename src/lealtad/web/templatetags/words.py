"""Codes shown as words: ``{{ row.status|word:"commerce.Order.status" }}``.

The 360's sections are plain JSON rows (the API serves them too), so they carry codes, not
an instance's ``get_status_display``. The page names the model field whose choices spell the
code out and reads its label in the reader's language; the app is looked up in Django's
registry, so no context imports another. A code the field does not list (an external
channel's own) is shown as it came; an empty one as a dash.
"""

from __future__ import annotations

from functools import cache

from django import template
from django.apps import apps

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
