"""Call lists for the outbound dialer: create one, fill it from a CSV of customer ids or a
segment of the customers' standing, start, pause or finish it, and keep the do-not-call
numbers. The dialing itself is ``services.dialer_job``.

Every refusal names the field or the CSV row at fault and writes nothing.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _

from lealtad.contact_engine.dialer import CallingHours, DialRules, RetryPolicy
from lealtad.contact_engine.dialer.rules import zone_of
from lealtad.contactcenter.errors import CenterRefused, NotThere, WrongState
from lealtad.contactcenter.models import CallList, CallListEntry, DoNotCallNumber, Queue
from lealtad.contactcenter.models.dialer import DialMode, ListStatus
from lealtad.core import normalize
from lealtad.core.audit import Actor
from lealtad.customers.choices import ChurnBand, ConsentPurpose, LifecycleStage, ValueTier
from lealtad.customers.selectors import dialing

MAX_CSV_ROWS = 200_000
MOVES = {
    "start": ({ListStatus.DRAFT, ListStatus.PAUSED}, ListStatus.RUNNING),
    "pause": ({ListStatus.RUNNING}, ListStatus.PAUSED),
    "finish": ({ListStatus.DRAFT, ListStatus.RUNNING, ListStatus.PAUSED}, ListStatus.FINISHED),
}


def _refuse(field: str, message: Any, **params: Any) -> CenterRefused:
    return CenterRefused(message, field=field, **params)


def rules_for(call_list: CallList) -> DialRules:
    """The pure core's rules for a list (its hours, attempts and default zone)."""
    return DialRules(
        hours=CallingHours.parse(call_list.hours or {}),
        retry=RetryPolicy(max_attempts=call_list.max_attempts),
        default_time_zone=call_list.default_time_zone,
    )


def _check_settings(
    mode: str, purpose: str, abandon_cap: float, max_attempts: int, hours: dict, zone: str
) -> None:
    if mode not in DialMode.values:
        raise _refuse("mode", _("Choose preview, progressive or predictive."))
    if purpose not in ConsentPurpose.values:
        raise _refuse("purpose", _("%(value)s is not a consent purpose."), value=purpose)
    if not 0 < abandon_cap <= 0.05:
        raise _refuse("abandon_cap", _("The abandonment cap must be above 0 and at most 5%."))
    if not 1 <= max_attempts <= 20:
        raise _refuse("max_attempts", _("Between 1 and 20 attempts."))
    try:
        CallingHours.parse(hours)
    except ValueError as exc:
        key = str(exc).split(":")[0]
        raise _refuse(f"hours.{key}", str(exc).split(": ", 1)[-1]) from None
    try:
        zone_of(zone)
    except ValueError:
        raise _refuse("default_time_zone", _("%(zone)s is not a time zone."), zone=zone) from None


def create_list(
    name: str,
    queue: str,
    mode: str,
    actor: Actor,
    *,
    label: str = "",
    purpose: str = ConsentPurpose.MARKETING,
    abandon_cap: float = 0.03,
    max_attempts: int = 5,
    hours: dict | None = None,
    default_time_zone: str = "America/Guayaquil",
) -> CallList:
    hours = hours or {}
    _check_settings(mode, purpose, abandon_cap, max_attempts, hours, default_time_zone)
    found = Queue.objects.filter(name=queue, active=True).first()
    if found is None:
        raise NotThere(_("There is no queue %(name)s."), field="queue", name=queue)
    try:
        with transaction.atomic():
            return CallList.objects.create(
                name=name,
                label=label or name,
                queue=found,
                mode=mode,
                purpose=purpose,
                abandon_cap=abandon_cap,
                max_attempts=max_attempts,
                hours=hours,
                default_time_zone=default_time_zone,
                created_by=actor.label,
            )
    except IntegrityError:
        raise WrongState(_("A call list named %(name)s exists."), field="name", name=name) from None


def get_list(name: str) -> CallList:
    found = CallList.objects.select_related("queue").filter(name=name).first()
    if found is None:
        raise NotThere(_("There is no call list %(name)s."), field="name", name=name)
    return found


def _customer_ids_from_csv(text: str) -> list[int]:
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    if reader.fieldnames:  # a spreadsheet's header may carry spaces or a BOM
        reader.fieldnames = [name.strip().lower() for name in reader.fieldnames]
    if not reader.fieldnames or "customer_id" not in reader.fieldnames:
        raise _refuse("csv", _("The first line must name a customer_id column."))
    ids: list[int] = []
    for number, row in enumerate(reader, start=2):
        raw = (row.get("customer_id") or "").strip()
        if not raw.isdigit() or int(raw) < 1:
            raise _refuse(
                f"row {number}",
                _("%(value)r is not a customer id."),
                row=number,
                value=raw,
            )
        ids.append(int(raw))
        if len(ids) > MAX_CSV_ROWS:
            raise _refuse("csv", _("At most %(most)s rows at once."), most=MAX_CSV_ROWS)
    return ids


def add_from_csv(list_name: str, text: str, actor: Actor) -> int:
    """Adds the customers a CSV names (a ``customer_id`` column); returns how many were new.
    An id that is no live customer refuses the whole file, naming its row."""
    _open_list(list_name)
    ids = _customer_ids_from_csv(text)
    live = dialing.live_customer_ids(ids)
    for number, customer_id in enumerate(ids, start=2):
        if customer_id not in live:
            raise NotThere(
                _("There is no customer %(id)s."),
                field=f"row {number}",
                row=number,
                id=customer_id,
            )
    return _add(list_name, ids, {"csv_rows": len(ids)})


def add_from_segment(
    list_name: str,
    actor: Actor,
    *,
    tiers: Iterable[str] = (),
    stages: Iterable[str] = (),
    churn_bands: Iterable[str] = (),
    limit: int | None = None,
) -> int:
    """Adds the customers whose standing matches (value tier, lifecycle stage, churn band)."""
    _open_list(list_name)
    tiers, stages, churn_bands = list(tiers), list(stages), list(churn_bands)
    for field, values, allowed in (
        ("tiers", tiers, ValueTier.values),
        ("stages", stages, LifecycleStage.values),
        ("churn_bands", churn_bands, ChurnBand.values),
    ):
        for value in values:
            if value not in allowed:
                raise _refuse(
                    field,
                    _("%(value)s is not one of %(allowed)s."),
                    value=value,
                    allowed=", ".join(v for v in allowed if v),
                )
    if not (tiers or stages or churn_bands):
        raise _refuse("tiers", _("Name at least one tier, stage or churn band."))
    ids = dialing.customers_in_segment(
        tiers=tiers, stages=stages, churn_bands=churn_bands, limit=limit
    )
    criteria = {"tiers": tiers, "stages": stages, "churn_bands": churn_bands}
    return _add(list_name, ids, {"segment": criteria})


def _open_list(list_name: str) -> CallList:
    call_list = get_list(list_name)
    if call_list.status == ListStatus.FINISHED:
        raise WrongState(_("The call list is finished."), field="name")
    return call_list


def _add(list_name: str, ids: list[int], criteria: dict[str, Any]) -> int:
    with transaction.atomic():
        call_list = CallList.objects.select_for_update().filter(name=list_name).first()
        if call_list is None:
            raise NotThere(_("There is no call list %(name)s."), field="name", name=list_name)
        if call_list.status == ListStatus.FINISHED:
            raise WrongState(_("The call list is finished."), field="name")
        before = call_list.entries.count()
        fresh = list(dict.fromkeys(ids))
        CallListEntry.objects.bulk_create(
            [CallListEntry(call_list=call_list, customer_id=cid) for cid in fresh],
            batch_size=1000,
            ignore_conflicts=True,
        )
        call_list.criteria = {**call_list.criteria, **criteria}
        call_list.save(update_fields=["criteria"])
        return call_list.entries.count() - before


def move_list(list_name: str, action: str, actor: Actor) -> CallList:
    """``start``, ``pause`` or ``finish`` a list."""
    if action not in MOVES:
        raise _refuse("action", _("Choose start, pause or finish."))
    allowed, target = MOVES[action]
    with transaction.atomic():
        call_list = CallList.objects.select_for_update().filter(name=list_name).first()
        if call_list is None:
            raise NotThere(_("There is no call list %(name)s."), field="name", name=list_name)
        if call_list.status == target:
            return call_list  # a repeated click changes nothing
        if call_list.status not in allowed:
            raise WrongState(
                _("A %(status)s list cannot %(action)s."),
                field="action",
                status=call_list.status,
                action=action,
            )
        call_list.status = target
        call_list.save(update_fields=["status"])
    return call_list


def add_do_not_call(numbers: Iterable[str], source: str, actor: Actor, region: str = "EC") -> int:
    """Adds numbers nobody may dial; returns how many were new. A number that cannot be one
    refuses the whole batch, naming its place."""
    e164s = []
    for index, raw in enumerate(numbers):
        try:
            e164s.append(normalize.phone(raw, region).e164)
        except normalize.InvalidValue:
            raise _refuse(
                f"numbers[{index}]", _("%(value)r is not a phone number."), value=raw
            ) from None
    with transaction.atomic():
        before = DoNotCallNumber.objects.count()
        DoNotCallNumber.objects.bulk_create(
            [DoNotCallNumber(e164=n, source=source or actor.label) for n in dict.fromkeys(e164s)],
            ignore_conflicts=True,
        )
        return DoNotCallNumber.objects.count() - before


def campaign_list(name: str, label: str, queue: str, actor: Actor) -> CallList:
    """The call list a marketing campaign hands its call-list channel to, made on first use
    (preview mode, on ``queue`` or else the first active queue); an existing one is kept."""
    found = CallList.objects.select_related("queue").filter(name=name).first()
    if found is not None:
        return found
    if not queue:
        first = Queue.objects.filter(active=True).order_by("id").first()
        if first is None:
            raise NotThere(_("There is no active queue for a call list."), field="queue")
        queue = first.name
    return create_list(name, queue, DialMode.PREVIEW, actor, label=label[:120])


def add_customers(list_name: str, customer_ids: Iterable[int]) -> int:
    """Adds these customers to a list (repeats are ignored); returns how many were new."""
    return _add(list_name, list(customer_ids), {})
