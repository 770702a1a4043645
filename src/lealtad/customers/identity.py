"""Deterministic identity resolution: a normalized key names one customer, or nobody.

Keys are tried in order of trust (national id, external ids, card, email, mobile phone). A
shared home landline is never a key. When one event's keys name two customers, the most
trusted key wins and the pair goes to a review list: nothing is merged silently.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from lealtad.core import normalize
from lealtad.core.envelope import CustomerRef
from lealtad.customers.models import Identifier

Key = tuple[str, str, str]  # (kind, system, value)
CHUNK = 500


def is_mobile_e164(e164: str) -> bool:
    """A listed mobile, or a number in an unlisted range shaped like its country's mobiles
    (see :func:`lealtad.core.normalize.phone`): either names one person."""
    return normalize.phone(e164).is_mobile


def keys_of(ref: CustomerRef) -> list[Key]:
    keys: list[Key] = []
    if ref.national_id:
        keys.append(("national_id", "", ref.national_id))
    keys.extend(("external", system, value) for system, value in sorted(ref.external_ids.items()))
    if ref.card:
        keys.append(("card", "", ref.card))
    if ref.email:
        keys.append(("email", "", ref.email))
    if ref.phone and is_mobile_e164(ref.phone):
        keys.append(("phone", "", ref.phone))
    return keys


def find_owners(keys: Iterable[Key]) -> dict[Key, int]:
    """Customer id owning each known key, in as few queries as the kinds need."""
    by_kind: dict[tuple[str, str], set[str]] = defaultdict(set)
    for kind, system, value in keys:
        by_kind[(kind, system)].add(value)
    owners: dict[Key, int] = {}
    for (kind, system), values in by_kind.items():
        ordered = sorted(values)
        for start in range(0, len(ordered), CHUNK):
            rows = Identifier.objects.filter(
                kind=kind, system=system, value__in=ordered[start : start + CHUNK]
            ).values_list("value", "customer_id")
            owners.update({(kind, system, value): cid for value, cid in rows})
    return owners


@dataclass
class Resolution:
    """Which customer an event is about, the keys new to the base, and any conflict."""

    customer_id: int | None
    new_keys: list[Key] = field(default_factory=list)
    conflicts: list[int] = field(default_factory=list)


def resolve(keys: list[Key], owners: dict[Key, int]) -> Resolution:
    matched: list[int] = []
    for key in keys:
        owner = owners.get(key)
        if owner is not None and owner not in matched:
            matched.append(owner)
    new_keys = [k for k in keys if k not in owners]
    if not matched:
        return Resolution(None, new_keys)
    if len(matched) > 1:
        return Resolution(matched[0], [], matched[1:])
    return Resolution(matched[0], new_keys)
