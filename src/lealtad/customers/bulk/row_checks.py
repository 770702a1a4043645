"""A row's event checked as ingest will check it, before anything is written: the event
schema's errors and the limits of the tables the values end in, each named by the CSV line
and column it came from; fields set aside or flagged become the report's warnings."""

from __future__ import annotations

from lealtad.channels.services import EventResult, validate
from lealtad.core.envelope import ValidEvent
from lealtad.customers.bulk.row_events import Row, RowBuilder, at_cell
from lealtad.customers.names import display_name, split_full_name
from lealtad.customers.schemas import CustomerProfile

# Limits of the tables the values end in (the event schemas do not check all of them).
_NAME_LIMITS = {"given_names": 120, "first_surname": 80, "second_surname": 80}
_DISPLAY_LIMIT = 250
_KEY_LIMITS = {"national_id": 20, "card": 254, "email": 254}
_EXTERNAL_LIMIT = 254


def locate(line: int, row: Row, path: str, message: str) -> str:
    """Name the CSV column an error path of the event came from."""
    parts = path.split(".")
    for end in range(len(parts), 0, -1):
        found = row.where.get(".".join(parts[:end]))
        if found:
            return at_cell(line, found, message)
    if path == "customer":
        message = (
            "the row has no identifier (email, phone, national id, card, external id) nor name"
        )
    readable = path.replace("payload.addresses.0", "address").replace("payload.", "profile.")
    return f"line {line}, field {readable}: {message}"


def _limits(line: int, row: Row, event: ValidEvent) -> list[str]:
    """Values the event schema lets through but the customer tables cannot hold."""
    ref, profile = event.envelope.customer, event.payload
    assert isinstance(profile, CustomerProfile)
    problems = []
    for key, limit in _KEY_LIMITS.items():
        value = getattr(ref, key)
        if value and len(value) > limit:
            problems.append(locate(line, row, f"customer.{key}", f"longer than {limit}"))
    for value in ref.external_ids.values():
        if len(value) > _EXTERNAL_LIMIT:
            msg = f"longer than {_EXTERNAL_LIMIT}"
            problems.append(locate(line, row, "customer.external_ids", msg))
    if profile.given_names or profile.first_surname or profile.organization_name:
        names = (
            profile.given_names or "",
            profile.first_surname or "",
            profile.second_surname or "",
        )
        path = "payload.given_names"
    else:
        names = split_full_name(ref.name or "")
        path = "customer.name"
        for part, (name, limit) in zip(names, _NAME_LIMITS.items(), strict=True):
            if len(part) > limit:
                msg = f"the {name.replace('_', ' ')} part is longer than {limit} characters"
                problems.append(locate(line, row, path, msg))
    shown = display_name(*names, profile.organization_name or "")
    if len(shown) > _DISPLAY_LIMIT:
        msg = f"the full name is longer than {_DISPLAY_LIMIT} characters"
        problems.append(locate(line, row, path, msg))
    return problems


def row_problems(
    builder: RowBuilder, line: int, header: list[str], cells: list[str], channels: set[str]
) -> tuple[list[str], list[str]]:
    """The row's problems (it would be refused) and warnings (fields set aside or flagged)."""
    row = builder.build(line, header, cells)
    if not row.event:
        return row.problems, []
    # Cells already found bad are left out of the event; the schema checks all the others.
    checked = validate(row.event, channels, frozenset())
    if isinstance(checked, EventResult):
        errors = [e for e in checked.errors if not (row.problems and e["field"] == "customer")]
        return row.problems + [locate(line, row, e["field"], e["message"]) for e in errors], []
    warnings = [
        locate(line, row, issue.path, issue.as_warning()["message"])
        for issue in (*row.set_aside, *checked.issues)
    ]
    return row.problems + _limits(line, row, checked), warnings


def event_id_of(builder: RowBuilder, header: list[str], cells: list[str]) -> str | None:
    if len(cells) != len(header):
        return None
    values = dict(zip(header, cells, strict=True))
    if builder.mapping.id_column is None or not values[builder.mapping.id_column].strip():
        return None
    return f"{builder.mapping.source_system}:{values[builder.mapping.id_column].strip()}"
