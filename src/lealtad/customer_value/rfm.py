"""RFM: how recently, how often and how much each customer bought, as scores 1..bins.

Seed 003 differentiates customers first by recency, frequency and value. Each of the three is
scored by the customer's rank among the customers who bought (quantiles, ``bins`` of them, 5 by
default): 5 is the best fifth (the most recent, the most frequent, the biggest spenders), 1 the
worst. The code ``"545"`` reads R, F, M. A customer who never bought is ``0``/``"000"``.

Ties are scored by the middle of the tie: each value's percentile is the middle of the
positions its equal values take, ``(below + (below + equal)) / 2`` over the customers. So
equal inputs always get equal scores, a bigger input never gets a smaller score, a base where
everyone is alike scores everyone in the middle (3 of 5), and ten distinct values score two
customers per quintile. A heavy tie (most customers bought once) lands in the bin its middle
falls in, so a bin can be empty; that is information, not a bug.

Examples:
    >>> inputs = rfm_inputs([0, 0, 1, 2, 2, 2], [10, 40, 5, 38, 39, 40],
    ...                     [20.0, 30.0, 5.0, 100.0, 50.0, -10.0], as_of=40, customers=4)
    >>> inputs.recency_days.tolist(), inputs.frequency.tolist(), inputs.monetary.tolist()
    ([0, 35, 1, -1], [2, 1, 2, 0], [50.0, 5.0, 140.0, 0.0])
    >>> scores = rfm_scores(inputs.recency_days, inputs.frequency, inputs.monetary)
    >>> scores.code.tolist()
    ['543', '111', '345', '000']
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from numpy.typing import ArrayLike, NDArray

from lealtad.customer_value._columns import (
    Flags,
    Floats,
    Ints,
    customer_indexes,
    floats,
    ints,
    note,
    same_length,
    usable,
)

Scores = NDArray[np.int8]


@dataclass(frozen=True)
class RfmInputs:
    """Per customer 0..n-1: days since the last purchase (-1 when none), purchases, net spend.

    ``purchased`` is the mask of customers with at least one purchase; the others have
    recency -1, frequency 0 and monetary 0 (write them back as "no value", not as 0 days).
    """

    recency_days: Ints
    frequency: Ints
    monetary: Floats
    warnings: list[str] = field(default_factory=list)

    @property
    def purchased(self) -> Flags:
        return self.frequency > 0


@dataclass(frozen=True)
class RfmScores:
    """Per customer: R, F and M in 1..bins (0 for who never bought) and the code ``"RFM"``."""

    recency: Scores
    frequency: Scores
    monetary: Scores
    code: NDArray[np.str_]
    bins: int
    warnings: list[str] = field(default_factory=list)


def rfm_inputs(
    customer_index: ArrayLike,
    day_number: ArrayLike,
    amount: ArrayLike,
    as_of: int,
    *,
    customers: int | None = None,
) -> RfmInputs:
    """Recency, frequency and monetary per customer from a transaction log, in one pass.

    Each row is one order (``amount`` ≥ 0, a zero-value order counts as a purchase) or one
    return (``amount`` < 0, which lowers the customer's spend but is not a purchase). Days are
    whole day numbers (days since 1970, say) and ``as_of`` the day the scores are for. Bincount
    and ``maximum.at``: no sort, no loop per customer (10,000,000 rows in about 0.2 s).

    Dropped and counted in ``warnings``: rows with an amount that is not a number, rows dated
    after ``as_of``. A customer whose returns exceed their purchases has monetary 0 (noted).

    Raises:
        ValueError: columns of different lengths, a customer index outside 0..customers-1, a
            day that is not a whole number.
    """
    money = floats(amount, "amount")
    days = ints(day_number, "day_number")
    index, count = customer_indexes(customer_index, customers, "customer_index")
    same_length(customer_index=index, day_number=days, amount=money)
    as_of = int(as_of)
    warnings: list[str] = []
    not_a_number = ~usable(money)
    future = days > as_of
    note(warnings, not_a_number, "transaction(s) with an amount that is not a number dropped")
    note(warnings, future & ~not_a_number, f"transaction(s) dated after day {as_of} dropped")
    if not_a_number.any() or future.any():
        keep = ~(not_a_number | future)
        index, days, money = index[keep], days[keep], money[keep]
    spend = np.bincount(index, weights=money, minlength=count)
    last = np.full(count, np.iinfo(np.int64).min, dtype=np.int64)
    returns = money < 0
    if returns.any():
        index, days = index[~returns], days[~returns]
    frequency = np.bincount(index, minlength=count).astype(np.int64)
    np.maximum.at(last, index, days)
    bought = frequency > 0
    recency = np.where(bought, as_of - last, -1)
    overdrawn = spend < 0
    note(warnings, overdrawn & bought, "customer(s) returned more than they bought: spend 0")
    note(warnings, ~bought & (spend != 0), "customer(s) with returns but no purchase: not scored")
    monetary = np.where(bought & ~overdrawn, spend, 0.0)
    return RfmInputs(recency, frequency, monetary, warnings)


def quantile_scores(values: Floats, bins: int) -> Scores:
    """Scores 1..bins by mid-rank percentile (see the module): equal values score equal.

    Integer arithmetic on the positions, so a boundary never depends on float rounding.
    Whole numbers in a narrow range (days, purchase counts) are counted instead of sorted.
    """
    size = values.size
    if size == 0:
        return np.zeros(0, np.int8)
    low, high = float(values.min()), float(values.max())
    if high - low <= 4 * size + 1024 and (values == np.floor(values)).all():
        offset = (values - low).astype(np.int64)
        counts = np.bincount(offset)
        up_to = np.cumsum(counts)
        position_sum = (2 * up_to - counts)[offset]  # below + (below + equal)
        return (1 + (position_sum * bins) // (2 * size)).astype(np.int8)
    order = np.argsort(values)  # ties score alike, so their order does not matter (and the
    ordered = values[order]  # default sort is several times faster than the stable one)
    starts = np.ones(size, dtype=bool)
    starts[1:] = ordered[1:] != ordered[:-1]
    first = np.flatnonzero(starts)
    group = np.cumsum(starts) - 1
    ends = np.append(first[1:], size)
    position_sum = first[group] + ends[group]
    scores = np.empty(size, np.int8)
    scores[order] = 1 + (position_sum * bins) // (2 * size)
    return scores


def rfm_scores(
    recency_days: ArrayLike,
    frequency: ArrayLike,
    monetary: ArrayLike,
    bins: int = 5,
) -> RfmScores:
    """Quantile scores per customer; customers with ``frequency`` 0 score ``0``/``"000"``.

    Higher is better for each: the most recent buyers (fewest days) get R = bins. Values that
    cannot be scored are noted in ``warnings`` and handled, never passed on as NaN: a recency
    or spend that is not a number leaves the customer unscored (``"000"``); a negative recency
    (a purchase after the scoring day) counts as today; a negative spend counts as 0.

    Raises:
        ValueError: ``bins`` outside 2..9 (the code has one digit per score), or columns of
            different lengths.
    """
    if not 2 <= int(bins) <= 9:
        raise ValueError("bins: must be between 2 and 9 (one digit per score in the code)")
    bins = int(bins)
    recency = floats(recency_days, "recency_days")
    often = floats(frequency, "frequency")
    money = floats(monetary, "monetary")
    same_length(recency_days=recency, frequency=often, monetary=money)
    warnings: list[str] = []
    finite = usable(recency) & usable(often) & usable(money)
    note(warnings, ~finite, "customer(s) with a value that is not a number were not scored")
    scored = finite & (often > 0)
    recency = recency[scored]
    money = money[scored]
    note(warnings, recency < 0, "customer(s) with a negative recency were scored as today")
    note(warnings, money < 0, "customer(s) with a negative spend were scored as 0")
    parts = []
    for column in (-np.maximum(recency, 0.0), often[scored], np.maximum(money, 0.0)):
        score = np.zeros(scored.size, np.int8)
        score[scored] = quantile_scores(column, bins)
        parts.append(score)
    return RfmScores(parts[0], parts[1], parts[2], codes(*parts), bins, warnings)


def codes(recency: Scores, frequency: Scores, monetary: Scores) -> NDArray[np.str_]:
    """``"RFM"`` strings built as bytes (three digits a row), no Python loop."""
    digits = np.stack([recency, frequency, monetary], axis=1).astype(np.uint8) + ord("0")
    return np.ascontiguousarray(digits).view("S3").ravel().astype("U3")
