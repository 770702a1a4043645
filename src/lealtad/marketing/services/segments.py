"""Creating, changing and removing segments, and the static lists' own ways in: a CSV of
customers (by id, e-mail, cédula or phone) and a pick of ids.

Every write checks all its input first and names the first fault (``rule.all[2].value``,
``rows[7].email``); nothing is written when one fails. A dynamic segment is built as it is
saved, so its counts are right the moment the page shows it.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from lealtad.core import normalize
from lealtad.core.db import insert_new, new_row, writer_turn
from lealtad.core.errors import DomainError
from lealtad.customers.selectors.owners import owners_of
from lealtad.marketing import segment_sql
from lealtad.marketing.models import Segment, SegmentChange, SegmentMember
from lealtad.marketing.models.segments import SegmentKind
from lealtad.marketing.services.membership import SegmentNotFound, rebuild
from lealtad.marketing_engine import segment_rules

KINDS = ("customer_id", "email", "national_id", "phone")
MAX_IMPORT_ROWS = 200_000


class SegmentRefused(DomainError):
    code = "segment_refused"
    kind = "invalid"


class SegmentNameTaken(DomainError):
    code = "segment_name_taken"
    kind = "conflict"
    template = gettext_lazy("A segment with this name exists already.")


@dataclass(frozen=True)
class SegmentIn:
    name: str
    description: str = ""
    kind: str = SegmentKind.DYNAMIC
    rule: Any = None


def _check(item: SegmentIn, path: str, own_id: int | None = None) -> dict[str, Any]:
    name = (item.name or "").strip()
    if not name or len(name) > 120:
        raise SegmentRefused(_("A name of 1 to 120 characters is needed."), field=f"{path}.name")
    if item.kind not in SegmentKind.values:
        raise SegmentRefused(_("kind is dynamic or static."), field=f"{path}.kind", code="bad_kind")
    rule = segment_sql.checked(item.rule or {}, f"{path}.rule")
    named = segment_rules.segments_named(rule)
    known = set(Segment.objects.filter(pk__in=named).values_list("pk", flat=True))
    for sid in sorted(named):
        if sid not in known:
            raise segment_sql.InvalidRule(
                segment_sql.MESSAGES["unknown_segment"], field=f"{path}.rule", segment=sid
            )
    if own_id is not None and own_id in _depends_on(named):
        raise segment_sql.InvalidRule(
            segment_sql.MESSAGES["segment_cycle"], field=f"{path}.rule", segment=own_id
        )
    return rule


def _depends_on(start: set[int]) -> set[int]:
    """Every segment reached from ``start`` through membership conditions."""
    seen: set[int] = set()
    todo = set(start)
    while todo:
        seen |= todo
        rules = Segment.objects.filter(pk__in=todo).values_list("rule", flat=True)
        todo = {s for r in rules for s in segment_rules.segments_named(r or {})} - seen
    return seen


def create(items: Sequence[SegmentIn], by: str) -> list[int]:
    """New segments (a list; one is a list of one); dynamic ones are built at once."""
    checked = [_check(item, f"segments[{i}]") for i, item in enumerate(items)]
    names = [item.name.strip() for item in items]
    taken = set(Segment.objects.filter(name__in=names).values_list("name", flat=True))
    for i, name in enumerate(names):
        if name in taken or names.index(name) != i:
            raise SegmentNameTaken(field=f"segments[{i}].name")
    now = timezone.now()
    rows = [
        new_row(
            Segment,
            name=name,
            description=item.description,
            kind=item.kind,
            rule=rule,
            created_at=now,
            updated_at=now,
            updated_by=by,
        )
        for item, name, rule in zip(items, names, checked, strict=True)
    ]
    with writer_turn(), transaction.atomic():
        insert_new(rows)
        for row in rows:
            if row.kind == SegmentKind.DYNAMIC:
                rebuild(row.pk, reason="created", now=now)
    return [row.pk for row in rows]


def _segment(segment_id: int) -> Segment:
    found = Segment.objects.filter(pk=segment_id).first()
    if found is None:
        raise SegmentNotFound(field="segment_id")
    return found


def update(segment_id: int, item: SegmentIn, by: str) -> None:
    """Change a segment; a dynamic one whose rule changed is rebuilt in the same transaction."""
    segment = _segment(segment_id)
    rule = _check(item, "segment", own_id=segment_id)
    name = item.name.strip()
    if Segment.objects.filter(name=name).exclude(pk=segment_id).exists():
        raise SegmentNameTaken(field="segment.name")
    changed_rule = rule != (segment.rule or {}) or item.kind != segment.kind
    with writer_turn(), transaction.atomic():
        Segment.objects.filter(pk=segment_id).update(
            name=name,
            description=item.description,
            kind=item.kind,
            rule=rule,
            updated_at=timezone.now(),
            updated_by=by,
        )
        if changed_rule and item.kind == SegmentKind.DYNAMIC:
            rebuild(segment_id, reason="rule changed")


def delete(segment_id: int) -> None:
    """Remove a segment with its members and history; refused while another's rule uses it."""
    _segment(segment_id)
    users = [
        name
        for name, rule in Segment.objects.exclude(pk=segment_id).values_list("name", "rule")
        if segment_id in segment_rules.segments_named(rule or {})
    ]
    if users:
        raise SegmentRefused(
            _("Segment %(names)s uses this one in its rule."),
            field="segment_id",
            code="segment_in_use",
            kind="conflict",
            names=", ".join(users),
        )
    with writer_turn(), transaction.atomic():
        SegmentChange.objects.filter(segment_id=segment_id).delete()
        SegmentMember.objects.filter(segment_id=segment_id).delete()
        Segment.objects.filter(pk=segment_id).delete()


# Static lists: pick and import -------------------------------------------------------------


@dataclass(frozen=True)
class ListOutcome:
    added: int
    removed: int
    members: int


def pick(
    segment_id: int, add: Iterable[int] = (), remove: Iterable[int] = (), by: str = ""
) -> ListOutcome:
    """Add and remove customers of a static list by id; unknown ids are refused by position."""
    segment = _segment(segment_id)
    if segment.kind != SegmentKind.STATIC:
        raise SegmentRefused(
            _("Only a static list takes picked members; a dynamic segment follows its rule."),
            field="segment_id",
            code="not_static",
            kind="conflict",
        )
    adding, removing = list(add), list(remove)
    live = owners_of("customer_id", [str(c) for c in adding])
    for i, cid in enumerate(adding):
        if live.get(str(cid)) != [cid]:
            raise SegmentRefused(_("There is no live customer %(id)s."), field=f"add[{i}]", id=cid)
    return _apply(segment, set(adding), set(removing), f"pick by {by}"[:120])


def _apply(segment: Segment, adding: set[int], removing: set[int], reason: str) -> ListOutcome:
    now = timezone.now()
    with writer_turn(), transaction.atomic():
        present = set(
            SegmentMember.objects.filter(
                segment_id=segment.pk, customer_id__in=list(adding | removing)
            ).values_list("customer_id", flat=True)
        )
        enter = sorted(adding - present - removing)
        leave = sorted(removing & present)
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
                    reason=reason,
                )
                for kind, ids in (("entered", enter), ("left", leave))
                for c in ids
            ]
        )
        total = SegmentMember.objects.filter(segment_id=segment.pk).count()
        Segment.objects.filter(pk=segment.pk).update(
            member_count=total, built_at=now, updated_at=now
        )
    return ListOutcome(len(enter), len(leave), total)


@dataclass(frozen=True)
class ImportProblem:
    line: int
    column: str
    message: str


class ImportRefused(DomainError):
    code = "import_refused"
    kind = "invalid"

    def __init__(self, problems: list[ImportProblem]) -> None:
        first = problems[0]
        super().__init__(
            _("%(count)s line(s) could not be matched; line %(line)s: %(message)s"),
            field=f"rows[{first.line}].{first.column}",
            count=len(problems),
            line=first.line,
            message=first.message,
        )
        self.problems = problems


def import_csv(segment_id: int, text: str, by: str = "", replace: bool = False) -> ListOutcome:
    """Add the customers of a CSV (a header with one of customer_id, email, national_id,
    phone per row) to a static list; ``replace`` makes the file the whole list. Any line not
    matched to exactly one live customer refuses the file, every such line reported."""
    segment = _segment(segment_id)
    if segment.kind != SegmentKind.STATIC:
        raise SegmentRefused(
            _("Only a static list is imported into; a dynamic segment follows its rule."),
            field="segment_id",
            code="not_static",
            kind="conflict",
        )
    keys, unreadable = _read_keys(text)
    found, unmatched = _match(keys)
    problems = sorted(unreadable + unmatched, key=lambda p: p.line)
    if problems:
        raise ImportRefused(problems)
    removing: set[int] = set()
    if replace:
        removing = set(
            SegmentMember.objects.filter(segment_id=segment_id).values_list(
                "customer_id", flat=True
            )
        ) - set(found)
    return _apply(segment, set(found), removing, f"import by {by}"[:120])


def _read_keys(text: str) -> tuple[list[tuple[int, str, str]], list[ImportProblem]]:
    """(line, kind, normalized value) per data row, and the lines that could not be read."""
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    header = [h.strip() for h in reader.fieldnames or []]
    columns = [h for h in header if h in KINDS]
    if not columns:
        raise SegmentRefused(
            _("The first line names a column: customer_id, email, national_id or phone."),
            field="file",
            code="no_key_column",
        )
    keys: list[tuple[int, str, str]] = []
    problems: list[ImportProblem] = []
    for number, raw in enumerate(reader, start=2):
        if number - 1 > MAX_IMPORT_ROWS:
            raise SegmentRefused(
                _("At most %(n)s rows a file."),
                field="file",
                code="too_many_rows",
                n=MAX_IMPORT_ROWS,
            )
        row = {(k or "").strip(): (v or "").strip() for k, v in raw.items() if k}
        filled = [(c, row.get(c, "")) for c in columns if row.get(c, "")]
        if not filled:
            if any(row.values()):
                problems.append(ImportProblem(number, columns[0], _("no key on this line")))
            continue
        kind, value = filled[0]
        try:
            keys.append((number, kind, _normal(kind, value)))
        except (normalize.InvalidValue, ValueError) as exc:
            problems.append(ImportProblem(number, kind, str(exc)))
    return keys, problems


def _normal(kind: str, value: str) -> str:
    if kind == "customer_id":
        if not value.isdigit():
            raise ValueError(_("a customer id is a whole number"))
        return str(int(value))
    if kind == "email":
        return normalize.email(value)
    if kind == "national_id":
        return normalize.national_id(value).value
    return normalize.phone(value).e164


def _match(keys: list[tuple[int, str, str]]) -> tuple[list[int], list[ImportProblem]]:
    by_kind: dict[str, set[str]] = {}
    for _line, kind, value in keys:
        by_kind.setdefault(kind, set()).add(value)
    owners = {kind: owners_of(kind, values) for kind, values in by_kind.items()}
    found: list[int] = []
    problems: list[ImportProblem] = []
    for line, kind, value in keys:
        ids = owners[kind].get(value, [])
        if len(ids) == 1:
            found.append(ids[0])
        elif not ids:
            problems.append(ImportProblem(line, kind, _("no customer has %(v)s") % {"v": value}))
        else:
            problems.append(
                ImportProblem(line, kind, _("%(v)s belongs to several customers") % {"v": value})
            )
    return found, problems
