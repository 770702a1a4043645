"""Shared by the engine's modules: turning what the caller passes into clean numpy columns.

Why one place: every function promises the same thing (bad input is named, bad rows are
dropped and counted in ``warnings``, nothing NaN or infinite comes out), so the checks that
keep that promise are written once.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

Floats = NDArray[np.float64]
Ints = NDArray[np.int64]
Flags = NDArray[np.bool_]


def floats(values: ArrayLike, name: str) -> Floats:
    """A 1-D float column (a scalar or a list is fine)."""
    return np.asarray(values, dtype=np.float64).ravel()


def ints(values: ArrayLike, name: str) -> Ints:
    """A 1-D integer column; floats that are not whole numbers are refused."""
    array = np.asarray(values).ravel()
    if array.dtype.kind in "iub":
        return array.astype(np.int64, copy=False)
    if array.size == 0:
        return np.zeros(0, np.int64)
    as_float = array.astype(np.float64)
    bad = ~np.isfinite(as_float) | (as_float != np.round(as_float))
    if bad.any():
        raise ValueError(f"{name}: row {int(np.argmax(bad))} is not a whole number")
    return as_float.astype(np.int64)


def same_length(**columns: NDArray[np.generic]) -> int:
    """The common length of ``columns``; a clear error naming them when they differ."""
    sizes = {name: column.size for name, column in columns.items()}
    if len(set(sizes.values())) > 1:
        listed = ", ".join(f"{name} {size}" for name, size in sizes.items())
        raise ValueError(f"columns must have one value per row (got {listed})")
    return next(iter(sizes.values()), 0)


def customer_indexes(values: ArrayLike, customers: int | None, name: str) -> tuple[Ints, int]:
    """Customer positions 0..n-1 and n (given, or the largest index + 1).

    Why refuse instead of drop: an index out of range is the caller's bug (the refresh
    numbers its customers), not a bad transaction, and dropping it would hide the bug.
    """
    index = ints(values, name)
    count = int(index.max()) + 1 if customers is None and index.size else int(customers or 0)
    if count < 0:
        raise ValueError("customers: must not be negative")
    if index.size and (int(index.min()) < 0 or int(index.max()) >= count):
        bad = (index < 0) | (index >= count)
        row = int(np.argmax(bad))
        raise ValueError(f"{name}: row {row} is {int(index[row])}, outside 0..{count - 1}")
    return index, count


def note(warnings: list[str], mask: Flags | int, message: str) -> None:
    """Add ``"<count> <message>"`` to ``warnings`` when the count is not zero."""
    count = int(np.count_nonzero(mask)) if isinstance(mask, np.ndarray) else int(mask)
    if count:
        warnings.append(f"{count} {message}")


USABLE = 1e200
"""Beyond any count, day or amount a business has; a value past it is read as "not a number",
which keeps every sum, product and ratio of the engine finite."""


def usable(values: Floats) -> Flags:
    """Where ``values`` are numbers the engine can compute with (not NaN, inf or absurd)."""
    return np.abs(values) <= USABLE
