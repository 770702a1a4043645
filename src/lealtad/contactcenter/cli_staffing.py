"""``lealtad contactcenter staffing``: agents per interval for a target, as a table.

Either ``--from-history`` (a day planned from the center's recorded arrivals: forecast per
queue, handle times from the journal) or ``--file`` (the JSON or YAML body ``POST
/api/v1/contactcenter/staffing`` takes). The target, shrinkage and model options override
the file's. Intervals where no pool needs anyone are left out of the table unless ``--all``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer

from lealtad.core.cli_setup import django_ready


def staffing_command(
    from_history: bool = typer.Option(
        False, "--from-history", help="Plan a day from the recorded arrivals"
    ),
    file: Annotated[
        Path | None,
        typer.Option("--file", exists=True, dir_okay=False, help="A staffing body, JSON or YAML"),
    ] = None,
    target: float | None = typer.Option(None, "--target", help="Service level, e.g. 0.8"),
    within: float | None = typer.Option(None, "--within", help="... answered within seconds"),
    max_asa: float | None = typer.Option(None, "--max-asa", help="Longest average wait, s"),
    max_abandon: float | None = typer.Option(None, "--max-abandon", help="e.g. 0.05"),
    patience: float | None = typer.Option(
        None, "--patience", help="Mean patience, s: Erlang A (with abandonment)"
    ),
    shrinkage: Annotated[
        list[str] | None,
        typer.Option("--shrinkage", help="NAME=SHARE off the phones, repeatable: breaks=0.1"),
    ] = None,
    day: str | None = typer.Option(None, "--date", help="From history: the day (YYYY-MM-DD)"),
    weeks: int | None = typer.Option(None, "--weeks", help="From history: weeks to learn from"),
    queue: Annotated[
        list[str] | None,
        typer.Option("--queue", help="From history: this queue (repeatable)"),
    ] = None,
    interval: int | None = typer.Option(None, "--interval", help="Interval length, seconds"),
    show_all: bool = typer.Option(False, "--all", help="Also the intervals needing nobody"),
    as_json: bool = typer.Option(False, "--json", help="The plan as JSON on stdout"),
) -> None:
    """Agents needed per interval (Erlang C, or Erlang A with --patience), queues that share
    a skill pooled, scheduled heads after shrinkage."""
    if from_history == (file is not None):
        raise typer.BadParameter("give either --from-history or --file", param_hint="--file")
    overrides = {
        "service_level": target,
        "within_seconds": within,
        "max_asa_seconds": max_asa,
        "max_abandon": max_abandon,
        "patience_seconds": patience,
        "date": day,
        "weeks": weeks,
        "interval_seconds": interval,
        "history_queues": queue or None,
    }
    _plan_and_show(_request_fields(file, overrides, shrinkage), show_all, as_json)


def _request_fields(
    file: Path | None, overrides: dict[str, Any], shrinkage: list[str] | None
) -> dict[str, Any]:
    """Options left out keep the file's value, not the request's default."""
    fields: dict[str, Any] = _read(file) if file is not None else {"from_history": True}
    fields.update({k: v for k, v in overrides.items() if v is not None})
    if shrinkage:
        fields["shrinkage"] = _shares(shrinkage)
    return fields


def _plan_and_show(fields: dict[str, Any], show_all: bool, as_json: bool) -> None:
    django_ready()
    from lealtad.contactcenter.selectors import staffing

    plan = staffing.plan(staffing.request_from(**fields))
    if as_json:
        typer.echo(json.dumps(plan, indent=2))
        return
    _show(plan, show_all)


def _read(file: Path) -> dict[str, Any]:
    text = file.read_text(encoding="utf-8")
    if file.suffix.lower() in (".yaml", ".yml"):
        import yaml

        loaded = yaml.safe_load(text)
    else:
        try:
            loaded = json.loads(text)
        except json.JSONDecodeError as exc:
            raise typer.BadParameter(f"not JSON: {exc}", param_hint="--file") from exc
    if not isinstance(loaded, dict):
        raise typer.BadParameter("must hold one object (the request body)", param_hint="--file")
    return loaded


def _shares(items: list[str]) -> dict[str, float]:
    shares: dict[str, float] = {}
    for item in items:
        name, _, value = item.partition("=")
        try:
            shares[name.strip()] = float(value)
        except ValueError as exc:
            message = f"{item!r} is not NAME=SHARE"
            raise typer.BadParameter(message, param_hint="--shrinkage") from exc
        if not name.strip():
            raise typer.BadParameter(f"{item!r} has no name", param_hint="--shrinkage")
    return shares


def _show(plan: dict[str, Any], show_all: bool) -> None:
    from rich.console import Console
    from rich.table import Table

    target = plan["target"]
    what = [f"model {plan['model'].replace('_', ' ')}"]
    if target["service_level"] is not None:
        what.append(f"{100 * target['service_level']:g} % within {target['within_seconds']:g} s")
    if plan["date"]:
        what.append(plan["date"])
    table = Table(title="Staffing — " + ", ".join(what))
    table.add_column("interval")
    for pool in plan["pools"]:
        table.add_column(f"{pool['name']} calls", justify="right")
        table.add_column(f"{pool['name']} agents", justify="right")
        table.add_column("SL", justify="right")
    table.add_column("agents", justify="right", style="bold")
    table.add_column("scheduled", justify="right")
    for i, label in enumerate(plan["intervals"]):
        if not show_all and plan["agents"][i] == 0:
            continue
        cells = [label]
        for pool in plan["pools"]:
            cells += [
                f"{pool['calls'][i]:.1f}",
                str(pool["agents"][i]),
                f"{100 * pool['service_level'][i]:.1f} %",
            ]
        table.add_row(*cells, str(plan["agents"][i]), str(plan["scheduled"][i]))
    console = Console()
    console.print(table)
    separate = sum(p["separate_agent_intervals"] for p in plan["pools"])
    console.print(
        f"agent-intervals {sum(plan['agents'])}, scheduled {sum(plan['scheduled'])}"
        f" (shrinkage {100 * plan['shrinkage']:.0f} %); each queue apart would need {separate}:"
        f" pooling saves {plan['saving']}"
    )
    for name, about in plan["queues"].items():
        if about["source"] == "history":
            console.print(
                f"  {name}: {about['method']}, {about['history_days']} days of history,"
                f" {about['handled']} handled contacts for the handle time"
            )
