"""Who is in each segment: the full rebuild (set-based, in the database) and the incremental
path the hub subscriber runs for the customers an event touched.

The rebuild is four statements whatever the size: record who leaves (``INSERT … SELECT``),
remove them, record who enters, add them — each ``SELECT`` is the compiled rule against the
audience table joined to the current members. The incremental path evaluates every dynamic
segment for just the touched ids, writes the differences, announces ``segment.entered`` /
``segment.left`` and puts them on the customers' timelines in one batch.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db import connection, transaction
from django.db.models import Exists, F, OuterRef, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from lealtad.core import hub
from lealtad.core.db import insert_new, new_row, writer_turn
from lealtad.core.errors import DomainError
from lealtad.customers.services import timeline
from lealtad.marketing import segment_sql
from lealtad.marketing.models import AudienceProfile, Segment, SegmentChange, SegmentMember
from lealtad.marketing.models.segments import SegmentKind
from lealtad.marketing_engine import segment_rules

TIMELINE_CHANNEL = "marketing"


class SegmentNotFound(DomainError):
    code = "not_found"
    kind = "not_found"
    template = gettext_lazy("There is no such segment.")


class NotRebuildable(DomainError):
    code = "not_rebuildable"
    kind = "conflict"


@dataclass(frozen=True)
class RebuildOutcome:
    segment_id: int
    entered: int
    left: int
    members: int


def _qualifying(segment: Segment, now: datetime) -> QuerySet[AudienceProfile]:
    return AudienceProfile.objects.filter(segment_sql.compile_rule(segment.rule or {}, now))


def _insert_select(table: str, columns: str, constants: list[Any], qs: QuerySet[Any]) -> int:
    """``INSERT INTO table (columns) SELECT constants…, customer_id FROM (qs)``: the rows the
    query names, written without coming to Python."""
    sql, params = qs.values_list("customer_id").query.sql_with_params()
    marks = ", ".join(["%s"] * len(constants))
    statement = f"INSERT INTO {table} ({columns}) SELECT {marks}, sub.customer_id FROM ({sql}) sub"
    with connection.cursor() as cursor:
        cursor.execute(statement, [*constants, *params])
        return int(cursor.rowcount)


def rebuild(
    segment_id: int, reason: str = "rebuild", now: datetime | None = None
) -> RebuildOutcome:
    """Membership recomputed from the rule, the differences recorded as entered/left, one
    ``segment.rebuilt`` announced. A static list with no rule has nothing to compute from."""
    segment = Segment.objects.filter(pk=segment_id).first()
    if segment is None:
        raise SegmentNotFound(field="segment_id")
    if segment.kind == SegmentKind.STATIC and not segment.rule:
        raise NotRebuildable(
            _("A static list without a rule changes by import or pick, not by rebuild."),
            field="segment_id",
        )
    now = now or timezone.now()
    db_now = connection.ops.adapt_datetimefield_value(now)
    changes = SegmentChange._meta.db_table
    members_table = SegmentMember._meta.db_table
    change_cols = "segment_id, at, reason, event_id, change, customer_id"
    with writer_turn(), transaction.atomic():
        qualifying = _qualifying(segment, now)
        members = SegmentMember.objects.filter(segment_id=segment_id)
        leaving = members.filter(
            ~Exists(qualifying.filter(customer_id=OuterRef("customer_id")))
        ).order_by()
        left = _insert_select(
            changes, change_cols, [segment_id, db_now, reason, "", "left"], leaving
        )
        if left:
            leaving.delete()  # one DELETE … WHERE NOT EXISTS (the rule): nothing cascades
        entering = qualifying.filter(
            ~Exists(members.filter(customer_id=OuterRef("customer_id")))
        ).order_by()
        entered = _insert_select(
            changes, change_cols, [segment_id, db_now, reason, "", "entered"], entering
        )
        if entered:
            _insert_select(
                members_table, "segment_id, since, customer_id", [segment_id, db_now], entering
            )
        total = members.count()
        Segment.objects.filter(pk=segment_id).update(member_count=total, built_at=now)
        hub.publish(
            "segment.rebuilt",
            {"segment_id": segment_id, "entered": entered, "left": left, "members": total},
            event_id=f"segment-rebuilt-{segment_id}-{uuid.uuid4().hex[:12]}",
            channel=TIMELINE_CHANNEL,
        )
    return RebuildOutcome(segment_id, entered, left, total)


def rebuild_all(reason: str = "rebuild") -> list[RebuildOutcome]:
    """Every dynamic segment, those another depends on first."""
    return [
        rebuild(s.pk, reason) for s in ordered(Segment.objects.filter(kind=SegmentKind.DYNAMIC))
    ]


def ordered(segments: Iterable[Segment]) -> list[Segment]:
    """Segments so that one asking membership of another comes after it."""
    by_id = {s.pk: s for s in segments}
    out: list[Segment] = []
    seen: set[int] = set()

    def visit(s: Segment, path: tuple[int, ...]) -> None:
        if s.pk in seen or s.pk in path:
            return
        for dep in sorted(segment_rules.segments_named(s.rule or {})):
            if dep in by_id:
                visit(by_id[dep], (*path, s.pk))
        seen.add(s.pk)
        out.append(s)

    for s in sorted(by_id.values(), key=lambda s: s.pk):
        visit(s, ())
    return out


# The incremental path --------------------------------------------------------------------


@dataclass
class Diff:
    entered: list[tuple[int, int]] = field(default_factory=list)  # (segment, customer)
    left: list[tuple[int, int]] = field(default_factory=list)


def evaluate_for(customer_ids: Iterable[int], reason: str, event_id: str = "") -> Diff:
    """Bring every dynamic segment up to date for these customers only (their audience rows
    refreshed before): the entries and exits, written, announced and on the timelines."""
    ids = sorted(set(customer_ids))
    diff = Diff()
    if not ids:
        return diff
    now = timezone.now()
    segments = ordered(Segment.objects.filter(kind=SegmentKind.DYNAMIC))
    names = {s.pk: s.name for s in segments}
    with writer_turn(), transaction.atomic():
        for segment in segments:
            _evaluate_one(segment, ids, now, reason, event_id, diff)
        live = set(
            AudienceProfile.objects.filter(customer_id__in=ids).values_list(
                "customer_id", flat=True
            )
        )
        _announce(diff, names, now, reason, event_id, live)
    return diff


def _evaluate_one(
    segment: Segment, ids: list[int], now: datetime, reason: str, event_id: str, diff: Diff
) -> None:
    qualifying = set(
        _qualifying(segment, now).filter(customer_id__in=ids).values_list("customer_id", flat=True)
    )
    current = set(
        SegmentMember.objects.filter(segment_id=segment.pk, customer_id__in=ids).values_list(
            "customer_id", flat=True
        )
    )
    enter, leave = sorted(qualifying - current), sorted(current - qualifying)
    if not enter and not leave:
        return
    if leave:
        SegmentMember.objects.filter(segment_id=segment.pk, customer_id__in=leave).delete()
    insert_new(
        [new_row(SegmentMember, segment_id=segment.pk, customer_id=c, since=now) for c in enter]
    )
    insert_new(
        [
            new_row(
                SegmentChange,
                segment_id=segment.pk,
                customer_id=c,
                change=kind,
                at=now,
                reason=reason[:120],
                event_id=event_id[:120],
            )
            for kind, group in (("entered", enter), ("left", leave))
            for c in group
        ]
    )
    Segment.objects.filter(pk=segment.pk).update(
        member_count=F("member_count") + len(enter) - len(leave)
    )
    diff.entered += [(segment.pk, c) for c in enter]
    diff.left += [(segment.pk, c) for c in leave]


def _announce(
    diff: Diff, names: dict[int, str], now: datetime, reason: str, event_id: str, live: set[int]
) -> None:
    """The events for every change; timeline lines for live customers only (one merged away
    or erased leaves its segments without a line on a record nobody reads)."""
    announcements = []
    lines = []
    for kind, pairs in (("entered", diff.entered), ("left", diff.left)):
        for sid, cid in pairs:
            payload = {"segment_id": sid, "customer_id": cid, "reason": reason}
            announcements.append(
                hub.Announcement(
                    f"segment.{kind}",
                    payload,
                    f"segment.{kind}#{sid}#{cid}#{uuid.uuid4().hex[:12]}",
                    TIMELINE_CHANNEL,
                    cid,
                )
            )
            if cid in live:
                lines.append(_line(kind, sid, cid, names[sid], now, reason, event_id))
    if announcements:
        hub.publish_many(announcements)
    if lines:
        timeline.add_lines(lines)


def _line(
    kind: str, sid: int, cid: int, name: str, now: datetime, reason: str, event_id: str
) -> timeline.TimelineLine:
    subject = (
        _("Entered segment %(name)s") if kind == "entered" else _("Left segment %(name)s")
    ) % {"name": name}
    return timeline.TimelineLine(
        customer_id=cid,
        occurred_at=now,
        channel=TIMELINE_CHANNEL,
        kind=f"segment_{kind}",
        subject=subject,
        summary=reason,
        related_type="segment",
        related_id=str(sid),
        event_id=event_id,
    )


def forget(customer_ids: Iterable[int]) -> dict[str, int]:
    """Remove these customers from the audience, every segment and its history (erasure)."""
    ids = list(set(customer_ids))
    with writer_turn(), transaction.atomic():
        held = list(
            SegmentMember.objects.filter(customer_id__in=ids).values_list("segment_id", flat=True)
        )
        members = SegmentMember.objects.filter(customer_id__in=ids).delete()[0]
        for sid in set(held):
            Segment.objects.filter(pk=sid).update(member_count=F("member_count") - held.count(sid))
        changes = SegmentChange.objects.filter(customer_id__in=ids).delete()[0]
        profiles = AudienceProfile.objects.filter(customer_id__in=ids).delete()[0]
    return {"segment_members": members, "segment_changes": changes, "audience": profiles}


def touched(messages: Sequence[hub.Message]) -> set[int]:
    """The customers a pass of hub messages touched: the message's customer, the payload's
    ``customer_id(s)``, both sides of a merge."""
    found: set[int] = set()
    for m in messages:
        payload = m.payload or {}
        for key in ("customer_id", "survivor_id", "absorbed_id"):
            value = payload.get(key)
            if isinstance(value, int):
                found.add(value)
        for value in payload.get("customer_ids") or ():
            if isinstance(value, int):
                found.add(value)
        for merge in payload.get("merges") or ():
            found |= {v for v in (merge.get("survivor_id"), merge.get("absorbed_id")) if v}
        if m.customer_id:
            found.add(m.customer_id)
    return found
