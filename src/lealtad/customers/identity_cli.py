"""``lealtad identity …``: train the matcher on the base and deduplicate it."""

from __future__ import annotations

import contextlib
import json
import time
from pathlib import Path
from typing import Annotated

import typer

from lealtad.core.cli_errors import RefusalsShown
from lealtad.core.cli_setup import django_ready

app = typer.Typer(
    help="Probabilistic identity resolution.", no_args_is_help=True, cls=RefusalsShown
)


def _say(message: str) -> None:
    typer.echo(message, err=True)


@app.command("train")
def train_command() -> None:
    """Estimate the match parameters (m, u, prior) from the customer base and save them."""
    django_ready()
    from lealtad.customers import dedupe

    started = time.perf_counter()
    model, path = dedupe.train_model(_say)
    labels = model.info.get("labels", {})
    typer.echo(
        f"trained on {model.info.get('records', 0):,} customers in "
        f"{time.perf_counter() - started:.1f} s; prior λ={model.lam:.3g}, "
        f"households λ={model.lam_household:.3g}; "
        f"labels: {labels.get('matches', 0):,} confirmed matches, "
        f"{labels.get('non_matches', 0):,} confirmed non-matches; saved to {path}"
    )


@app.command("dedupe")
def dedupe_command(
    apply: Annotated[bool, typer.Option("--apply", help="Merge each cluster")] = False,
    report: Annotated[
        Path | None, typer.Option("--report", help="Write the candidate pairs to this CSV")
    ] = None,
    threshold: Annotated[
        float | None, typer.Option(help="Link pairs at or above this probability")
    ] = None,
    reviews: Annotated[
        bool | None,
        typer.Option(
            "--reviews/--no-reviews",
            help="Open a review for each pair between the thresholds (default: with --apply)",
        ),
    ] = None,
) -> None:
    """Find duplicate customers: clusters, each pair's probability and what drove it."""
    django_ready()
    from lealtad.core.console import progress
    from lealtad.customers import dedupe_run

    with progress() if apply else contextlib.nullcontext() as bar:  # the merges' progress
        run = dedupe_run.run_dedupe(
            apply=apply,
            report=report,
            threshold=threshold,
            say=_say,
            reviews=reviews,
            progress=bar,
        )
    summary = run.summary()
    for line in run.refused[:50]:
        typer.echo(f"refused: {line}", err=True)
    typer.echo(json.dumps(summary, indent=1))
    if not apply and summary["clusters"]:
        typer.echo("dry run: nothing merged (use --apply to merge the clusters)", err=True)
