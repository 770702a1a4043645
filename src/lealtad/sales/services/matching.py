"""Which known customer a lead is, by Lealtad's identity keys, through the customers
context's own selector (one query per kind of key for a whole batch).

Keys are tried in the order identity resolution trusts them: national id, e-mail, mobile
phone. A home landline is shared by a household and never names a person; a key two
customers hold names nobody. A lead no key names stays unlinked: it is not a customer yet.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from lealtad.core import normalize
from lealtad.customers.selectors.owners import owners_of


@dataclass(frozen=True)
class Keys:
    national_id: str = ""
    email: str = ""
    phone: str = ""  # E.164


def trusted(keys: Keys) -> list[tuple[str, str]]:
    """The lead's keys that may name one person, most trusted first."""
    found = []
    if keys.national_id:
        found.append(("national_id", keys.national_id))
    if keys.email:
        found.append(("email", keys.email))
    if keys.phone and normalize.phone(keys.phone).is_mobile:
        found.append(("phone", keys.phone))
    return found


def customers_for(batch: Sequence[Keys]) -> list[int | None]:
    """The customer each lead names (its survivor if merged), or None."""
    wanted: dict[str, set[str]] = {}
    for keys in batch:
        for kind, value in trusted(keys):
            wanted.setdefault(kind, set()).add(value)
    owners = {
        (kind, value): ids
        for kind, values in wanted.items()
        for value, ids in owners_of(kind, values).items()
    }
    return [_one(keys, owners) for keys in batch]


def _one(keys: Keys, owners: dict[tuple[str, str], list[int]]) -> int | None:
    for key in trusted(keys):
        ids = owners.get(key, [])
        if len(ids) == 1:
            return ids[0]
    return None


def live_customers(ids: Sequence[int]) -> dict[int, int]:
    """Each customer id with the record that answers for it now (a merge's survivor)."""
    found = owners_of("customer_id", [str(i) for i in ids])
    return {int(value): holders[0] for value, holders in found.items()}
