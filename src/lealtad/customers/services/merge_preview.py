"""What a merge would make of the profile, computed without writing: the merge page shows it
so a person can see, and change, the value each field keeps before anything moves."""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any

from lealtad.customers.merge_fields import field_label, shown_value
from lealtad.customers.models import Customer
from lealtad.customers.services.common import EDITABLE_FIELDS
from lealtad.customers.services.golden_record import fold_profile, provenance, survivorship_rules


@dataclass(frozen=True)
class FieldChoice:
    """One profile field on which the two records differ, and the side the rules keep."""

    name: str
    label: str
    survivor_value: Any
    absorbed_value: Any
    survivor_shown: str
    absorbed_shown: str
    rules_choose: str  # "survivor" or "absorbed"


def preview_merge(survivor: Customer, absorbed: Customer) -> list[FieldChoice]:
    """Each field the two records hold differently, with the rules' choice: the same fold
    :func:`~lealtad.customers.services.merges.merge_customers` applies, onto a copy."""
    golden = copy.copy(survivor)
    fold_profile(golden, absorbed, provenance(survivor), provenance(absorbed), survivorship_rules())
    rows = []
    for name in EDITABLE_FIELDS:
        mine, theirs = getattr(survivor, name), getattr(absorbed, name)
        if mine == theirs:
            continue
        kept = getattr(golden, name)
        rows.append(
            FieldChoice(
                name=name,
                label=field_label(name),
                survivor_value=mine,
                absorbed_value=theirs,
                survivor_shown=shown_value(name, mine),
                absorbed_shown=shown_value(name, theirs),
                rules_choose="absorbed" if kept == theirs and kept != mine else "survivor",
            )
        )
    return rows


def golden_profile(
    survivor: Customer, absorbed: Customer, chosen: dict[str, str] | None = None
) -> dict[str, Any]:
    """The profile the survivor would have after the merge: the rules, then the choices."""
    out = {name: getattr(survivor, name) for name in EDITABLE_FIELDS}
    for row in preview_merge(survivor, absorbed):
        side = (chosen or {}).get(row.name, row.rules_choose)
        out[row.name] = row.absorbed_value if side == "absorbed" else row.survivor_value
    return out
