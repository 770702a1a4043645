"""2F1 where scipy's hyp2f1 returns NaN, against reference values from mpmath at 30 digits
(computed once with ``mpmath.hyp2f1``; mpmath is not a dependency)."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.special import hyp2f1 as scipy_hyp2f1

from lealtad.lifetime_value.hypergeometric import hyp2f1

# (a, b, c, z, mpmath's value)
REFERENCE = [
    (1.0, 400.02, 401.02, 0.95, 19.131259902251188),  # Pareto/NBD, s = 1
    (1.0, 400.02, 402.02, 0.95, 18.33590284206434),
    (1.0, 400.02, 401.04, 199.95 / 200, 787.1407868149537),  # z within 3e-4 of 1
    (199.0, -0.98, 199.02, 0.9998, 0.0003492409127920799),  # BG/NBD, r = a, long horizon
    (199.0, -0.98, 199.02, 0.99, 0.011071260167869728),
    (19.0, 19.0, 420.0, 260 / 261, 2.454889289784593),  # BG/NBD, 400 purchases, 5 years
    (19.0, 19.0, 420.0, 520 / 521, 2.4593394059550113),
]


@pytest.mark.parametrize(("a", "b", "c", "z", "truth"), REFERENCE)
def test_matches_mpmath_where_scipy_gives_nan_or_worse(a, b, c, z, truth):
    assert float(hyp2f1(a, b, c, z)) == pytest.approx(truth, rel=1e-6)


def test_scipy_still_gives_nan_there():
    """If this starts failing, scipy fixed these cases and the fallbacks could go."""
    assert all(np.isnan(scipy_hyp2f1(a, b, c, z)) for a, b, c, z, _ in REFERENCE[:4])


def test_ordinary_arguments_are_scipy_s_own():
    a, b, c = np.array([0.5, 2.0, -0.7]), np.array([1.5, 0.3, 2.0]), np.array([3.0, 4.1, 5.5])
    z = np.array([0.1, 0.5, 0.9])
    np.testing.assert_array_equal(hyp2f1(a, b, c, z), scipy_hyp2f1(a, b, c, z))
