"""Reading segments: what campaigns, offers and the pages ask of them.

``member_ids`` pages by customer id (keyset), so a campaign walks a million members in
constant memory; ``count`` counts a rule in the database without keeping it.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from lealtad.marketing import segment_sql
from lealtad.marketing.models import AudienceProfile, Segment, SegmentChange, SegmentMember

__all__ = [
    "Change",
    "SegmentView",
    "changes",
    "count",
    "customer_history",
    "get",
    "is_member",
    "listing",
    "member_ids",
    "members_page",
    "segments_of",
]


@dataclass(frozen=True)
class SegmentView:
    id: int
    name: str
    description: str
    kind: str
    rule: dict[str, Any]
    member_count: int
    built_at: datetime | None
    created_at: datetime
    updated_at: datetime
    updated_by: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "description": self.description,
            "kind": self.kind,
            "rule": self.rule,
            "member_count": self.member_count,
            "built_at": self.built_at,
            "created_at": self.created_at,
            "updated_at": self.updated_at,
            "updated_by": self.updated_by,
        }


def _view(s: Segment) -> SegmentView:
    return SegmentView(
        s.pk,
        s.name,
        s.description,
        s.kind,
        s.rule or {},
        s.member_count,
        s.built_at,
        s.created_at,
        s.updated_at,
        s.updated_by,
    )


def get(segment_id: int) -> SegmentView | None:
    found = Segment.objects.filter(pk=segment_id).first()
    return None if found is None else _view(found)


def listing() -> list[SegmentView]:
    return [_view(s) for s in Segment.objects.order_by("name")]


def member_ids(segment_id: int, chunk: int = 5000) -> Iterator[list[int]]:
    """The segment's customer ids, ascending, ``chunk`` at a time."""
    last = 0
    while True:
        ids = list(
            SegmentMember.objects.filter(segment_id=segment_id, customer_id__gt=last)
            .order_by("customer_id")
            .values_list("customer_id", flat=True)[:chunk]
        )
        if not ids:
            return
        yield ids
        last = ids[-1]


def members_page(segment_id: int, after: int = 0, limit: int = 100) -> list[dict[str, Any]]:
    """One page of members (customer id and since), after the customer id ``after``."""
    rows = (
        SegmentMember.objects.filter(segment_id=segment_id, customer_id__gt=after)
        .order_by("customer_id")
        .values_list("customer_id", "since")[:limit]
    )
    return [{"customer_id": cid, "since": since} for cid, since in rows]


def is_member(segment_id: int, customer_id: int) -> bool:
    return SegmentMember.objects.filter(segment_id=segment_id, customer_id=customer_id).exists()


def segments_of(customer_id: int) -> set[int]:
    return set(
        SegmentMember.objects.filter(customer_id=customer_id).values_list("segment_id", flat=True)
    )


def count(rule: Mapping[str, Any]) -> int:
    """How many customers a rule matches now (validated first: an invalid rule is refused
    with the path of its fault)."""
    checked = segment_sql.checked(rule, "rule")
    return AudienceProfile.objects.filter(segment_sql.compile_rule(checked)).count()


@dataclass(frozen=True)
class Change:
    segment_id: int
    customer_id: int
    change: str
    at: datetime
    reason: str
    event_id: str


def changes(segment_id: int, limit: int = 100) -> list[Change]:
    """The segment's latest entries and exits, newest first."""
    rows = SegmentChange.objects.filter(segment_id=segment_id).order_by("-at", "-id")[:limit]
    return [Change(c.segment_id, c.customer_id, c.change, c.at, c.reason, c.event_id) for c in rows]


def customer_history(customer_id: int, limit: int = 50) -> list[Change]:
    rows = SegmentChange.objects.filter(customer_id=customer_id).order_by("-at", "-id")[:limit]
    return [Change(c.segment_id, c.customer_id, c.change, c.at, c.reason, c.event_id) for c in rows]
