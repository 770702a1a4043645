"""Who holds each of many keys, for imports from other contexts (a help desk's cases, a
dialer's list): one query per kind of key, merged records answered by their survivor.

:func:`lookup` answers one caller on the screen pop's hot path; this answers a whole file.
Keys come in already normalized (``core.normalize``), so a bad value is the caller's to
report with its row and column.
"""

from __future__ import annotations

from collections.abc import Iterable

from lealtad.customers.models import Customer, Identifier, Phone

KINDS = ("customer_id", "email", "national_id", "phone")


def owners_of(kind: str, values: Iterable[str]) -> dict[str, list[int]]:
    """Each value with the live customers holding it (several for a shared landline or
    e-mail; none when unknown values are left out)."""
    wanted = set(values)
    if not wanted:
        return {}
    if kind == "customer_id":
        pairs = [
            (str(pk), pk)
            for pk in Customer.objects.filter(pk__in=_ints(wanted)).values_list("pk", flat=True)
        ]
    elif kind == "phone":
        pairs = list(Phone.objects.filter(e164__in=wanted).values_list("e164", "customer_id"))
    elif kind in ("email", "national_id"):
        pairs = list(
            Identifier.objects.filter(kind=kind, system="", value__in=wanted).values_list(
                "value", "customer_id"
            )
        )
    else:
        raise ValueError(f"kind: one of {', '.join(KINDS)} (got {kind!r})")
    survivors = _survivors({pk for _value, pk in pairs})
    found: dict[str, list[int]] = {}
    for value, pk in pairs:
        live = survivors.get(pk)
        if live is not None and live not in found.setdefault(value, []):
            found[value].append(live)
    return {value: ids for value, ids in found.items() if ids}


def _ints(values: set[str]) -> list[int]:
    return [int(v) for v in values if v.isdigit()]


def _survivors(ids: set[int]) -> dict[int, int]:
    """Each id with the record that answers for it now (itself, or what it merged into)."""
    rows = Customer.objects.filter(pk__in=ids).values_list("pk", "merged_into_id")
    return {pk: merged or pk for pk, merged in rows}
