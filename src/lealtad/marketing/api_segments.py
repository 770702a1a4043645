"""Segments over HTTP (``/api/v1/marketing/segments…``): list, create, read, change, delete;
count a rule live (the builder's figure); members by page; a static list's CSV import and
pick; a rebuild. Refusals name the faulty path (``rule.all[2].value``) and write nothing."""

from __future__ import annotations

from typing import Any, Literal

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, File, Form, Query, Router, Schema
from ninja.files import UploadedFile
from pydantic import ConfigDict

from lealtad.core.access import require
from lealtad.core.api_errors import errors
from lealtad.core.roles import Capability
from lealtad.marketing.selectors import segments as reads
from lealtad.marketing.services import membership, segments
from lealtad.marketing.services.membership import SegmentNotFound

router = Router(tags=["marketing: segments"])
PREFIX = "/marketing/segments"


class SegmentBodyIn(Schema):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=120)
    description: str = Field(default="", max_length=2000)
    kind: Literal["dynamic", "static"] = "dynamic"
    rule: dict[str, Any] = Field(
        default_factory=dict,
        description='A group {"all": [...]} or {"any": [...]} of conditions '
        '{"field", "op", "value"}; {} matches everyone. See docs/marketing-segments.md.',
    )


class SegmentRuleIn(Schema):
    model_config = ConfigDict(extra="forbid")

    rule: dict[str, Any] = Field(default_factory=dict)


class SegmentMembersQuery(Schema):
    after: int = Field(default=0, ge=0)
    limit: int = Field(default=100, ge=1, le=1000)


class SegmentHistoryQuery(Schema):
    limit: int = Field(default=100, ge=1, le=1000)


class SegmentPickIn(Schema):
    model_config = ConfigDict(extra="forbid")

    add: list[int] = Field(default_factory=list, max_length=10_000)
    remove: list[int] = Field(default_factory=list, max_length=10_000)


def _found(segment_id: int) -> reads.SegmentView:
    found = reads.get(segment_id)
    if found is None:
        raise SegmentNotFound(_("There is no segment %(id)s."), field="segment_id", id=segment_id)
    return found


def _body(body: SegmentBodyIn) -> segments.SegmentIn:
    return segments.SegmentIn(body.name, body.description, body.kind, body.rule)


@router.get(PREFIX, response={200: list[dict[str, Any]]})
def list_segments(request: HttpRequest) -> Any:
    """Every segment with its member count."""
    require(request, Capability.MARKETING_VIEW)
    return [s.as_dict() for s in reads.listing()]


@router.post(PREFIX, response={201: dict[str, Any], **errors(409, 422)})
def create_segment(request: HttpRequest, body: SegmentBodyIn) -> Any:
    """A new segment; a dynamic one is built at once (its count is in the answer)."""
    who = require(request, Capability.MARKETING_MANAGE)
    [sid] = segments.create([_body(body)], by=who.actor.label)
    return 201, _found(sid).as_dict()


@router.post(f"{PREFIX}/count", response={200: dict[str, Any], **errors(422)})
def count_rule(request: HttpRequest, body: SegmentRuleIn) -> Any:
    """How many customers a rule matches now, without saving it (the builder's live count)."""
    require(request, Capability.MARKETING_VIEW)
    return {"count": reads.count(body.rule)}


@router.get(f"{PREFIX}/{{segment_id}}", response={200: dict[str, Any], **errors(404)})
def get_segment(request: HttpRequest, segment_id: int) -> Any:
    require(request, Capability.MARKETING_VIEW)
    return _found(segment_id).as_dict()


@router.put(f"{PREFIX}/{{segment_id}}", response={200: dict[str, Any], **errors(404, 409, 422)})
def update_segment(request: HttpRequest, segment_id: int, body: SegmentBodyIn) -> Any:
    """Change a segment; a dynamic one whose rule changed is rebuilt."""
    who = require(request, Capability.MARKETING_MANAGE)
    segments.update(segment_id, _body(body), by=who.actor.label)
    return _found(segment_id).as_dict()


@router.delete(f"{PREFIX}/{{segment_id}}", response={204: None, **errors(404, 409)})
def delete_segment(request: HttpRequest, segment_id: int) -> Any:
    """Remove a segment, its members and history (refused while another rule uses it)."""
    require(request, Capability.MARKETING_MANAGE)
    segments.delete(segment_id)
    return 204, None


@router.get(f"{PREFIX}/{{segment_id}}/members", response={200: dict[str, Any], **errors(404)})
def segment_members(
    request: HttpRequest, segment_id: int, query: Query[SegmentMembersQuery]
) -> Any:
    """A page of members by customer id; pass the last id as ``after`` for the next page."""
    require(request, Capability.MARKETING_VIEW)
    _found(segment_id)
    page = reads.members_page(segment_id, after=query.after, limit=query.limit)
    following = page[-1]["customer_id"] if len(page) == query.limit else None
    return {"members": page, "next_after": following}


@router.post(
    f"{PREFIX}/{{segment_id}}/members", response={200: dict[str, Any], **errors(404, 409, 422)}
)
def pick_members(request: HttpRequest, segment_id: int, body: SegmentPickIn) -> Any:
    """Add and remove customers of a static list by id."""
    who = require(request, Capability.MARKETING_MANAGE)
    outcome = segments.pick(segment_id, add=body.add, remove=body.remove, by=who.actor.label)
    return outcome.__dict__


@router.post(
    f"{PREFIX}/{{segment_id}}/import",
    response={200: dict[str, Any], **errors(404, 409), 422: dict[str, Any]},
    summary="Import a static list from CSV (all rows or none)",
    description="One of the columns `customer_id`, `email`, `national_id`, `phone` per row. "
    "Every line must name exactly one live customer; otherwise nothing is imported and every "
    "such line is listed (422). With `replace` the file becomes the whole list.",
)
def import_members(
    request: HttpRequest,
    segment_id: int,
    file: File[UploadedFile],
    replace: Form[bool] = False,
) -> Any:
    who = require(request, Capability.MARKETING_MANAGE)
    text = file.read().decode("utf-8", errors="replace")
    try:
        outcome = segments.import_csv(segment_id, text, by=who.actor.label, replace=replace)
    except segments.ImportRefused as refused:
        problems = [p.__dict__ for p in refused.problems]
        return 422, {"ok": False, "detail": refused.message, "problems": problems}
    return {"ok": True, **outcome.__dict__}


@router.post(f"{PREFIX}/{{segment_id}}/rebuild", response={200: dict[str, Any], **errors(404, 409)})
def rebuild_segment(request: HttpRequest, segment_id: int) -> Any:
    """Recompute the members from the rule now (set-based); entries and exits recorded."""
    require(request, Capability.MARKETING_MANAGE)
    return membership.rebuild(segment_id).__dict__


@router.get(f"{PREFIX}/{{segment_id}}/history", response={200: list[dict[str, Any]], **errors(404)})
def segment_history(
    request: HttpRequest, segment_id: int, query: Query[SegmentHistoryQuery]
) -> Any:
    """The latest entries and exits, newest first."""
    require(request, Capability.MARKETING_VIEW)
    _found(segment_id)
    return [c.__dict__ for c in reads.changes(segment_id, query.limit)]
