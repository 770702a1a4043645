"""Field-by-field comparison of candidate pairs into levels.

Each :class:`Comparison` maps a pair of records ``(i[k], j[k])`` to a level: 0 when either
side lacks the field (no evidence either way), then from the strongest agreement down to
"different". The levels are computed for whole arrays of pairs at once: exact agreement is a
comparison of integer codes, and string similarities (Jaro-Winkler, Damerau-Levenshtein,
from rapidfuzz in C) are computed once per distinct pair of values, not once per pair.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from rapidfuzz.distance import DamerauLevenshtein, JaroWinkler
from rapidfuzz.process import cdist, cpdist

from lealtad.matching.records import Records

Levels = np.ndarray  # int8, one per pair


def _similarity(
    records: Records,
    col_a: str,
    col_b: str,
    i: np.ndarray,
    j: np.ndarray,
    scorer: Callable[..., float],
) -> np.ndarray:
    """``scorer(value_a, value_b)`` for each pair, computed once per distinct value pair."""
    out = np.zeros(len(i), dtype=np.float64)
    if len(i) == 0:
        return out
    ca = records.codes(col_a)[i].astype(np.int64)
    cb = records.codes(col_b)[j].astype(np.int64)
    vocab = records.vocabulary(col_a)
    size = len(vocab)
    if size <= SMALL_VOCABULARY and len(i) > size and _table_pays(records, col_a, scorer, size):
        return _table(records, col_a, scorer)[ca, cb]
    low, high = np.minimum(ca, cb), np.maximum(ca, cb)
    unique, inverse = np.unique(low * size + high, return_inverse=True)
    left = vocab[unique // size].tolist()
    right = vocab[unique % size].tolist()
    workers = -1 if len(left) >= PARALLEL_PAIRS else 1
    scores = cpdist(left, right, scorer=scorer, workers=workers, dtype=np.float64)
    return np.asarray(scores, dtype=np.float64)[inverse.reshape(-1)]


# Below this many distinct pairs (or table cells) one thread scores them: rapidfuzz starts
# its worker threads on every call, which cost 0.2 ms on an idle machine and about 2 ms on a
# busy one against 0.003 ms for the five pairs a single event brings (a quarter of a single
# event's ingest).
# At 50,000 pairs the threads gain 5 % on two cores.
PARALLEL_PAIRS = 20_000


# Up to this many distinct values (given names, surnames, cities), every pair of them is
# scored once into a table (3,000² floats: 72 MB) and pairs are looked up in it.
SMALL_VOCABULARY = 3_000


def _table_key(column: str, scorer: Callable[..., float]) -> str:
    return f"{column}:{getattr(scorer, '__qualname__', scorer)}"


def _table_pays(records: Records, column: str, scorer: Callable[..., float], size: int) -> bool:
    """A table costs ``size²`` scores once; a batch run compares some ten pairs per record, so
    it pays for a large base (a million customers, 3,000 given names) and not for a small one
    (FEBRL's 5,000 records, where it was most of training's time). One record at a time (real
    time) never builds one: it would only cost memory."""
    return _table_key(column, scorer) in records.tables or len(records) * 10 >= size * size


def _table(records: Records, column: str, scorer: Callable[..., float]) -> np.ndarray:
    """``scorer`` of every pair of values of the column's vocabulary (cached on the batch)."""
    key = _table_key(column, scorer)
    table = records.tables.get(key)
    if table is None:
        vocab = records.vocabulary(column).tolist()
        workers = -1 if len(vocab) ** 2 >= PARALLEL_PAIRS else 1
        table = np.asarray(cdist(vocab, vocab, scorer=scorer, workers=workers, dtype=np.float64))
        records.tables[key] = table
    return table


def jaro_winkler(records: Records, a: str, b: str, i: np.ndarray, j: np.ndarray) -> np.ndarray:
    return _similarity(records, a, b, i, j, JaroWinkler.normalized_similarity)


def edits(records: Records, column: str, i: np.ndarray, j: np.ndarray) -> np.ndarray:
    return _similarity(records, column, column, i, j, DamerauLevenshtein.distance)


def _select(conditions: list[np.ndarray], null: np.ndarray, n_levels: int) -> Levels:
    """Level of each pair: 0 where ``null``, else the first true condition (1, 2, …)."""
    level = np.full(len(null), n_levels - 1, dtype=np.int8)
    for k in range(len(conditions) - 1, -1, -1):
        level[conditions[k]] = k + 1
    level[null] = 0
    return level


@dataclass(frozen=True)
class Comparison:
    """One field's comparison: its name, its level labels and how to compute them.

    ``labels[0]`` is always "missing"; the last label is "different". ``tf_column`` and
    ``tf_levels`` name the column whose term frequencies adjust the weight of those levels.
    ``household`` marks a field the members of one household share (family names, home
    address, landline): agreeing on it says "same home", not "same person".
    ``personal_levels`` are levels of such a field that people of one home do not share
    (the same mobile phone): they still tell one person from a housemate.
    """

    name: str
    labels: tuple[str, ...]
    compute: Callable[[Records, np.ndarray, np.ndarray], Levels]
    tf_column: str = ""
    tf_levels: tuple[int, ...] = ()
    household: bool = False
    personal_levels: tuple[int, ...] = ()

    @property
    def n_levels(self) -> int:
        return len(self.labels)

    @property
    def shared_levels(self) -> np.ndarray:
        """Per level, whether two people of one household show it as often as a match does."""
        shared = np.full(self.n_levels, self.household, dtype=bool)
        shared[list(self.personal_levels)] = False
        shared[0] = False
        return shared


def _given(r: Records, i: np.ndarray, j: np.ndarray) -> Levels:
    ga, gb = r.codes("given")[i], r.codes("given")[j]
    fa, fb = r.codes("given1")[i], r.codes("given1")[j]
    sa, sb = r.codes("sur1")[i], r.codes("sur1")[j]
    null = (ga == 0) | (gb == 0)
    exact = ga == gb
    first = (fa == fb) & (fa > 0)
    swapped = (fa == sb) & (sa == fb) & (fa > 0) & (sa > 0) & (fa != sa)
    jw = np.zeros(len(i))
    rest = ~(null | exact | first)
    jw[rest] = jaro_winkler(r, "given", "given", i[rest], j[rest])
    length = r.derived("given1", "length", len)
    first_letter = r.derived("given1", "first", lambda v: ord(v[0]) if v else 0)
    la, lb = length[fa], length[fb]
    initial = ((la == 1) | (lb == 1)) & (la > 0) & (lb > 0) & (first_letter[fa] == first_letter[fb])
    return _select([exact, first, swapped, jw >= 0.92, jw >= 0.80, initial], null, 8)


GIVEN = Comparison(
    "given_name",
    (
        "missing",
        "exact",
        "first given name exact",
        "transposed with surname",
        "Jaro-Winkler >= 0.92",
        "Jaro-Winkler >= 0.80",
        "initial",
        "different",
    ),
    _given,
    tf_column="given",
    tf_levels=(1,),
)


def _surname(r: Records, i: np.ndarray, j: np.ndarray) -> Levels:
    a1, b1 = r.codes("sur1")[i], r.codes("sur1")[j]
    a2, b2 = r.codes("sur2")[i], r.codes("sur2")[j]
    ga, gb = r.codes("given1")[i], r.codes("given1")[j]
    null = (a1 == 0) | (b1 == 0)
    first = a1 == b1
    both = first & (a2 == b2) & (a2 > 0)
    one_missing = first & ((a2 == 0) | (b2 == 0))
    crossed = ((a1 == b2) & (a1 > 0)) | ((a2 == b1) & (a2 > 0))
    swapped = (a1 == gb) & (b1 == ga) & (ga > 0) & (a1 != ga)
    rest = ~(null | first | crossed | swapped)
    jw = np.zeros(len(i))
    jw[rest] = jaro_winkler(r, "sur1", "sur1", i[rest], j[rest])
    conditions = [both, one_missing, first, crossed | swapped, jw >= 0.92, jw >= 0.80]
    return _select(conditions, null, 8)


SURNAME = Comparison(
    "surnames",
    (
        "missing",
        "both surnames exact",
        "first surname exact, second missing",
        "first surname exact, second differs",
        "surnames crossed or transposed with given name",
        "Jaro-Winkler >= 0.92",
        "Jaro-Winkler >= 0.80",
        "different",
    ),
    _surname,
    tf_column="sur1",
    tf_levels=(1, 2, 3),
    household=True,
)


def _birth_date(r: Records, i: np.ndarray, j: np.ndarray) -> Levels:
    a, b = r["dob"][i], r["dob"][j]
    null = (a == 0) | (b == 0)
    ya, ma, da = a // 10000, a // 100 % 100, a % 100
    yb, mb, db = b // 10000, b // 100 % 100, b % 100
    exact = a == b
    one_edit = np.zeros(len(a), dtype=bool)
    # One digit or one swap of neighbours changes at most two of year, month and day.
    rest = np.nonzero(~(null | exact) & ((ya == yb) | (ma == mb) | (da == db)))[0]
    one_edit[rest] = _one_digit_edit(a[rest], b[rest])
    swapped = (ya == yb) & (ma == db) & (da == mb)
    two_of_three = ((ya == yb) & (ma == mb)) | ((ya == yb) & (da == db)) | ((ma == mb) & (da == db))
    return _select([exact, one_edit, swapped, two_of_three], null, 6)


def _one_digit_edit(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """The 8 digits differ in one place, or by one swap of neighbouring digits."""
    count = np.zeros(len(a), dtype=np.int8)
    for k in range(8):
        count += (a // 10**k % 10) != (b // 10**k % 10)
    out = count == 1
    two = np.nonzero(count == 2)[0]  # few: only these can be a swap
    a2, b2 = a[two], b[two]
    da = [a2 // 10**k % 10 for k in range(8)]
    db = [b2 // 10**k % 10 for k in range(8)]
    swap = np.zeros(len(two), dtype=bool)
    for k in range(7):
        swap |= (da[k] != db[k]) & (da[k] == db[k + 1]) & (da[k + 1] == db[k])
    out[two] = swap
    return out


BIRTH_DATE = Comparison(
    "birth_date",
    (
        "missing",
        "exact",
        "one digit typed wrong or two swapped",
        "day and month transposed",
        "two of day, month, year agree",
        "different",
    ),
    _birth_date,
)


def _identifier(column: str) -> Callable[[Records, np.ndarray, np.ndarray], Levels]:
    def compute(r: Records, i: np.ndarray, j: np.ndarray) -> Levels:
        a, b = r.codes(column)[i], r.codes(column)[j]
        null = (a == 0) | (b == 0)
        exact = a == b
        dist = np.full(len(i), 99.0)
        rest = ~(null | exact)
        dist[rest] = edits(r, column, i[rest], j[rest])
        return _select([exact, dist <= 1, dist <= 2], null, 5)

    return compute


_ID_LABELS = ("missing", "exact", "one edit", "two edits", "different")
NATIONAL_ID = Comparison("national_id", _ID_LABELS, _identifier("nid"))
OTHER_ID = Comparison("other_id", _ID_LABELS, _identifier("oid"))


def _any_equal(r: Records, cols: tuple[str, str], i: np.ndarray, j: np.ndarray) -> tuple:
    """Whether any slot of ``i`` equals any slot of ``j`` (non-empty), and the slot of ``i``."""
    hit = np.zeros(len(i), dtype=bool)
    slot_a = np.zeros(len(i), dtype=np.int8)
    for sa, ca in enumerate(cols):
        a = r.codes(ca)[i]
        for cb in cols:
            b = r.codes(cb)[j]
            same = (a == b) & (a > 0) & ~hit
            slot_a[same] = sa
            hit |= same
    return hit, slot_a


def _phone(r: Records, i: np.ndarray, j: np.ndarray) -> Levels:
    null = (r.codes("phone1")[i] == 0) | (r.codes("phone1")[j] == 0)
    exact, slot = _any_equal(r, ("phone1", "phone2"), i, j)
    mobile_a = np.where(slot == 0, r["mobile1"][i], r["mobile2"][i])
    partial, _ = _any_equal(r, ("phone1_7", "phone2_7"), i, j)
    return _select([exact & mobile_a, exact, partial], null, 5)


PHONE = Comparison(
    "phone",
    ("missing", "same mobile", "same landline", "same last 7 digits", "different"),
    _phone,
    household=True,
    personal_levels=(1,),
)


def _email(r: Records, i: np.ndarray, j: np.ndarray) -> Levels:
    null = (r.codes("email1")[i] == 0) | (r.codes("email1")[j] == 0)
    exact, _ = _any_equal(r, ("email1", "email2"), i, j)
    local, _ = _any_equal(r, ("local1", "local2"), i, j)
    rest = ~(null | exact | local)
    jw = np.zeros(len(i))
    jw[rest] = jaro_winkler(r, "local1", "local1", i[rest], j[rest])
    return _select([exact, local, jw >= 0.88], null, 5)


EMAIL = Comparison(
    "email",
    ("missing", "exact", "same local part, other provider", "local part similar", "different"),
    _email,
)


def _street(r: Records, i: np.ndarray, j: np.ndarray) -> Levels:
    sa, sb = r.codes("street")[i], r.codes("street")[j]
    na, nb = r.codes("number")[i], r.codes("number")[j]
    null = ((sa == 0) & (na == 0)) | ((sb == 0) & (nb == 0))
    same_number = (na == nb) & (na > 0)
    jw = np.where((sa == sb) & (sa > 0), 1.0, 0.0)
    rest = (sa != sb) & (sa > 0) & (sb > 0)
    jw[rest] = jaro_winkler(r, "street", "street", i[rest], j[rest])
    conditions = [
        (jw >= 0.95) & same_number,
        (jw >= 0.80) & same_number,
        jw >= 0.90,
        same_number,
    ]
    return _select(conditions, null, 6)


STREET = Comparison(
    "street",
    (
        "missing",
        "street and number agree",
        "similar street, same number",
        "same street, other number",
        "same number only",
        "different",
    ),
    _street,
    household=True,
)


def _postcode(r: Records, i: np.ndarray, j: np.ndarray) -> Levels:
    a, b = r.codes("postcode")[i], r.codes("postcode")[j]
    null = (a == 0) | (b == 0)
    exact = a == b
    dist = np.full(len(i), 99.0)
    rest = ~(null | exact)
    dist[rest] = edits(r, "postcode", i[rest], j[rest])
    return _select([exact, dist <= 1], null, 4)


POSTCODE = Comparison(
    "postcode",
    ("missing", "exact", "one edit", "different"),
    _postcode,
    tf_column="postcode",
    tf_levels=(1,),
    household=True,
)


def _city(r: Records, i: np.ndarray, j: np.ndarray) -> Levels:
    a, b = r.codes("city")[i], r.codes("city")[j]
    null = (a == 0) | (b == 0)
    exact = a == b
    jw = np.zeros(len(i))
    rest = ~(null | exact)
    jw[rest] = jaro_winkler(r, "city", "city", i[rest], j[rest])
    return _select([exact, jw >= 0.90], null, 4)


CITY = Comparison(
    "city",
    ("missing", "exact", "Jaro-Winkler >= 0.90", "different"),
    _city,
    tf_column="city",
    tf_levels=(1,),
    household=True,
)

DEFAULT_COMPARISONS: tuple[Comparison, ...] = (
    GIVEN,
    SURNAME,
    BIRTH_DATE,
    NATIONAL_ID,
    OTHER_ID,
    PHONE,
    EMAIL,
    STREET,
    POSTCODE,
    CITY,
)
BY_NAME = {c.name: c for c in DEFAULT_COMPARISONS}


def compare(
    records: Records,
    i: np.ndarray,
    j: np.ndarray,
    comparisons: tuple[Comparison, ...] = DEFAULT_COMPARISONS,
) -> np.ndarray:
    """Levels of every comparison for every pair: an ``int8`` matrix, pairs x comparisons."""
    out = np.empty((len(i), len(comparisons)), dtype=np.int8)
    for k, comparison in enumerate(comparisons):
        out[:, k] = comparison.compute(records, i, j)
    return out
