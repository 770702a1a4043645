"""A columnar batch of normalized person records: what blocking and comparisons work on.

A :class:`Person` is one customer as the matcher sees it (the Django layer fills it from the
customer tables, a benchmark from a CSV). :class:`Records` holds many of them column by
column: normalized text in numpy object arrays, birth dates as ``yyyymmdd`` integers, and,
on demand, each text column encoded as integer codes (0 = missing) so equality tests,
blocking keys and term frequencies are vectorized.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date

import numpy as np

from lealtad.matching import text

# Columns whose codes share one vocabulary, so values compare across columns
# (given name ↔ surname for transposed names, phone 1 ↔ phone 2, …).
VOCABULARIES: dict[str, tuple[str, ...]] = {
    "name": ("given1", "sur1", "sur2"),
    "given": ("given",),
    "phone": ("phone1", "phone2"),
    "phone7": ("phone1_7", "phone2_7"),
    "email": ("email1", "email2"),
    "local": ("local1", "local2"),
    "nid": ("nid",),
    "oid": ("oid",),
    "street": ("street",),
    "number": ("number",),
    "city": ("city",),
    "region": ("region",),
    "postcode": ("postcode",),
}
TEXT_COLUMNS = tuple(c for cols in VOCABULARIES.values() for c in cols)
_GROUP_OF = {c: g for g, cols in VOCABULARIES.items() for c in cols}


@dataclass
class Person:
    """One customer's identifying data as captured (not yet normalized).

    ``phones`` holds ``(number, is_mobile)`` pairs, E.164 or as typed; ``addresses`` holds
    ``(line1, city, region, postal_code)`` with the current one first; ``region`` is the
    country whose national phone format a number without ``+`` is read in. ``other_id`` is a
    second identifier that is compared but never trusted as a key (e.g. a social-security
    number from a legacy system).
    """

    key: int
    given_names: str = ""
    first_surname: str = ""
    second_surname: str = ""
    birth_date: date | str | None = None
    national_id: str = ""
    other_id: str = ""
    phones: Sequence[tuple[str, bool]] = ()
    emails: Sequence[str] = ()
    addresses: Sequence[tuple[str, str, str, str]] = field(default_factory=tuple)
    region: str = "EC"


def normalize(person: Person) -> dict[str, object]:
    """The normalized fields of one person (the row :class:`Records` stores)."""
    given = text.given_names(person.given_names)
    sur1, sur2 = text.surnames(person.first_surname, person.second_surname)
    phones = [(text.phone(n, person.region), m) for n, m in person.phones]
    phones = [(n, m) for n, m in phones if len(n) >= 6][:2]
    phones += [("", False)] * (2 - len(phones))
    emails = [text.email_parts(e) for e in person.emails if "@" in e][:2]
    emails += [("", "")] * (2 - len(emails))
    first = tuple(person.addresses[0]) if person.addresses else ()
    line1, city, region, postcode = (*first, "", "", "", "")[:4]
    street, number = text.street(line1)
    return {
        "given": " ".join(given),
        "given1": given[0] if given else "",
        "sur1": sur1,
        "sur2": sur2,
        "dob": text.date_key(person.birth_date),
        "nid": text.identifier(person.national_id),
        "oid": text.identifier(person.other_id),
        "phone1": phones[0][0],
        "phone2": phones[1][0],
        "phone1_7": phones[0][0][-7:],
        "phone2_7": phones[1][0][-7:],
        "mobile1": phones[0][1],
        "mobile2": phones[1][1],
        "email1": f"{emails[0][0]}@{emails[0][1]}" if emails[0][0] else "",
        "email2": f"{emails[1][0]}@{emails[1][1]}" if emails[1][0] else "",
        "local1": emails[0][0].replace(".", ""),
        "local2": emails[1][0].replace(".", ""),
        "street": street,
        "number": number,
        "city": text.simple(city),
        "region": text.simple(region),
        "postcode": text.simple(postcode).replace(" ", ""),
    }


class Records:
    """Normalized people, column by column. ``keys[i]`` is the customer id of row ``i``."""

    def __init__(self, keys: np.ndarray, columns: dict[str, np.ndarray]) -> None:
        self.keys = keys
        self.columns = columns
        self._codes: dict[str, np.ndarray] = {}
        self._vocab: dict[str, np.ndarray] = {}
        self._index: dict[str, dict[str, int]] = {}
        self._derived: dict[str, np.ndarray] = {}
        self.tables: dict[str, np.ndarray] = {}  # similarity of every pair of small vocabularies

    def __len__(self) -> int:
        return len(self.keys)

    @staticmethod
    def from_people(people: Iterable[Person]) -> Records:
        """Normalize and pack people (see :func:`records_from_people`)."""
        return records_from_people(people)

    @staticmethod
    def concatenate(parts: Sequence[Records]) -> Records:
        """One batch of several, rows in order (codes are rebuilt on demand)."""
        if len(parts) == 1:
            return parts[0]
        keys = np.concatenate([p.keys for p in parts])
        columns = {c: np.concatenate([p.columns[c] for p in parts]) for c in parts[0].columns}
        return Records(keys, columns)

    def __getitem__(self, name: str) -> np.ndarray:
        return self.columns[name]

    def columns_at(self, rows: np.ndarray) -> dict[str, np.ndarray]:
        """Every column's values at ``rows``."""
        return {name: values[rows] for name, values in self.columns.items()}

    def codes(self, column: str) -> np.ndarray:
        """Integer codes of a text column (0 = missing), shared within its vocabulary."""
        if column not in self._codes:
            self._encode(_GROUP_OF[column])
        return self._codes[column]

    def vocabulary(self, column: str) -> np.ndarray:
        """The strings behind the codes of ``column`` (index 0 is the empty string)."""
        group = _GROUP_OF[column]
        if group not in self._vocab:
            self._encode(group)
        return self._vocab[group]

    def code_of(self, column: str, value: str) -> int:
        """The code of a value in a column's vocabulary; -1 when the batch never saw it."""
        group = _GROUP_OF[column]
        if group not in self._index:
            self._encode(group)
        if not value:
            return 0
        return self._index[group].get(value, -1)

    def _encode(self, group: str) -> None:
        """Factorize the group's columns with one dict (numpy's unique on text is slow)."""
        index: dict[str, int] = {"": 0}
        n = len(self.keys)
        for c in VOCABULARIES[group]:
            values = self.columns[c]
            self._codes[c] = np.fromiter(
                (index.setdefault(v, len(index)) for v in values.tolist()), np.int32, n
            )
        vocab = np.empty(len(index), dtype=object)
        vocab[:] = list(index)
        self._vocab[group] = vocab
        self._index[group] = index

    def derived(self, column: str, name: str, fn: Callable[[str], int]) -> np.ndarray:
        """``fn`` of every value of the column's vocabulary (cached), indexed by code."""
        key = f"{_GROUP_OF[column]}:{name}"
        if key not in self._derived:
            vocab = self.vocabulary(column).tolist()
            self._derived[key] = np.fromiter((fn(v) for v in vocab), np.int64, len(vocab))
        return self._derived[key]

    def frequencies(self, column: str) -> np.ndarray:
        """Share of records holding each code of ``column`` (term frequencies)."""
        codes = self.codes(column)
        counts = np.bincount(codes, minlength=len(self.vocabulary(column))).astype(np.float64)
        counts[0] = 0
        return counts / max(1, int((codes > 0).sum()))


class RecordsBuilder:
    """Collects people column by column (no row dicts kept): memory stays near the columns'."""

    def __init__(self) -> None:
        self.keys: list[int] = []
        self.columns: dict[str, list[object]] = {
            name: [] for name in (*TEXT_COLUMNS, "dob", "mobile1", "mobile2")
        }
        self._appends: list[Callable[[object], None]] | None = None

    def add(self, person: Person) -> None:
        self.keys.append(person.key)
        row = normalize(person)
        if self._appends is None:  # normalize's columns, in its order
            self._appends = [self.columns[name].append for name in row]
        for append, value in zip(self._appends, row.values(), strict=True):
            append(value)

    def __len__(self) -> int:
        return len(self.keys)

    def build(self) -> Records:
        n = len(self.keys)
        columns: dict[str, np.ndarray] = {}
        for name in TEXT_COLUMNS:
            arr = np.empty(n, dtype=object)
            arr[:] = self.columns[name]
            columns[name] = arr
        columns["dob"] = np.array(self.columns["dob"], dtype=np.int64)
        for name in ("mobile1", "mobile2"):
            columns[name] = np.array(self.columns[name], dtype=bool)
        return Records(np.array(self.keys, dtype=np.int64), columns)


def records_from_people(people: Iterable[Person]) -> Records:
    """Normalize and pack people into a :class:`Records` batch."""
    builder = RecordsBuilder()
    for person in people:
        builder.add(person)
    return builder.build()
