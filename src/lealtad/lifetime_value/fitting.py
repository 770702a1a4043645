"""Maximum likelihood on log-parameters, shared by every model.

All parameters of these models are positive, so the optimiser works on their logarithms: no
constraint to enforce, and a step changes a parameter by a factor rather than an amount, which
suits parameters whose fitted values span 0.1 to 100. Bounds on the logs (e^±10, with times
scaled so the oldest customer's T is 10) keep a
degenerate base (nobody ever repeats, one customer) from driving a parameter to 0 or infinity:
the fit then stops at the bound and says it did, instead of returning NaN.

Examples:
    >>> import numpy as np
    >>> def objective(log_theta):  # minimum at theta = (2, 3)
    ...     theta = np.exp(log_theta)
    ...     return float(((theta - [2, 3]) ** 2).sum()), 2 * (theta - [2, 3]) * theta
    >>> fit = minimize_log(objective, [0.0, 0.0])
    >>> np.round(fit.params, 6).tolist(), fit.converged
    ([2.0, 3.0], True)
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray
from scipy import optimize
from threadpoolctl import ThreadpoolController

LOG_BOUND = 10.0
Objective = Callable[[NDArray[np.float64]], tuple[float, NDArray[np.float64]]]
ScalarObjective = Callable[[NDArray[np.float64]], float]


@dataclass(frozen=True)
class Optimum:
    """Where the optimiser stopped: parameters, the objective there, and how it ended."""

    params: NDArray[np.float64]
    value: float
    converged: bool
    iterations: int
    message: str
    at_bound: bool


def minimize_log(
    objective: Objective | ScalarObjective,
    start: Sequence[float],
    *,
    gradient: bool = True,
) -> Optimum:
    """Minimise ``objective`` over log-parameters with L-BFGS-B.

    ``objective`` takes the log-parameters and returns the value and its gradient with respect
    to them (or the value alone when ``gradient`` is False: differences then approximate it).
    """
    x0 = np.clip(np.asarray(start, dtype=np.float64), -LOG_BOUND + 1, LOG_BOUND - 1)
    objective = _guarded(objective, x0.size) if gradient else objective
    bounds = [(-LOG_BOUND, LOG_BOUND)] * x0.size
    options = {"maxiter": 2000, "ftol": 1e-14, "gtol": 1e-9, "maxls": 50}
    with single_threaded_blas():
        result = optimize.minimize(
            objective, x0, jac=gradient, method="L-BFGS-B", bounds=bounds, options=options
        )
    return _optimum(result)


@functools.cache
def _controller() -> ThreadpoolController:
    return ThreadpoolController()


@contextmanager
def single_threaded_blas() -> Iterator[None]:
    """Hold BLAS to one thread while fitting.

    Why: L-BFGS-B makes a few BLAS calls on 4-element vectors per step. With OpenBLAS's
    thread pool each call waits for a worker thread to be scheduled, and on a busy machine
    that is a scheduler tick: the CDNOW fit went from 3 ms to 140 ms. One thread is never
    slower on vectors this small.
    """
    with _controller().limit(limits=1, user_api="blas"):
        yield


def _guarded(objective: Any, size: int) -> Objective:
    """The objective with overflow far from the optimum turned into a wall the line search
    backs off from, instead of NaN that would end the fit."""

    def guarded(log_theta: NDArray[np.float64]) -> tuple[float, NDArray[np.float64]]:
        with np.errstate(all="ignore"):
            value, grad = objective(log_theta)
        if not (np.isfinite(value) and np.isfinite(grad).all()):
            return 1e300, np.zeros(size)
        return value, grad

    return guarded


def polish_log(objective: ScalarObjective, start: NDArray[np.float64]) -> Optimum:
    """Refine a minimum found with approximate gradients by Nelder-Mead, which needs none.

    Why: a likelihood that is flat along a ridge (Pareto/NBD's ``s`` and ``beta``) stops
    L-BFGS-B with finite differences a little short; the simplex finishes the last digits.
    """
    options = {"xatol": 1e-9, "fatol": 1e-11, "maxiter": 4000, "maxfev": 8000}
    bounds = [(-LOG_BOUND, LOG_BOUND)] * len(start)
    with single_threaded_blas():
        result = optimize.minimize(
            objective, start, method="Nelder-Mead", bounds=bounds, options=options
        )
    return _optimum(result)


def _optimum(result: optimize.OptimizeResult) -> Optimum:
    """Read scipy's result. A line search that cannot improve on a point where the gradient
    is already ~0 ("ABNORMAL" with the tight tolerances used here) is a converged fit."""
    log_params = np.asarray(result.x, dtype=np.float64)
    jac = result.get("jac")
    flat = jac is not None and bool(np.max(np.abs(jac)) < 1e-6)
    return Optimum(
        params=np.exp(log_params),
        value=float(result.fun),
        converged=bool(result.success) or flat,
        iterations=int(result.get("nit", 0)),
        message=str(result.message),
        at_bound=bool(np.any(np.abs(log_params) >= LOG_BOUND - 1e-6)),
    )
