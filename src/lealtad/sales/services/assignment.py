"""Who works a new lead: its team's members, by the team's rule.

* round robin: the members in turn, after the one who received the last lead;
* by territory: the members covering the lead's territory (its region as written on the
  lead, matched accent- and case-blind against the territories' regions), the least loaded
  first; with nobody covering it, the least loaded member of the team;
* by load: the member with the fewest open leads (ties by who joined first).

A lead with no team named goes to the team covering its territory, else to the first active
team; with no team or no active member it stays unassigned, for a manager to hand out.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from django.db.models import Count

from lealtad.core.normalize import fold
from lealtad.sales.choices import OPEN_LEAD_STATUSES, AssignmentRule
from lealtad.sales.models import Lead, SalesTeam, TeamMember, Territory


def assign(leads: Sequence[Lead], team: SalesTeam | None = None) -> None:
    """Set owner, team and territory on unsaved leads (the caller writes them)."""
    territories = _territories()
    for lead in leads:
        lead.territory = territories.get(fold(lead.region)) if lead.region else None
    teams = _teams_for(leads, team)
    for chosen in {t.pk: t for t in teams.values() if t is not None}.values():
        mine = [lead for lead in leads if teams[id(lead)] is chosen]
        _assign_in(chosen, mine)


def _territories() -> dict[str, Territory]:
    found: dict[str, Territory] = {}
    for territory in Territory.objects.filter(active=True).order_by("id"):
        for region in territory.regions:
            found.setdefault(fold(str(region)), territory)
    return found


def _teams_for(leads: Sequence[Lead], team: SalesTeam | None) -> dict[int, SalesTeam | None]:
    if team is not None:
        return {id(lead): team for lead in leads}
    active = list(SalesTeam.objects.filter(active=True).order_by("id"))
    by_id = {t.pk: t for t in active}
    covering: dict[int, SalesTeam] = {}
    members = TeamMember.objects.filter(active=True, territory__isnull=False, team__active=True)
    for territory_id, team_id in members.order_by("team_id").values_list("territory_id", "team_id"):
        covering.setdefault(territory_id, by_id[team_id])
    first = active[0] if active else None
    return {id(lead): covering.get(lead.territory_id or 0, first) for lead in leads}


def _assign_in(team: SalesTeam, leads: list[Lead]) -> None:
    members = list(
        TeamMember.objects.filter(team=team, active=True, user__is_active=True).order_by("id")
    )
    for lead in leads:
        lead.team = team
    if not members:
        return
    if team.assignment_rule == AssignmentRule.ROUND_ROBIN:
        _round_robin(team, members, leads)
        return
    load = _open_leads([m.user_id for m in members])
    for lead in leads:
        pool = members
        if team.assignment_rule == AssignmentRule.TERRITORY and lead.territory_id:
            pool = [m for m in members if m.territory_id == lead.territory_id] or members
        chosen = min(pool, key=lambda m: (load[m.user_id], m.pk))
        lead.owner_id = chosen.user_id
        load[chosen.user_id] += 1


def _round_robin(team: SalesTeam, members: list[TeamMember], leads: list[Lead]) -> None:
    users = [m.user_id for m in members]
    # Locked, so two captures at once cannot hand out the same turn.
    locked = SalesTeam.objects.select_for_update().filter(pk=team.pk)
    last = locked.values_list("last_assigned_id", flat=True).first()
    turn = (users.index(last) + 1) if last in users else 0
    for lead in leads:
        lead.owner_id = users[turn % len(users)]
        turn += 1
    if leads:
        team.last_assigned_id = users[(turn - 1) % len(users)]
        team.save(update_fields=["last_assigned"])


def _open_leads(user_ids: list[int]) -> Counter[int]:
    rows = (
        Lead.objects.filter(owner_id__in=user_ids, status__in=OPEN_LEAD_STATUSES)
        .values("owner_id")
        .annotate(n=Count("id"))
        .values_list("owner_id", "n")
    )
    found: Counter[int] = Counter({user_id: 0 for user_id in user_ids})
    found.update(dict(rows))
    return found
