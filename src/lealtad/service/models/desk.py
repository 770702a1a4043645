"""Who works cases (groups by level, members with skills) and under which promises (business
calendars and SLA policies)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from lealtad.service.choices import GroupLevel


def office_hours() -> dict[str, list[list[str]]]:
    """Monday to Friday 08:00-13:00 and 14:00-18:00 (a lunch break), Saturday morning."""
    day = [["08:00", "13:00"], ["14:00", "18:00"]]
    return {"mon": day, "tue": day, "wed": day, "thu": day, "fri": day, "sat": [["09:00", "13:00"]]}


class BusinessCalendar(models.Model):
    name = models.SlugField(max_length=60, unique=True)
    label = models.CharField(_("label"), max_length=120)
    time_zone = models.CharField(_("time zone"), max_length=60, default="America/Guayaquil")
    country = models.CharField(_("country (public holidays)"), max_length=2, default="EC")
    hours = models.JSONField(_("hours per weekday"), default=office_hours)
    always_open = models.BooleanField(_("open around the clock"), default=False)
    extra_holidays = models.JSONField(_("extra holidays (YYYY-MM-DD)"), default=list, blank=True)

    class Meta:
        verbose_name = _("business calendar")
        verbose_name_plural = _("business calendars")

    def __str__(self) -> str:
        return self.label


class SlaPolicy(models.Model):
    """What a customer is owed: the first policy (by ``rank``) whose conditions match applies."""

    name = models.SlugField(max_length=60, unique=True)
    label = models.CharField(_("label"), max_length=120)
    calendar = models.ForeignKey(BusinessCalendar, on_delete=models.PROTECT)
    first_response_minutes = models.PositiveIntegerField(_("first response within (min)"))
    resolution_minutes = models.PositiveIntegerField(_("resolution within (min)"))
    warn_at = models.FloatField(_("warn at this share of the time"), default=0.8)
    # Conditions; empty means any.
    value_tiers = models.JSONField(_("value tiers"), default=list, blank=True)
    segments = models.JSONField(_("segments"), default=list, blank=True)
    support_levels = models.JSONField(_("contract support levels"), default=list, blank=True)
    priorities = models.JSONField(_("priorities"), default=list, blank=True)
    rank = models.PositiveSmallIntegerField(_("rank (lower first)"), default=100)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["rank", "name"]
        verbose_name = _("SLA policy")
        verbose_name_plural = _("SLA policies")

    def __str__(self) -> str:
        return self.label


class SupportGroup(models.Model):
    """A group that works cases at one level; internal ones serve employees (IT, HR …)."""

    name = models.SlugField(max_length=60, unique=True)
    label = models.CharField(_("label"), max_length=120)
    level = models.PositiveSmallIntegerField(choices=GroupLevel.choices, default=1)
    internal = models.BooleanField(_("internal help desk"), default=False)
    email = models.EmailField(_("mailbox"), blank=True)
    escalates_to = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    active = models.BooleanField(default=True)
    # What handling a case costs this group (an hour of level 1, a day of a specialist):
    # charged once per case that passed through the group, when the case is resolved.
    cost_per_case = models.DecimalField(
        _("handling cost per case"), max_digits=10, decimal_places=2, default=0
    )

    class Meta:
        ordering = ["level", "name"]
        verbose_name = _("support group")
        verbose_name_plural = _("support groups")

    def __str__(self) -> str:
        return self.label


class GroupMember(models.Model):
    group = models.ForeignKey(SupportGroup, on_delete=models.CASCADE, related_name="members")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    skills = models.JSONField(_("skills (category or product)"), default=list, blank=True)
    max_open = models.PositiveSmallIntegerField(_("most open cases"), default=25)
    # Kept by the case services as cases are assigned and closed: a counter, not a count query.
    open_cases = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["group", "user"], name="svc_member_once"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id}@{self.group_id}"
