"""Shaping the center: skills, queues with their overflow, agents with skills, wrap-up codes."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from lealtad.contactcenter.choices import Outcome, QueueLevel
from lealtad.contactcenter.errors import CenterRefused, NotThere
from lealtad.contactcenter.models import (
    Agent,
    AgentSkill,
    CenterSettings,
    Queue,
    QueueOverflow,
    Skill,
    WrapUpCode,
)
from lealtad.contactcenter.models.agents import default_capacity


def center_settings() -> CenterSettings:
    found, _created = CenterSettings.objects.get_or_create(pk=1)
    return found


def update_settings(**fields: Any) -> CenterSettings:
    found = center_settings()
    for name, value in fields.items():
        if not hasattr(found, name) or name == "id":
            raise CenterRefused(_("There is no setting %(name)s."), field=name, name=name)
        setattr(found, name, value)
    if found.offer_timeout_seconds < 1 or found.trunks < 1:
        raise CenterRefused(_("Ring time and trunks must be at least 1."), field="trunks")
    found.save()
    return found


def save_skill(name: str, label: str = "") -> Skill:
    if not name or not name.replace("-", "").replace("_", "").isalnum():
        raise CenterRefused(_("A skill's name is letters, digits, - and _."), field="name")
    skill, _created = Skill.objects.update_or_create(name=name, defaults={"label": label or name})
    return skill


def _skill(name: str) -> Skill:
    found = Skill.objects.filter(name=name).first()
    if found is None:
        raise NotThere(_("There is no skill %(name)s."), field="skill", name=name)
    return found


def _queue(name: str) -> Queue:
    found = Queue.objects.filter(name=name).first()
    if found is None:
        raise NotThere(_("There is no queue %(name)s."), field="queue", name=name)
    return found


@transaction.atomic
def save_queue(
    name: str,
    label: str,
    skill: str,
    *,
    level: int = 1,
    min_proficiency: int = 1,
    relax_after_seconds: int | None = 60,
    service_level_seconds: int = 15,
    service_level_target: float = 0.8,
    overflows: Sequence[tuple[int, str]] = (),
) -> Queue:
    if level not in QueueLevel.values:
        raise CenterRefused(_("A queue's level is 1 to 4."), field="level")
    if not 1 <= min_proficiency <= 10:
        raise CenterRefused(_("Proficiency is 1 to 10."), field="min_proficiency")
    if not 0 < service_level_target <= 1:
        raise CenterRefused(
            _("The service level target is a share above 0 and at most 1."),
            field="service_level_target",
        )
    queue, _created = Queue.objects.update_or_create(
        name=name,
        defaults={
            "label": label or name,
            "skill": _skill(skill),
            "level": level,
            "min_proficiency": min_proficiency,
            "relax_after_seconds": relax_after_seconds,
            "service_level_seconds": service_level_seconds,
            "service_level_target": service_level_target,
        },
    )
    queue.overflows.all().delete()
    for after, target in overflows:
        if target == name:
            raise CenterRefused(_("A queue cannot overflow into itself."), field="overflows")
        QueueOverflow.objects.create(queue=queue, after_seconds=after, to_queue=_queue(target))
    return queue


def _capacity(capacity: Mapping[str, int] | None) -> dict[str, int]:
    merged = default_capacity() if capacity is None else dict(capacity)
    for medium, count in merged.items():
        if medium not in ("voice", "chat", "email"):
            raise CenterRefused(
                _("Capacity is per voice, chat and e-mail, not %(medium)s."),
                field="capacity",
                medium=medium,
            )
        if not isinstance(count, int) or not 0 <= count <= 20:
            raise CenterRefused(_("Capacity per medium is 0 to 20."), field=f"capacity.{medium}")
    return merged


@transaction.atomic
def save_agent(
    name: str,
    *,
    user: Any = None,
    username: str | None = None,
    skills: Mapping[str, int] | None = None,
    capacity: Mapping[str, int] | None = None,
    max_total: int = 3,
    team: str = "",
    extension: str = "",
    agent_id: int | None = None,
) -> Agent:
    if not name.strip():
        raise CenterRefused(_("An agent needs a name."), field="name")
    if not 1 <= max_total <= 20:
        raise CenterRefused(_("Contacts at once is 1 to 20."), field="max_total")
    if username:
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise NotThere(_("There is no user %(name)s."), field="username", name=username)
    fields = {
        "name": name.strip(),
        "capacity": _capacity(capacity),
        "max_total": max_total,
        "team": team,
        "extension": extension,
    }
    if agent_id is not None:
        agent = Agent.objects.filter(pk=agent_id).first()
        if agent is None:
            raise NotThere(_("There is no agent %(id)s."), field="agent", id=agent_id)
        for key, value in fields.items():
            setattr(agent, key, value)
        agent.save()
    else:
        agent = Agent.objects.create(user=user, **fields)
    if skills is not None:
        set_skills(agent, skills)
    return agent


def set_skills(agent: Agent, skills: Mapping[str, int]) -> None:
    for skill_name, proficiency in skills.items():
        if not isinstance(proficiency, int) or not 1 <= proficiency <= 10:
            raise CenterRefused(_("Proficiency is 1 to 10."), field=f"skills.{skill_name}")
    agent.skills.all().delete()
    AgentSkill.objects.bulk_create(
        AgentSkill(agent=agent, skill=_skill(name), proficiency=p) for name, p in skills.items()
    )


def save_wrap_up_code(
    code: str, label: str, category: str = "", outcome: str = Outcome.RESOLVED
) -> WrapUpCode:
    if outcome and outcome not in Outcome.values:
        raise CenterRefused(_("There is no outcome %(outcome)s."), field="outcome", outcome=outcome)
    found, _created = WrapUpCode.objects.update_or_create(
        code=code, defaults={"label": label, "category": category, "outcome": outcome}
    )
    return found
