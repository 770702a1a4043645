"""Changes made in the Django admin go into the same audit trail as the API's and the pages'.

The admin writes rows without the services, so it would escape the audit trail. Every model
admin registered on the admin site gets :class:`AuditedAdmin` mixed in when the apps are
ready (:func:`audit_every_model_admin`), including Django's own users and groups and any
admin a context adds later: saving (with its inlines and many-to-many fields), deleting one
or many, and every bulk action leave an entry with who, when, and the values before and
after. ``tests/web/test_admin_audit.py`` proves each path and that no registered admin is
left out.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db import models
from django.forms.models import model_to_dict
from django.http import HttpRequest

from lealtad.core import audit
from lealtad.core.audit import Actor

CHANNEL = "admin"
SECRET_FIELDS = frozenset({"password", "key_hash"})
HIDDEN = "(hidden)"


def _value(name: str, value: Any) -> Any:
    if name in SECRET_FIELDS:
        return HIDDEN if value else value
    if isinstance(value, models.Model):
        return str(value.pk)
    if isinstance(value, models.QuerySet | list | tuple | set):
        return sorted(str(v.pk if isinstance(v, models.Model) else v) for v in value)
    if hasattr(value, "name") and hasattr(value, "url"):  # a file field's file
        return str(value.name or "")
    return audit.jsonable(value)


def _changes(form: Any) -> dict[str, list[Any]]:
    """``{field: [before, after]}`` for the fields a model form changed."""
    out = {}
    for name in form.changed_data:
        before = _value(name, form.initial.get(name))
        after = _value(name, form.cleaned_data.get(name))
        if name in SECRET_FIELDS:
            before, after = HIDDEN, HIDDEN
        elif before == after:  # a form that only re-typed the same value
            continue
        out[name] = [before, after]
    return out


def _snapshot(obj: models.Model) -> dict[str, Any]:
    return {name: _value(name, value) for name, value in model_to_dict(obj).items()}


def _customer_id(obj: models.Model) -> int | None:
    """The customer a row belongs to, so the customer's audit trail shows admin changes."""
    if obj._meta.label == "customers.Customer":
        return int(obj.pk)
    found = getattr(obj, "customer_id", None)
    return int(found) if isinstance(found, int) else None


def record(request: HttpRequest, action: str, obj: models.Model, changes: dict) -> None:
    actor = Actor.for_user(request.user, CHANNEL)
    audit.record(
        actor,
        action,
        obj._meta.label_lower,
        obj.pk,
        changes,
        customer_id=_customer_id(obj),
        channel=CHANNEL,
    )


class AuditedAdmin(admin.ModelAdmin):
    """Mixed into every model admin: each write leaves an audit entry (see the module)."""

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        changes = _changes(form) if form is not None else {}
        record(request, "admin_change" if change else "admin_add", obj, changes)

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        super().save_formset(request, form, formset, change)
        for inline_form in formset.forms:
            obj = inline_form.instance
            if obj.pk is None or inline_form in getattr(formset, "deleted_forms", ()):
                continue
            if inline_form.has_changed():
                added = obj in getattr(formset, "new_objects", ())
                record(
                    request, "admin_add" if added else "admin_change", obj, _changes(inline_form)
                )
        for obj in getattr(formset, "deleted_objects", ()):
            record(request, "admin_delete", obj, {k: [v, None] for k, v in _snapshot(obj).items()})

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        snapshot, pk = _snapshot(obj), obj.pk
        super().delete_model(request, obj)
        obj.pk = pk
        record(request, "admin_delete", obj, {k: [v, None] for k, v in snapshot.items()})

    def delete_queryset(self, request: HttpRequest, queryset: Any) -> None:
        rows = [(obj, _snapshot(obj)) for obj in queryset]
        super().delete_queryset(request, queryset)
        for obj, snapshot in rows:
            record(request, "admin_delete", obj, {k: [v, None] for k, v in snapshot.items()})

    def log_change(self, request: HttpRequest, obj: Any, message: Any) -> Any:
        """Changes made outside ``save_model`` (a user's password form) are recorded here."""
        if request.path.rstrip("/").endswith("/password"):
            record(request, "admin_change", obj, {"password": [HIDDEN, HIDDEN]})
        return super().log_change(request, obj, message)

    def get_actions(self, request: HttpRequest) -> dict[str, Any]:
        found: dict[str, Any] = super().get_actions(request) or {}
        return {
            name: (_audited_action(func, name), name, description)
            for name, (func, _name, description) in found.items()
        }


def _audited_action(func: Any, name: str) -> Any:
    """A bulk action that first records, per selected row, that it ran (delete records its
    rows through :meth:`AuditedAdmin.delete_queryset` itself)."""

    def run(modeladmin: Any, request: HttpRequest, queryset: Any) -> Any:
        if name != "delete_selected" and request.method == "POST":
            for obj in queryset:
                record(request, "admin_action", obj, {"action": [None, name]})
        return func(modeladmin, request, queryset)

    run.__name__ = getattr(func, "__name__", name)
    for attr in ("short_description", "allowed_permissions"):
        if hasattr(func, attr):
            setattr(run, attr, getattr(func, attr))
    return run


def audit_every_model_admin(site: admin.AdminSite | None = None) -> None:
    """Mix :class:`AuditedAdmin` into each model admin registered on ``site``."""
    site = site or admin.site
    for model_admin in site._registry.values():
        cls = type(model_admin)
        if not issubclass(cls, AuditedAdmin):
            model_admin.__class__ = type(f"Audited{cls.__name__}", (AuditedAdmin, cls), {})
