"""The CDNOW sample (Fader, Hardie & Lee 2005), read from the copy the ``lifetimes`` package
ships, to validate the models against the published figures.

2,357 customers who first bought at the CDNOW music store in the first quarter of 1997,
every purchase up to the end of June 1998 (78 weeks). Lealtad does not vendor the file: it is
read where ``lifetimes`` installed it (the ``test`` extra), or from a path given.

Examples:
    >>> log = transactions()  # doctest: +SKIP
    >>> len(log.customers), int(np.unique(log.customers).size)  # doctest: +SKIP
    (6919, 2357)
"""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

CALIBRATION_END = np.datetime64("1997-09-30")  # end of week 39
OBSERVATION_END = np.datetime64("1998-06-30")  # end of week 78

# The published maximum-likelihood estimates, weeks as the time unit.
PUBLISHED_BGNBD = {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426, "ll": -9582.4}
PUBLISHED_GAMMA_GAMMA = {"p": 6.25, "q": 3.74, "gamma": 15.44}
PUBLISHED_PARETO_NBD = {"r": 0.553, "alpha": 10.578, "s": 0.606, "beta": 11.669}


@dataclass(frozen=True)
class Transactions:
    """One row per transaction: customer id, day, dollars."""

    customers: NDArray[np.int64]
    dates: NDArray[np.datetime64]
    amounts: NDArray[np.float64]


def sample_path() -> Path:
    """Where ``lifetimes`` keeps ``CDNOW_sample.txt``.

    Raises:
        FileNotFoundError: ``lifetimes`` is not installed (``pip install -e '.[test]'``).
    """
    spec = importlib.util.find_spec("lifetimes")
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError("CDNOW: install the test extra (lifetimes ships the data set)")
    path = Path(next(iter(spec.submodule_search_locations))) / "datasets" / "CDNOW_sample.txt"
    if not path.exists():
        raise FileNotFoundError(f"CDNOW: {path} is missing from the lifetimes package")
    return path


def transactions(path: Path | None = None) -> Transactions:
    """Read the sample: columns master id, sample id, yyyymmdd, CDs bought, dollars."""
    table = np.loadtxt(path or sample_path(), dtype=np.float64)
    days = table[:, 2].astype(np.int64)
    iso = [f"{d // 10000:04d}-{d // 100 % 100:02d}-{d % 100:02d}" for d in days.tolist()]
    return Transactions(
        customers=table[:, 1].astype(np.int64),
        dates=np.array(iso, dtype="datetime64[D]"),
        amounts=table[:, 4],
    )
