"""Deterministic identity resolution: a normalized key names one customer, or nobody.

Keys are tried in order of trust (national id, external ids, card, email, mobile phone). A
shared home landline is never a key. When one event's keys name two customers, the most
trusted key wins and the pair goes to a review list: nothing is merged silently.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db import connection

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
    """Customer id owning each known key, in one statement per few hundred keys.

    Raw SQL, each kind's values as one ``IN`` list under the ``(kind, system, value)``
    unique index, all kinds OR-ed: a single event asks this twice (before and after its
    own keys are written), and three ORM queries a time cost more than the rest of its
    identity resolution."""
    by_kind: dict[tuple[str, str], list[str]] = defaultdict(list)
    for kind, system, value in set(keys):
        by_kind[(kind, system)].append(value)
    owners: dict[Key, int] = {}
    table = Identifier._meta.db_table
    groups = [(kind, system, sorted(values)) for (kind, system), values in by_kind.items()]
    for chunk in _chunks(groups):
        where, params = [], []
        for kind, system, values in chunk:
            where.append(
                f"(kind = %s AND system = %s AND value IN ({', '.join(['%s'] * len(values))}))"
            )
            params += [kind, system, *values]
        sql = f"SELECT kind, system, value, customer_id FROM {table} WHERE {' OR '.join(where)}"
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            owners.update({(k, s, v): cid for k, s, v, cid in cursor.fetchall()})
    return owners


def _chunks(groups: list[tuple[str, str, list[str]]]) -> Iterable[list[tuple[str, str, list[str]]]]:
    """The kinds' values cut so no statement binds more than ``CHUNK`` values."""
    chunk: list[tuple[str, str, list[str]]] = []
    size = 0
    for kind, system, values in groups:
        for start in range(0, len(values), CHUNK):
            part = values[start : start + CHUNK]
            if chunk and size + len(part) > CHUNK:
                yield chunk
                chunk, size = [], 0
            chunk.append((kind, system, part))
            size += len(part)
    if chunk:
        yield chunk


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
