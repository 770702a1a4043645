"""Data quality: odd contact points kept aside at ingest, and a person's fix or dismissal.

Ingest never loses a customer for one optional field (docs/data-quality.md): the field is set
aside as a :class:`DataQualityIssue` in the same transaction as the customer. A phone in a
range libphonenumber does not list is written, and an issue flags it. Here a person fixes an
issue (the corrected value is validated and applied through the customers services, which
audit it) or dismisses it (audited too).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from pydantic import ValidationError

from lealtad.core import normalize
from lealtad.core.errors import DomainError
from lealtad.customers import services
from lealtad.customers.choices import IssueKind, IssueStatus
from lealtad.customers.models import Customer, DataQualityIssue, Identifier, Phone
from lealtad.customers.schemas import AddressIn, CustomerProfile, HouseholdIn, PhoneIn

PROFILE_SCALARS = frozenset(CustomerProfile.SET_ASIDE) - {
    "phones",
    "emails",
    "addresses",
    "household",
}


class FixRefused(DomainError):
    """The corrected value does not pass either: nothing is written."""

    code = "fix_refused"


class AlreadyDecided(FixRefused):
    """The issue was fixed or dismissed already (perhaps by someone else a moment ago)."""

    code = "issue_already_decided"
    kind = "conflict"


# Deciding (a person, from the page, the API or the CLI) ---------------------------------------


def fix_issue(issue_id: int, value: Any, ctx: services.ChangeContext) -> DataQualityIssue:
    """Apply the corrected ``value`` for the issue's field; it is validated as an event's
    field would be. Refused (and nothing written) when it does not pass."""
    with transaction.atomic():
        issue = _open(issue_id)
        customer = Customer.objects.get(pk=issue.customer_id)
        corrected = _apply(issue, customer, value, ctx)
        _decide(issue, IssueStatus.FIXED, ctx, corrected)
        ctx.audit(
            "fix_data_quality",
            "data_quality_issue",
            issue.pk,
            {issue.field: [issue.raw_value, corrected]},
            customer.pk,
        )
    return issue


def dismiss_issue(issue_id: int, ctx: services.ChangeContext) -> DataQualityIssue:
    """Nothing to correct: the set-aside value stays out, a flagged phone stays as it is."""
    with transaction.atomic():
        issue = _open(issue_id)
        _decide(issue, IssueStatus.DISMISSED, ctx, "")
        ctx.audit(
            "dismiss_data_quality",
            "data_quality_issue",
            issue.pk,
            {"status": [IssueStatus.OPEN.value, IssueStatus.DISMISSED.value]},
            issue.customer_id,
        )
    return issue


def _open(issue_id: int) -> DataQualityIssue:
    issue = DataQualityIssue.objects.select_for_update().filter(pk=issue_id).first()
    if issue is None:
        raise DataQualityIssue.DoesNotExist(f"no data-quality issue {issue_id}")
    if issue.status != IssueStatus.OPEN:
        raise AlreadyDecided(_("this issue was already %(status)s"), status=issue.status)
    return issue


def _decide(
    issue: DataQualityIssue, status: str, ctx: services.ChangeContext, corrected: str
) -> None:
    issue.status = status
    issue.decided_at = timezone.now()
    issue.decided_by = ctx.actor.label[:150]
    issue.corrected_value = corrected
    issue.save(update_fields=["status", "decided_at", "decided_by", "corrected_value"])


def _apply(
    issue: DataQualityIssue, customer: Customer, value: Any, ctx: services.ChangeContext
) -> str:
    try:
        if issue.field == "phone":
            return _fix_phone(issue, customer, value, ctx)
        if issue.field == "email":
            return services.add_email(customer, normalize.email(_text(value)), ctx).address
        if issue.field == "address":
            address = AddressIn.model_validate(_mapping(value))
            return str(services.add_address(customer, address, ctx))
        if issue.field == "household":
            home = HouseholdIn.model_validate(_mapping(value))
            services.join_household(customer, home.name, home.role, ctx, size=home.size)
            return home.name
        if issue.field in PROFILE_SCALARS:
            return _fix_profile_field(issue.field, customer, value, ctx)
    except ValidationError as exc:
        raise FixRefused(_message(issue.field, exc), field=issue.field) from exc
    except normalize.InvalidValue as exc:
        raise FixRefused(str(exc), field=issue.field) from exc
    raise FixRefused(_("this field cannot be corrected here"), field=issue.field)


def _fix_phone(
    issue: DataQualityIssue, customer: Customer, value: Any, ctx: services.ChangeContext
) -> str:
    number = PhoneIn.model_validate({"number": _text(value)})
    if issue.kind == IssueKind.FLAGGED and number.e164 != issue.raw_value:
        _remove_phone(customer, issue.raw_value, ctx)
    return services.add_phone(customer, number, ctx).e164


def _remove_phone(customer: Customer, e164: str, ctx: services.ChangeContext) -> None:
    """The flagged number the corrected one replaces, and the key it gave the customer."""
    removed, _kinds = Phone.objects.filter(customer=customer, e164=e164).delete()
    Identifier.objects.filter(customer=customer, kind="phone", system="", value=e164).delete()
    if removed:
        ctx.audit("remove_phone", "phone", e164, {"phone": [e164, None]}, customer.pk)


def _fix_profile_field(
    name: str, customer: Customer, value: Any, ctx: services.ChangeContext
) -> str:
    if name == "birth_date":
        value = _date(_text(value))
    elif name in ("payment_methods", "purchase_motives") and isinstance(value, str):
        value = [part.strip() for part in value.split(",") if part.strip()]
    profile = CustomerProfile.model_validate({name: value})
    new = getattr(profile, name)
    services.update_profile(customer, {name: new}, ctx)
    return ", ".join(new) if isinstance(new, list) else str(new)


def _date(text: str) -> date | str:
    """ISO (2026-01-31) or the day/month/year people write (31/01/2026)."""
    for fmt in ("%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y"):
        try:
            return datetime.strptime(text.strip(), fmt).date()
        except ValueError:
            continue
    return text  # the schema refuses it with its own words


def _text(value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise FixRefused(_("enter the corrected value"))
    return value


def _mapping(value: Any) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise FixRefused(_("enter the corrected fields"))
    return {k: v for k, v in value.items() if v not in (None, "")}


def _message(name: str, exc: ValidationError) -> str:
    parts = []
    for err in exc.errors():
        where = ".".join(str(p) for p in err["loc"])
        message = err["msg"].removeprefix("Value error, ")
        parts.append(f"{where}: {message}" if where and where != name else message)
    return "; ".join(parts)
