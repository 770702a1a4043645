"""Sales teams and their members, kept through one use case so the demo and the admin agree."""

from __future__ import annotations

from collections.abc import Sequence

from django.db import transaction

from lealtad.sales.models import SalesTeam, TeamMember


def ensure_team(code: str, name: str, rule: str, member_ids: Sequence[int]) -> SalesTeam:
    """The team ``code`` with at least these members (made once; later calls add who is new)."""
    with transaction.atomic():
        team, _ = SalesTeam.objects.get_or_create(
            code=code, defaults={"name": name, "assignment_rule": rule}
        )
        have = set(TeamMember.objects.filter(team=team).values_list("user_id", flat=True))
        TeamMember.objects.bulk_create(
            [TeamMember(team=team, user_id=uid) for uid in member_ids if uid not in have]
        )
    return team
