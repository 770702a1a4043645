"""Back-office screens for programs and their rules (the ledger is read-only: it is
append-only and changes only through the loyalty services)."""

from __future__ import annotations

from django.contrib import admin

from lealtad.loyalty.models import BonusCampaign, EarningRule, Program, Tier


class TierInline(admin.TabularInline):
    model = Tier
    extra = 0


class RuleInline(admin.TabularInline):
    model = EarningRule
    extra = 0


class BonusInline(admin.TabularInline):
    model = BonusCampaign
    extra = 0


@admin.register(Program)
class ProgramAdmin(admin.ModelAdmin):
    list_display = ("name", "code", "point_value", "expiry_months", "active")
    inlines = [TierInline, RuleInline, BonusInline]
