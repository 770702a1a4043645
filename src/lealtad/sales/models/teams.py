"""Who sells where: sales teams, their members and the territories leads are routed by."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from lealtad.sales.choices import AssignmentRule

__all__ = ["SalesTeam", "TeamMember", "Territory"]


class Territory(models.Model):
    """A sales region: the provinces or cities (as written on a lead) a team covers."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=120)
    # Lower-case, accent-free place names a lead's region is compared with ("pichincha").
    regions = models.JSONField(_("regions"), default=list, blank=True)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("territory")
        verbose_name_plural = _("territories")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class SalesTeam(models.Model):
    """A group of sellers (field or inside sales) who share leads by one assignment rule."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=120)
    assignment_rule = models.CharField(
        _("assignment rule"),
        max_length=20,
        choices=AssignmentRule.choices,
        default=AssignmentRule.ROUND_ROBIN,
    )
    manager = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("manager"),
    )
    # The member who received the last lead by round robin; the next goes to the one after.
    last_assigned = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("sales team")
        verbose_name_plural = _("sales teams")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class TeamMember(models.Model):
    """A seller in a team, with the territory they cover (for assignment by territory)."""

    team = models.ForeignKey(SalesTeam, on_delete=models.CASCADE, related_name="members")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    territory = models.ForeignKey(
        Territory, null=True, blank=True, on_delete=models.SET_NULL, related_name="members"
    )
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("team member")
        verbose_name_plural = _("team members")
        ordering = ["team", "user_id"]
        constraints = [
            models.UniqueConstraint(fields=["team", "user"], name="sales_member_once"),
        ]

    def __str__(self) -> str:
        return f"{self.team_id}:{self.user_id}"
