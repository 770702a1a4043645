"""Where the base knows who left, learn from it: the supervised churn model.

Most bases never say that a customer left — they stop coming, and the purchase models infer
it (:mod:`lealtad.customer_value.churn`). A telecom or a bank does know: a contract ended, an
account was closed, and the customer record says ``former``. With enough such customers (and
enough who stayed) the refresh fits :mod:`lealtad.customer_value.churn_model` on what every
buyer did — recency, purchases, spend, tenure, channels, contacts and returns — and its
probability replaces the unsupervised risk, with the model's own drivers ("days since the
last purchase", "channels used" …). Its cross-validated AUC goes on the run, so a manager can
see whether it is worth more than the default.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from lealtad.customer_value import churn_model
from lealtad.customer_value.churn import ChurnRules

MIN_EACH = 30  # customers who left, and who stayed, before a model is worth fitting
FEATURES = (
    "recency_days",
    "purchases",
    "spend",
    "tenure_days",
    "channels",
    "contacts",
    "returns",
    "recent_contacts",
    "recent_returns",
)


@dataclass
class SupervisedChurn:
    risk: NDArray[np.float64]
    band: NDArray[np.str_]
    drivers: list[list[tuple[str, float]]]  # per customer: (feature, share of the risk)
    auc: float | None


def fit_and_score(
    features: dict[str, NDArray[Any]],
    left: NDArray[np.bool_],
    buyers: NDArray[np.bool_],
    rules: ChurnRules,
) -> SupervisedChurn | None:
    """The model's risk for every buyer, or None when the labels are too few to learn from.

    ``left`` marks the customers known to have left; every other buyer counts as staying.
    """
    labelled = buyers | left
    leavers, stayers = int((left & labelled).sum()), int((~left & labelled).sum())
    if leavers < MIN_EACH or stayers < MIN_EACH:
        return None
    rows = np.flatnonzero(labelled)
    train = {name: features[name][rows] for name in FEATURES}
    model = churn_model.fit(train, left[rows].astype(int), features=FEATURES)
    auc = _cross_validated_auc(train, left[rows].astype(int))
    risk = np.zeros(left.size)
    risk[rows] = model.predict(train)
    parts = np.zeros((left.size, len(FEATURES)))
    parts[rows] = model.contributions(train)
    band = np.where(
        risk >= rules.high_from, "high", np.where(risk >= rules.medium_from, "medium", "low")
    )
    return SupervisedChurn(
        risk=risk,
        band=np.where(labelled, band, ""),
        drivers=_top_drivers(parts, labelled, rules.top_drivers),
        auc=auc,
    )


def _cross_validated_auc(train: dict[str, NDArray[Any]], y: NDArray[np.int64]) -> float | None:
    try:
        folds = churn_model.cross_validate(train, y, features=FEATURES, folds=5)
    except ValueError:
        return None
    return round(float(np.mean([fold.auc for fold in folds])), 3)


def _top_drivers(
    parts: NDArray[np.float64], labelled: NDArray[np.bool_], top: int
) -> list[list[tuple[str, float]]]:
    """Per customer the features that raise the risk most, each with its share of what the
    raising features add (so the shares sum to 1, as the unsupervised drivers do)."""
    raising = np.clip(parts, 0.0, None)
    total = raising.sum(axis=1)
    order = np.argsort(-raising, axis=1, kind="stable")[:, :top]
    out: list[list[tuple[str, float]]] = []
    for i in range(parts.shape[0]):
        if not labelled[i] or total[i] <= 0:
            out.append([])
            continue
        out.append(
            [
                (FEATURES[j], round(float(raising[i, j] / total[i]), 3))
                for j in order[i].tolist()
                if raising[i, j] > 0
            ]
        )
    return out
