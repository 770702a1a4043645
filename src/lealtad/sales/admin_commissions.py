"""Back-office screens for commissions and web forms: rules (saved through the service, so
an overlapping rule is refused with both named), statements and lines read-only (a settled
statement never changes), and the lead web forms' configuration."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.utils import timezone

from lealtad.core.audit import Actor
from lealtad.core.errors import DomainError
from lealtad.sales.models import (
    CommissionLine,
    CommissionRule,
    CommissionStatement,
    WebForm,
)
from lealtad.sales.services import commission_rules


class CommissionRuleForm(forms.ModelForm):
    class Meta:
        model = CommissionRule
        fields = [name.removesuffix("_id") for name in commission_rules.RULE_FIELDS]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        values = {**cleaned, "rep_id": cleaned["rep"].pk if cleaned.get("rep") else None}
        try:
            commission_rules.check_overlap(values, self.instance.pk)
        except DomainError as refused:
            raise ValidationError(str(refused)) from None
        return cleaned


@admin.register(CommissionRule)
class CommissionRuleAdmin(admin.ModelAdmin):
    form = CommissionRuleForm
    list_display = ("name", "basis", "rate", "valid_from", "valid_to", "product_line", "rep")
    list_filter = ("basis",)

    def save_model(self, request, obj, form, change) -> None:  # type: ignore[no-untyped-def]
        values = {**form.cleaned_data, "rep_id": obj.rep_id}
        saved = commission_rules.save_rule(
            values, Actor.for_user(request.user, "admin"), obj.pk if change else None
        )
        obj.pk = saved.pk


class ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None) -> bool:  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None) -> bool:  # type: ignore[no-untyped-def]
        return False

    def has_delete_permission(self, request, obj=None) -> bool:  # type: ignore[no-untyped-def]
        return False


@admin.register(CommissionStatement)
class CommissionStatementAdmin(ReadOnly):
    list_display = ("rep", "period_start", "period_end", "earned", "clawed_back", "net")


@admin.register(CommissionLine)
class CommissionLineAdmin(ReadOnly):
    list_display = ("on", "rep", "sale", "rule", "kind", "amount", "statement")
    list_filter = ("kind",)


@admin.register(WebForm)
class WebFormAdmin(admin.ModelAdmin):
    list_display = ("slug", "title", "campaign", "team", "active")
    exclude = ("created_at",)

    def save_model(self, request, obj, form, change) -> None:  # type: ignore[no-untyped-def]
        if not change:
            obj.created_at = timezone.now()
        super().save_model(request, obj, form, change)
