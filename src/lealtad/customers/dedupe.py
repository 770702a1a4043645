"""Identity resolution's reading side over the whole customer base (``lealtad identity …``).

Reads every live customer (not merged into another) with its phones, emails, current
address and identifiers into a :class:`lealtad.matching.Records` batch, in chunks by primary
key, for the plain-Python matcher: ``train`` estimates the Fellegi-Sunter parameters from the
base and the review queue's decisions and saves them under ``LEALTAD_HOME``. It writes no
table: the real-time index (:mod:`lealtad.customers.realtime`) reads the base through it on
every ingest, and the batch dedupe that merges (:mod:`lealtad.customers.dedupe_run`) builds on
it from above.

Settings (environment variables, read when the command runs):

* ``LEALTAD_IDENTITY_UPPER`` (0.99): pairs at or above this match probability are linked.
* ``LEALTAD_IDENTITY_LOWER`` (0.5): pairs at or above this are reported (review band).
* ``LEALTAD_IDENTITY_OTHER_ID``: a second identifier compared with typo tolerance but never
  trusted as a key: a customer field name (e.g. ``health_insurance``) or
  ``external:<system>`` for an external id of that source system.
"""

from __future__ import annotations

import os
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
from django.conf import settings
from django.db import connection

from lealtad.core import processes
from lealtad.customers.models import (
    Address,
    Customer,
    Email,
    Identifier,
    IdentityReview,
    Phone,
)
from lealtad.matching import Model, Person, Records, train
from lealtad.matching.records import RecordsBuilder
from lealtad.matching.training import Labels

CHUNK = 20_000

Say = Callable[[str], None]


def _quiet(_: str) -> None:
    return None


def setting(name: str, default: str) -> str:
    """A ``LEALTAD_IDENTITY_*`` setting: Django settings first, then the environment."""
    value = getattr(settings, name, None)
    return str(value) if value is not None else os.environ.get(name, default)


def thresholds() -> tuple[float, float]:
    """(upper, lower) match probability thresholds."""
    upper = float(setting("LEALTAD_IDENTITY_UPPER", "0.99"))
    lower = float(setting("LEALTAD_IDENTITY_LOWER", "0.5"))
    return upper, min(lower, upper)


def model_path() -> Path:
    return Path(settings.LEALTAD_HOME) / "identity" / "model.json"


# Loading --------------------------------------------------------------------------------


def _other_id_source() -> tuple[str, str]:
    """("field", name) or ("external", system) or ("", "")."""
    spec = setting("LEALTAD_IDENTITY_OTHER_ID", "").strip()
    if spec.startswith("external:"):
        return "external", spec.removeprefix("external:")
    if spec:
        Customer._meta.get_field(spec)  # fails early on a misspelt field
        return "field", spec
    return "", ""


def _by_customer(rows: Any) -> dict[int, list[Any]]:
    out: dict[int, list[Any]] = defaultdict(list)
    for customer_id, *values in rows:
        out[customer_id].append(values if len(values) > 1 else values[0])
    return out


def _people_of(rows: list[Any], filters: dict[str, Any], kind: str, other: str) -> list[Person]:
    """Persons of customer ``rows`` (``id, names…, national_id[, other]``) with their contact
    points, which ``filters`` (on ``customer_id``) select."""
    region = getattr(settings, "LEALTAD_DEFAULT_REGION", "EC")
    phones = _by_customer(
        Phone.objects.filter(**filters)
        .order_by("customer_id", "-is_primary", "id")
        .values_list("customer_id", "e164", "is_mobile")
    )
    emails = _by_customer(
        Email.objects.filter(**filters)
        .order_by("customer_id", "-is_primary", "id")
        .values_list("customer_id", "address")
    )
    addresses = _by_customer(
        Address.objects.filter(valid_to__isnull=True, **filters)
        .order_by("customer_id", "-valid_from", "id")
        .values_list("customer_id", "line1", "city", "region", "postal_code")
    )
    others = (
        _by_customer(
            Identifier.objects.filter(kind="external", system=other, **filters)
            .order_by("customer_id", "id")
            .values_list("customer_id", "value")
        )
        if kind == "external"
        else {}
    )
    out = []
    for row in rows:
        cid = row[0]
        other_value = row[6] if kind == "field" else (others.get(cid) or [""])[0]
        out.append(
            Person(
                key=cid,
                given_names=row[1],
                first_surname=row[2],
                second_surname=row[3],
                birth_date=row[4],
                national_id=row[5],
                other_id=str(other_value or ""),
                phones=[tuple(p) for p in phones.get(cid, [])],
                emails=emails.get(cid, []),
                addresses=[tuple(a) for a in addresses.get(cid, [])],
                region=region,
            )
        )
    return out


def _fields() -> tuple[list[str], str, str]:
    kind, other = _other_id_source()
    fields = ["id", "given_names", "first_surname", "second_surname", "birth_date", "national_id"]
    if kind == "field":
        fields.append(other)
    return fields, kind, other


def _column(model: Any, name: str) -> str:
    return connection.ops.quote_name(model._meta.get_field(name).column)


def _select(model: Any, columns: list[str], where: str = "", order: str = "") -> str:
    """A plain SELECT on a model's table, columns named by field (raw SQL: the ORM's
    per-row objects and converters cost more than reading a million rows)."""
    table = connection.ops.quote_name(model._meta.db_table)
    sql = f"SELECT {', '.join(_column(model, c) for c in columns)} FROM {table}"
    if where:
        sql += f" WHERE {where}"
    return sql + (f" ORDER BY {order}" if order else "")


def _rows(sql: str, params: list[Any], size: int = 10_000) -> Iterator[tuple[Any, ...]]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        while batch := cursor.fetchmany(size):
            yield from batch


def _by_owner(rows: Iterator[tuple[Any, ...]]) -> Iterator[tuple[int, list[tuple[Any, ...]]]]:
    """Rows ordered by their first column (a customer id), grouped: (id, [rest, …])."""
    current: int | None = None
    group: list[tuple[Any, ...]] = []
    for row in rows:
        if row[0] != current:
            if current is not None:
                yield current, group
            current, group = row[0], []
        group.append(row[1:])
    if current is not None:
        yield current, group


class _Merged:
    """One child table's rows, grouped by customer, read alongside the customers in id order."""

    def __init__(self, rows: Iterator[tuple[Any, ...]]) -> None:
        self._groups = _by_owner(rows)
        self._next = next(self._groups, None)

    def take(self, customer_id: int) -> list[tuple[Any, ...]]:
        """The rows of ``customer_id`` (rows of customers not asked for are skipped)."""
        while self._next is not None and self._next[0] < customer_id:
            self._next = next(self._groups, None)
        if self._next is not None and self._next[0] == customer_id:
            found = self._next[1]
            self._next = next(self._groups, None)
            return found
        return []


def iter_people(chunk: int = CHUNK, after: int = 0, until: int | None = None) -> Iterator[Person]:
    """Every live customer (with id above ``after``, up to ``until``) as a :class:`Person`,
    in id order.

    One query per table, each ordered by customer id, merged here: a million customers
    are read in seconds (the ORM, a chunk of ids at a time, took minutes).
    """
    fields, kind, other = _fields()
    region = getattr(settings, "LEALTAD_DEFAULT_REGION", "EC")
    within = [after] if until is None else [after, until]
    customers = _live_customer_rows(fields, within, until)
    phones, emails, addresses = _contact_points_by_owner(within, until, chunk)
    others = _external_ids_by_owner(other, within, until, chunk) if kind == "external" else None
    for row in customers:
        cid = row[0]
        if kind == "field":
            other_value = row[6]
        elif others is not None:
            found = others.take(cid)
            other_value = found[0][0] if found else ""
        else:
            other_value = ""
        yield Person(
            key=cid,
            given_names=row[1] or "",
            first_surname=row[2] or "",
            second_surname=row[3] or "",
            birth_date=row[4],
            national_id=row[5] or "",
            other_id=str(other_value or ""),
            phones=[(e164, bool(mobile)) for e164, mobile in phones.take(cid)],
            emails=[address for (address,) in emails.take(cid)],
            addresses=addresses.take(cid),  # type: ignore[arg-type]
            region=region,
        )


def _id_window(column: str, until: int | None) -> str:
    """The id range of a run; its params are ``after`` and, when bounded, ``until``."""
    return f"{column} > %s" + ("" if until is None else f" AND {column} <= %s")


def _live_customer_rows(
    fields: list[str], within: list[int], until: int | None
) -> Iterator[tuple[Any, ...]]:
    live = f"{_column(Customer, 'merged_into')} IS NULL AND {_column(Customer, 'kind')} = %s"
    live += f" AND {_column(Customer, 'erased_at')} IS NULL"
    live += f" AND {_id_window(_column(Customer, 'id'), until)}"
    return _rows(_select(Customer, fields, live, _column(Customer, "id")), ["person", *within])


def _contact_points_by_owner(
    within: list[int], until: int | None, chunk: int
) -> tuple[_Merged, _Merged, _Merged]:
    """Primary phone and email first and only the current address, newest first: the
    matcher compares a person's main contact points."""
    owner = connection.ops.quote_name("customer_id")
    after_sql = _id_window(owner, until)
    phones = _Merged(
        _rows(
            _select(
                Phone,
                ["customer", "e164", "is_mobile"],
                after_sql,
                f"{owner}, {_column(Phone, 'is_primary')} DESC, {_column(Phone, 'id')}",
            ),
            within,
            chunk,
        )
    )
    emails = _Merged(
        _rows(
            _select(
                Email,
                ["customer", "address"],
                after_sql,
                f"{owner}, {_column(Email, 'is_primary')} DESC, {_column(Email, 'id')}",
            ),
            within,
            chunk,
        )
    )
    addresses = _Merged(
        _rows(
            _select(
                Address,
                ["customer", "line1", "city", "region", "postal_code"],
                f"{_column(Address, 'valid_to')} IS NULL AND {after_sql}",
                f"{owner}, {_column(Address, 'valid_from')} DESC, {_column(Address, 'id')}",
            ),
            within,
            chunk,
        )
    )
    return phones, emails, addresses


def _external_ids_by_owner(
    system: str, within: list[int], until: int | None, chunk: int
) -> _Merged:
    owner = connection.ops.quote_name("customer_id")
    return _Merged(
        _rows(
            _select(
                Identifier,
                ["customer", "value"],
                f"{_column(Identifier, 'kind')} = %s AND {_column(Identifier, 'system')} = %s"
                f" AND {_id_window(owner, until)}",
                f"{owner}, {_column(Identifier, 'id')}",
            ),
            ["external", system, *within],
            chunk,
        )
    )


def people_by_id(ids: Iterable[int]) -> dict[int, Person]:
    """The customers of ``ids`` as :class:`Person` (merged ones too: a review or a label may
    name a customer since absorbed), by id."""
    wanted = sorted(set(ids))
    fields, kind, other = _fields()
    out: dict[int, Person] = {}
    for start in range(0, len(wanted), 500):
        part = wanted[start : start + 500]
        rows = list(Customer.objects.filter(pk__in=part).order_by("pk").values_list(*fields))
        for person in _people_of(rows, {"customer_id__in": part}, kind, other):
            out[person.key] = person
    return out


PARALLEL_FROM = 100_000  # customers: below this, one process reads and normalizes


def _load_range(bounds: tuple[int, int | None]) -> Records:
    builder = RecordsBuilder()
    for person in iter_people(after=bounds[0], until=bounds[1]):
        builder.add(person)
    return builder.build()


def _id_ranges(parts: int) -> list[tuple[int, int | None]]:
    """``parts`` ranges of live customer ids of about the same size: (after, until]."""
    live = Customer.objects.filter(merged_into__isnull=True, kind="person").order_by("pk")
    count = live.count()
    if parts < 2 or count < PARALLEL_FROM:
        return [(0, None)]
    cuts = [live.values_list("pk", flat=True)[count * k // parts] for k in range(1, parts)]
    edges = [0, *cuts]
    return [(edges[k], edges[k + 1] if k + 1 < len(edges) else None) for k in range(len(edges))]


def load_records(say: Say = _quiet, workers: int = 1) -> Records:
    """The live customer base as a matching batch.

    With ``workers`` > 1 (the batch commands) a big base is read and normalized in that many
    processes (:mod:`lealtad.core.processes`), one range of ids each, and their batches
    joined in id order.
    """
    ranges = _id_ranges(workers)
    if len(ranges) == 1:
        builder = RecordsBuilder()
        for person in iter_people():
            builder.add(person)
            if len(builder) % 100_000 == 0:
                say(f"read {len(builder):,} customers")
        return builder.build()
    say(f"reading the base in {len(ranges)} processes")
    with processes.pool(len(ranges)) as pool:
        parts = pool.map(_load_range, ranges)
    return Records.concatenate(parts)


def batch_workers() -> int:
    """Processes the batch commands read the base with: the machine's cores, at most 4."""
    return max(1, min(4, os.cpu_count() or 1))


# Train ----------------------------------------------------------------------------------


def labelled_pairs() -> Labels | None:
    """The pairs people decided in the review queue: merged (one person) or distinct."""
    decided = list(
        IdentityReview.objects.filter(status__in=["merged", "distinct"])
        .order_by("pk")
        .values_list("customer_a_id", "customer_b_id", "status")
    )
    if not decided:
        return None
    people = people_by_id([x for a, b, _s in decided for x in (a, b)])
    records = Records.from_people(people.values())
    row = {key: n for n, key in enumerate(records.keys.tolist())}
    found = [(row[a], row[b], s == "merged") for a, b, s in decided if a in row and b in row]
    if not found:
        return None
    i, j, match = (np.array(column) for column in zip(*found, strict=True))
    return Labels(records, i.astype(np.int64), j.astype(np.int64), match.astype(bool))


def train_model(say: Say = _quiet) -> tuple[Model, Path]:
    """Estimate the model from the current base and the review queue's decisions and save
    it; returns it and where it went."""
    records = load_records(say, workers=batch_workers())
    labels = labelled_pairs()
    say(f"training on {len(records):,} customers and {len(labels or ()):,} decided pairs")
    model = train(records, progress=say, labels=labels)
    path = model_path()
    model.save(path)
    return model, path


def current_model(say: Say = _quiet, records: Records | None = None) -> Model:
    """The saved model, or one trained now (and saved) when none exists yet."""
    path = model_path()
    if path.exists():
        return Model.load(path)
    say("no trained model yet: training one first")
    model = train(records, progress=say) if records is not None else train_model(say)[0]
    model.save(path)
    return model


def external_ids(customer_ids: list[int]) -> dict[int, dict[str, list[str]]]:
    """External ids per customer and source system.

    Few customers: looked up by id. Many: one pass over every external id, kept when its
    customer is wanted (thousands of ``IN`` lists cost more than reading the table once).
    """
    out: dict[int, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    if len(customer_ids) > 5_000:
        wanted = set(customer_ids)
        sql = _select(
            Identifier, ["customer", "system", "value"], f"{_column(Identifier, 'kind')} = %s"
        )
        for cid, system, value in _rows(sql, ["external"]):
            if cid in wanted:
                out[cid][system].append(value)
        return out
    for start in range(0, len(customer_ids), 500):
        rows = Identifier.objects.filter(
            kind="external", customer_id__in=customer_ids[start : start + 500]
        ).values_list("customer_id", "system", "value")
        for cid, system, value in rows:
            out[cid][system].append(value)
    return out
