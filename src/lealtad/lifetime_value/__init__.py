"""Customer lifetime value: who will buy again, how much, and what that is worth today.

Plain numpy and scipy, no Django, so it is tested and benchmarked alone (like
:mod:`lealtad.matching`). The pieces:

* :mod:`~lealtad.lifetime_value.summary` turns a transaction log into frequency, recency,
  T and mean spend per customer, dropping bad rows with warnings.
* :mod:`~lealtad.lifetime_value.bgnbd` (BG/NBD) and :mod:`~lealtad.lifetime_value.pareto_nbd`
  (Pareto/NBD, the alternative) forecast purchases and the chance a customer is still active.
* :mod:`~lealtad.lifetime_value.gamma_gamma` forecasts spend per purchase.
* :mod:`~lealtad.lifetime_value.value` combines them into a discounted lifetime value.
* :mod:`~lealtad.lifetime_value.holdout` checks a forecast against a period the fit did not
  see.

Examples:
    >>> import numpy as np
    >>> from lealtad.lifetime_value import bgnbd, gamma_gamma, score, summarize
    >>> from lealtad.lifetime_value.synthetic import draw_bgnbd
    >>> base = draw_bgnbd(20_000, (0.243, 4.414, 0.793, 2.426), seed=3)
    >>> purchases = bgnbd.fit(base.frequency, base.recency, base.age)
    >>> spend = gamma_gamma.fit(base.frequency, base.monetary)
    >>> scores = score(purchases, spend, frequency=base.frequency, recency=base.recency,
    ...                age=base.age, monetary=base.monetary, unit_days=7, months=12)
    >>> bool(np.isfinite(scores.value).all() and (scores.value >= 0).all())
    True
"""

from lealtad.lifetime_value import bgnbd, gamma_gamma, holdout, inputs, pareto_nbd
from lealtad.lifetime_value.bgnbd import BgNbd
from lealtad.lifetime_value.gamma_gamma import GammaGamma
from lealtad.lifetime_value.holdout import HoldoutCheck
from lealtad.lifetime_value.pareto_nbd import ParetoNbd
from lealtad.lifetime_value.summary import Summary, summarize
from lealtad.lifetime_value.value import Scores, score

__all__ = [
    "BgNbd",
    "GammaGamma",
    "HoldoutCheck",
    "ParetoNbd",
    "Scores",
    "Summary",
    "bgnbd",
    "gamma_gamma",
    "holdout",
    "inputs",
    "pareto_nbd",
    "score",
    "summarize",
]
