"""Technicians: who goes on field visits, with which skills, in which zones, at what rate."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import time
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from lealtad.service.models import Technician
from lealtad.service.services.field_common import FieldNotFound, FieldRefused


@dataclass
class NewTechnician:
    name: str
    skills: list[str] = field(default_factory=list)
    zones: list[str] = field(default_factory=list)
    day_start: time = time(8)
    day_end: time = time(17)
    hourly_rate: Decimal = Decimal("0")
    location: str = ""
    user_id: int | None = None


def add_technician(new: NewTechnician) -> Technician:
    if not new.name.strip():
        raise FieldRefused(_("A technician needs a name."), field="name")
    skills = sorted({s.strip() for s in new.skills if s.strip()})
    if not skills:
        raise FieldRefused(_("A technician has at least one skill."), field="skills")
    if new.day_end <= new.day_start:
        raise FieldRefused(_("The day ends after it starts."), field="day_end", kind="conflict")
    if new.user_id is not None and not get_user_model().objects.filter(pk=new.user_id).exists():
        raise FieldNotFound(_("There is no user %(u)s."), field="user_id", u=new.user_id)
    if new.hourly_rate < 0:
        raise FieldRefused(_("A rate cannot be negative."), field="hourly_rate")
    return Technician.objects.create(
        name=new.name.strip(),
        skills=skills,
        zones=sorted({z.strip() for z in new.zones if z.strip()}),
        day_start=new.day_start,
        day_end=new.day_end,
        hourly_rate=new.hourly_rate,
        location=new.location.strip(),
        user_id=new.user_id,
    )
