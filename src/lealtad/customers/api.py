"""HTTP API of the customers context: thin handlers over selectors and services."""

from __future__ import annotations

from typing import Annotated, Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Query, Router, Schema
from ninja.errors import HttpError
from pydantic import Field, WithJsonSchema

from lealtad.core.access import Principal, principal, require
from lealtad.core.api_errors import errors
from lealtad.core.envelope import CustomerRef
from lealtad.core.roles import Capability
from lealtad.core.text_schema import CARD_KEY, EXTERNAL_KEY, ID_KEY
from lealtad.customers import presenters, selectors, services
from lealtad.customers.models import Customer, IdentityReview, Merge
from lealtad.customers.schemas import (
    EMAIL,
    PERIOD_REVERSED,
    PHONE,
    AddressStatement,
    ConsentStatement,
    InteractionRecorded,
    PhoneIn,
    ProfileIn,
)
from lealtad.customers.selectors import search_page

router = Router(tags=["customers"])


class CustomerCreate(Schema):
    identifiers: CustomerRef
    profile: ProfileIn = Field(default_factory=ProfileIn)
    channel: str = Field("web", min_length=1, max_length=40)


class MergeIn(Schema):
    absorbed_id: int
    reason: str = Field(min_length=3, max_length=250)


class DecisionIn(Schema):
    decision: str = Field(pattern="^(merged|distinct|deferred)$")


class EmailIn(Schema):
    address: str = Field(max_length=254, json_schema_extra=EMAIL)


def _ctx(request: HttpRequest, capability: Capability, channel: str = "") -> services.ChangeContext:
    """Who writes, through which channel: a channel-bound token writes as its own channel
    and may not name another (record rules, :mod:`lealtad.core.rules`)."""
    who = require(request, capability)
    channel = channel or (min(who.channels) if who.channels else "api")
    if not who.may_speak_for(channel):
        raise PermissionDenied(f"this token may not speak for channel {channel!r}")
    return services.ChangeContext(who.actor, channel=channel)


def _customer(request: HttpRequest, customer_id: int) -> Customer:
    """The customer, if the caller reaches it; another channel's customer is not found."""
    found = selectors.readable(customer_id, principal(request).reader)
    if found is None:
        raise Http404("No Customer matches the given query.")
    return found


def _may_capture_consents(who: Principal, consents: list[Any]) -> None:
    if consents and not who.can(Capability.CAPTURE_CONSENT):
        raise PermissionDenied(
            "profile.consents: recording a consent needs the capability "
            f"{Capability.CAPTURE_CONSENT.value}"
        )


def _named(form: dict[str, Any], longest: int) -> WithJsonSchema:
    """A query parameter published with its named format (docs/security.md)."""
    given = {"type": "string", "maxLength": longest, **form}
    return WithJsonSchema({"anyOf": [given, {"type": "string", "maxLength": 0}]})


def _key(pattern: str, what: str) -> Any:
    return Query(None, max_length=254, pattern=pattern, description=what)


@router.get(
    "/customers/lookup",
    summary="Screen-pop lookup by phone, email, card or id",
    description="The first key given is looked up; with none, or one nobody holds, the "
    "answer is no matches. 422 (`lookup_key_invalid`) when a key cannot be what it names "
    "(an impossible phone).",
)
def lookup(
    request: HttpRequest,
    phone: Annotated[str | None, _named(PHONE, 40)] = Query(None, max_length=40),
    email: Annotated[str | None, _named(EMAIL, 254)] = Query(None, max_length=254),
    card: str | None = _key(CARD_KEY, "letters and digits; spaces and dashes are ignored"),
    national_id: str | None = _key(ID_KEY, "letters and digits; spaces, dots, dashes ignored"),
    external_id: str | None = _key(EXTERNAL_KEY, "the id another system gives the customer"),
    system: str | None = Query(None, max_length=60, description="that system's name"),
) -> dict[str, Any]:
    who = require(request, Capability.LOOKUP)
    found = selectors.lookup(
        phone=phone,
        email=email,
        card=card,
        national_id=national_id,
        external_id=external_id,
        system=system,
        region=settings.LEALTAD_DEFAULT_REGION,
    )
    found = selectors.only_visible(found, who.reader)
    return {"matches": [presenters.customer_summary(c) for c in found]}


@router.get("/customers", summary="Search by name fragment, phone, email or national id")
def search(request: HttpRequest, q: str = "", page: int = 1, limit: int = 25) -> dict[str, Any]:
    """One page of matches with the facts that tell namesakes apart, the total (``more_than``
    when counting stopped at 10,000) and the page count, as on the search page."""
    who = require(request, Capability.LOOKUP)
    found = search_page.search_page(q, page, who.reader, per_page=max(1, min(limit, 100)))
    return {
        "results": [presenters.found_customer(row) for row in found.rows],
        "page": found.number,
        "pages": found.pages,
        "total": found.total,
        "more_than": found.more_than,
    }


@router.post("/customers", response={201: dict, **errors(409)}, summary="Create a customer")
def create(request: HttpRequest, body: CustomerCreate) -> tuple[int, dict[str, Any]]:
    ctx = _ctx(request, Capability.CREATE, body.channel)
    _may_capture_consents(principal(request), body.profile.consents)
    reversed_at = body.profile.reversed_period()
    if reversed_at is not None:  # a rule between two fields: 409, as documented
        raise services.AddressPeriodReversed(
            PERIOD_REVERSED, field=f"profile.addresses.{reversed_at}"
        )
    try:
        customer = services.create_customer(body.profile, body.identifiers, ctx)
    except services.ConsentRefused as exc:  # answered by lealtad.api, at its place in the body
        raise exc.under("profile.consents") from None
    return 201, presenters.customer_profile(customer)


@router.get("/customers/{customer_id}", summary="A customer's profile")
def profile(request: HttpRequest, customer_id: int) -> dict[str, Any]:
    require(request, Capability.VIEW)
    return presenters.customer_profile(_customer(request, customer_id))


@router.patch("/customers/{customer_id}", summary="Change profile fields")
def update(request: HttpRequest, customer_id: int, body: ProfileIn) -> dict[str, Any]:
    ctx = _ctx(request, Capability.EDIT)
    customer = _customer(request, customer_id)
    changes = body.model_dump(
        exclude_unset=True, exclude={"phones", "emails", "addresses", "consents", "household"}
    )
    services.update_profile(customer, changes, ctx)
    return presenters.customer_profile(customer)


@router.get("/customers/{customer_id}/360", summary="Customer 360: everything on one screen")
def customer_360(request: HttpRequest, customer_id: int) -> dict[str, Any]:
    who = require(request, Capability.VIEW)
    customer = _customer(request, customer_id)
    return presenters.view_360(selectors.customer_360(customer, who.capabilities, who.reader))


@router.get("/customers/{customer_id}/interactions", summary="The contact timeline")
def interactions(
    request: HttpRequest, customer_id: int, channel: str | None = None, limit: int = 50
) -> dict[str, Any]:
    who = require(request, Capability.VIEW_HISTORY)
    rows = selectors.timeline(
        _customer(request, customer_id), max(1, min(limit, 500)), channel, who.reader
    )
    return {"interactions": [presenters.interaction(i) for i in rows]}


@router.post("/customers/{customer_id}/interactions", response={201: dict})
def add_interaction(
    request: HttpRequest, customer_id: int, body: InteractionRecorded, channel: str = ""
) -> tuple[int, dict[str, Any]]:
    if not channel and not principal(request).channels:
        channel = "call_center"
    ctx = _ctx(request, Capability.EDIT, channel)
    row = services.record_interaction(_customer(request, customer_id), body, ctx)
    return 201, presenters.interaction(row)


@router.post("/customers/{customer_id}/phones", response={201: dict})
def add_phone(request: HttpRequest, customer_id: int, body: PhoneIn) -> tuple[int, dict]:
    ctx = _ctx(request, Capability.EDIT)
    row = services.add_phone(_customer(request, customer_id), body, ctx)
    return 201, {"e164": row.e164, "kind": row.kind, "is_mobile": row.is_mobile}


@router.post("/customers/{customer_id}/emails", response={201: dict})
def add_email(request: HttpRequest, customer_id: int, body: EmailIn) -> tuple[int, dict]:
    from lealtad.core import normalize

    try:
        address = normalize.email(body.address)
    except normalize.InvalidValue as exc:
        raise HttpError(422, str(exc)) from exc
    ctx = _ctx(request, Capability.EDIT)
    row = services.add_email(_customer(request, customer_id), address, ctx)
    return 201, {"address": row.address}


@router.post("/customers/{customer_id}/addresses", response={201: dict, **errors(409)})
def add_address(request: HttpRequest, customer_id: int, body: AddressStatement) -> tuple[int, dict]:
    ctx = _ctx(request, Capability.EDIT)
    row = services.add_address(_customer(request, customer_id), body, ctx)
    return 201, presenters.address(row)


@router.post("/customers/{customer_id}/consents", response={201: dict, **errors(409)})
def set_consent(request: HttpRequest, customer_id: int, body: ConsentStatement) -> tuple[int, dict]:
    ctx = _ctx(request, Capability.CAPTURE_CONSENT)
    customer = _customer(request, customer_id)
    change = services.record_consent(customer, body, ctx)
    if change is None:  # the customer's choice on file already
        return 201, {**body.model_dump(), "status": "in_force", "unchanged": True}
    out = presenters.consent_change(change)
    if change.status == "pending":
        out["confirmation_url"] = request.build_absolute_uri(services.confirmation_path(change))
    return 201, out


class ConfirmIn(Schema):
    token: str = Field(min_length=1, max_length=500)


@router.post(
    "/consents/confirm",
    auth=None,
    response={200: dict, **errors(404)},
    summary="The customer confirms a double opt-in (the token of the signed link)",
    description="404 when the token names no pending consent: tampered, or expired after "
    "`LEALTAD_CONSENT_CONFIRM_DAYS` (the message says which).",
)
def confirm_consent(request: HttpRequest, body: ConfirmIn) -> dict[str, Any]:
    change = services.confirm_consent(body.token)
    return presenters.consent_change(change)


@router.get("/customers/{customer_id}/audit", summary="Who changed what, when")
def audit_trail(request: HttpRequest, customer_id: int, limit: int = 100) -> dict[str, Any]:
    who = require(request, Capability.VIEW_AUDIT)
    view = selectors.customer_360(
        _customer(request, customer_id), frozenset({Capability.VIEW_AUDIT}), who.reader
    )
    return {"audit": presenters.view_360(view)["audit"][:limit]}


@router.post(
    "/customers/{customer_id}/merge",
    response={200: dict, **errors(409)},
    summary="Merge another customer into this one",
)
def merge(request: HttpRequest, customer_id: int, body: MergeIn) -> dict[str, Any]:
    ctx = _ctx(request, Capability.MERGE)
    record = services.merge_customers(
        _customer(request, customer_id), _customer(request, body.absorbed_id), ctx, body.reason
    )
    return {"merge_id": record.pk, "survivor_id": customer_id, "absorbed_id": body.absorbed_id}


class UndoIn(Schema):
    reason: str = Field(min_length=3, max_length=250)


@router.get("/customers/{customer_id}/merges", summary="Merges this customer took part in")
def merges(request: HttpRequest, customer_id: int) -> dict[str, Any]:
    require(request, Capability.VIEW_AUDIT)
    rows = selectors.merges_of(_customer(request, customer_id))
    return {"merges": [presenters.merge(m) for m in rows]}


@router.post(
    "/merges/{merge_id}/undo",
    response={200: dict, **errors(409)},
    summary="Undo a merge: both customers come back",
)
def undo_merge(request: HttpRequest, merge_id: int, body: UndoIn) -> dict[str, Any]:
    ctx = _ctx(request, Capability.MERGE)
    record = get_object_or_404(Merge, pk=merge_id)
    _customer(request, record.survivor_id)
    _customer(request, record.absorbed_id)
    services.unmerge(record, ctx, body.reason)
    record.refresh_from_db()
    return presenters.merge(record)


@router.get("/identity/reviews", summary="Pairs waiting for a person's decision")
def reviews(request: HttpRequest) -> dict[str, Any]:
    who = require(request, Capability.MERGE)
    return {
        "reviews": [
            {
                "id": r.pk,
                "status": r.status,
                "reason": r.reason,
                "event_id": r.event_id,
                "evidence": r.evidence,
                "customer_a": presenters.customer_summary(r.customer_a),
                "customer_b": presenters.customer_summary(r.customer_b),
            }
            for r in selectors.open_reviews()
            if selectors.reaches_all([r.customer_a, r.customer_b], who.reader)
        ]
    }


@router.post("/identity/reviews/{review_id}/decision", response={200: dict, **errors(409)})
def decide(request: HttpRequest, review_id: int, body: DecisionIn) -> dict[str, Any]:
    ctx = _ctx(request, Capability.MERGE)
    review = get_object_or_404(IdentityReview, pk=review_id)
    _customer(request, review.customer_a_id)
    _customer(request, review.customer_b_id)
    review = services.decide_review(review, body.decision, ctx)
    return {"id": review.pk, "status": review.status}
