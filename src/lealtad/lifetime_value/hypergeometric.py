"""Gauss's hypergeometric function 2F1 as the models need it: finite wherever it is.

scipy's ``hyp2f1`` returns NaN for some arguments where ``c - a - b`` is a whole number
(BG/NBD with r equal to a, Pareto/NBD with s exactly 1) or ``z`` is close to 1 (a horizon
hundreds of times ``alpha``). Neither is a singularity of the function. Such an entry is
summed from the defining series, which converges for every ``z < 1`` and fast where ``c``
outgrows ``a + b`` (a customer with many purchases); if it has not converged after 5,000
terms, by the connection formula at ``1 - z`` (Abramowitz & Stegun 15.3.6) for ``z ≥ 0.5``,
with the gamma functions as logarithms and signs so that none overflows; and last by
continuity, ``c`` moved by a relative 1e-12 (then 1e-9, 1e-6). Checked against mpmath at 30
digits in ``tests/lifetime_value/test_hypergeometric.py``.

Examples:
    >>> import numpy as np
    >>> from scipy.special import hyp2f1 as raw
    >>> bool(np.isnan(raw(1.0, 400.02, 401.02, 0.95)))  # s = 1 in Pareto/NBD's A0
    True
    >>> round(float(hyp2f1(1.0, 400.02, 401.02, 0.95)), 9)  # mpmath: 19.1312599022511...
    19.131259902
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike
from scipy.special import gammaln, gammasgn
from scipy.special import hyp2f1 as _raw

from lealtad.lifetime_value.inputs import Floats

_MAX_TERMS = 5_000
_STEP = 1e-8  # cancels 8 of the two terms' 16 digits; moves the value by ~1e-8 relative


def hyp2f1(
    a: ArrayLike, b: ArrayLike, c: ArrayLike, z: ArrayLike, *, resolve: bool = True
) -> Floats:
    """``2F1(a, b; c; z)`` elementwise for ``0 ≤ z < 1``, scipy's spurious NaNs resolved.

    ``resolve=False`` returns scipy's values as they are: a likelihood being maximised
    treats a NaN as a point to step back from, which costs nothing, while resolving it
    at every trial point of a degenerate fit would cost seconds.
    """
    a, b, c, z = np.broadcast_arrays(*(np.asarray(v, dtype=np.float64) for v in (a, b, c, z)))
    value = np.array(_raw(a, b, c, z), dtype=np.float64)
    if not resolve:
        return value
    bad = ~np.isfinite(value)
    if bad.any():
        value[bad] = _series(a[bad], b[bad], c[bad], z[bad])
    bad = ~np.isfinite(value) & (z >= 0.5)
    if bad.any():
        value[bad] = _near_one(a[bad], b[bad], c[bad], z[bad])
    for nudge in (1e-12, 1e-9, 1e-6):
        bad = ~np.isfinite(value)
        if not bad.any():
            break
        value[bad] = _raw(a[bad], b[bad], c[bad] * (1 + nudge), z[bad])
    return value


def _series(a: Floats, b: Floats, c: Floats, z: Floats) -> Floats:
    """The defining series ``Σ (a)_n (b)_n / ((c)_n n!) z^n``, summed until its terms stop
    counting (NaN if they have not within ``_MAX_TERMS``, for the next method to try)."""
    total = np.ones_like(z)
    term = np.ones_like(z)
    active = np.ones(z.shape, dtype=bool)
    with np.errstate(over="ignore", invalid="ignore"):
        for n in range(_MAX_TERMS):
            term = term * (a + n) * (b + n) / ((c + n) * (n + 1)) * z
            total = total + np.where(active, term, 0.0)
            active &= np.abs(term) > 1e-17 * np.abs(total)
            if not active.any():
                return total
    return np.where(active, np.nan, total)


def _gamma_ratio(top: list[Floats], bottom: list[Floats]) -> tuple[Floats, Floats]:
    """``Π Γ(top) / Π Γ(bottom)`` as (log of its magnitude, its sign); a pole below gives 0."""
    log = sum(gammaln(t) for t in top) - sum(gammaln(b) for b in bottom)
    sign = np.prod([gammasgn(t) for t in top], axis=0)
    sign = sign * np.prod([gammasgn(b) for b in bottom], axis=0)
    return np.asarray(log, dtype=np.float64), np.asarray(sign, dtype=np.float64)


def _near_one(a: Floats, b: Floats, c: Floats, z: Floats) -> Floats:
    """A&S 15.3.6: 2F1(a,b;c;z) = Γ(c)Γ(c-a-b)/(Γ(c-a)Γ(c-b)) · 2F1(a,b;a+b-c+1;1-z)
    + (1-z)^(c-a-b) Γ(c)Γ(a+b-c)/(Γ(a)Γ(b)) · 2F1(c-a,c-b;c-a-b+1;1-z)."""
    w = 1.0 - z
    d = c - a - b
    # Each term has a pole where d is a whole number, their sum does not: step beside it.
    d = np.where(np.abs(d - np.round(d)) < _STEP, np.round(d) + _STEP, d)
    c = a + b + d
    log_1, sign_1 = _gamma_ratio([c, d], [c - a, c - b])
    log_2, sign_2 = _gamma_ratio([c, -d], [a, b])
    with np.errstate(over="ignore", invalid="ignore"):
        first = sign_1 * np.exp(log_1) * _raw(a, b, 1.0 - d, w)
        second = sign_2 * np.exp(log_2 + d * np.log(w)) * _raw(c - a, c - b, d + 1.0, w)
    return np.asarray(first + second, dtype=np.float64)
