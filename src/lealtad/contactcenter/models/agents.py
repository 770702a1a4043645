"""Agents, their skills and where they stand now (the journal holds how they got there)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from lealtad.contactcenter.choices import AgentState


def default_capacity() -> dict[str, int]:
    """Call-backs and voicemails take the voice slot (one call at a time)."""
    return {"voice": 1, "chat": 3, "email": 2}


class Skill(models.Model):
    name = models.SlugField(max_length=60, unique=True)
    label = models.CharField(_("label"), max_length=120)

    class Meta:
        ordering = ["name"]
        verbose_name = _("skill")
        verbose_name_plural = _("skills")

    def __str__(self) -> str:
        return self.label or self.name


class Agent(models.Model):
    """A person who takes contacts; ``state`` is where they stand now, kept with the journal."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="contact_agent",
    )
    name = models.CharField(_("name"), max_length=150)
    extension = models.CharField(_("extension"), max_length=40, blank=True)
    team = models.CharField(_("team"), max_length=80, blank=True)
    # Contacts at once per medium (one call, or three chats and two e-mails) and across media.
    capacity = models.JSONField(_("capacity per medium"), default=default_capacity)
    max_total = models.PositiveSmallIntegerField(_("most contacts at once"), default=3)
    active = models.BooleanField(_("active"), default=True)
    state = models.CharField(max_length=20, choices=AgentState.choices, default="logged_out")
    state_reason = models.CharField(max_length=60, blank=True)
    state_since = models.DateTimeField(null=True, blank=True)
    # What the agent chose (or was put in after a missed offer), which decides whether new
    # contacts are offered; ``state`` shows busy or wrap-up over it while contacts are held.
    presence = models.CharField(max_length=20, choices=AgentState.choices, default="logged_out")
    # When the agent last became free of every contact: the longest idle is offered first.
    idle_since = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("agent")
        verbose_name_plural = _("agents")

    def __str__(self) -> str:
        return self.name


class AgentSkill(models.Model):
    agent = models.ForeignKey(Agent, on_delete=models.CASCADE, related_name="skills")
    skill = models.ForeignKey(Skill, on_delete=models.CASCADE, related_name="agents")
    proficiency = models.PositiveSmallIntegerField(_("proficiency (1-10)"), default=5)

    class Meta:
        verbose_name = _("agent skill")
        verbose_name_plural = _("agent skills")
        constraints = [
            models.UniqueConstraint(fields=["agent", "skill"], name="cc_agent_skill_once"),
            models.CheckConstraint(
                condition=models.Q(proficiency__gte=1, proficiency__lte=10),
                name="cc_proficiency_1_10",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.agent_id}:{self.skill_id}={self.proficiency}"
