"""``lealtad contactcenter simulate``: a what-if day from a shell, with a progress bar.

Either a what-if file (the JSON or YAML body ``POST /api/v1/contactcenter/whatif`` takes,
run on the configured center) or a built-in example center that needs no database
(``value_day``, ``five_skills``). ``--compare`` runs FCFS and value+skills on the same calls.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

if TYPE_CHECKING:
    from lealtad.contact_engine.simulation import Policy, Scenario, SimulationResult

EXAMPLES = ("value_day", "five_skills")
POLICIES = ("fcfs", "value_skills")


def simulate_command(
    file: Annotated[
        Path | None,
        typer.Option("--file", exists=True, dir_okay=False, help="A what-if body, JSON or YAML"),
    ] = None,
    example: str | None = typer.Option(None, "--example", help="value_day or five_skills"),
    policy: str | None = typer.Option(None, "--policy", help="fcfs or value_skills"),
    compare: bool = typer.Option(False, "--compare", help="Both policies on the same calls"),
    days: float = typer.Option(1.0, "--days", help="Days of the five_skills example"),
    seed: int | None = typer.Option(None, "--seed", help="Random seed (same seed, same day)"),
    as_json: bool = typer.Option(False, "--json", help="Figures as JSON on stdout"),
) -> None:
    """Simulate a day of the center: service level, abandonment and waits per queue and
    value tier, occupancy per agent group."""
    # numpy and scipy load here, not when ``lealtad`` starts
    from lealtad.contact_engine.simulation import Policy

    if (file is None) == (example is None):
        raise typer.BadParameter("give either --file or --example", param_hint="--file")
    if example is not None and example not in EXAMPLES:
        raise typer.BadParameter(f"one of {', '.join(EXAMPLES)}", param_hint="--example")
    if policy is not None and policy not in POLICIES:
        raise typer.BadParameter("fcfs or value_skills", param_hint="--policy")
    policies = list(Policy) if compare else [Policy(policy or "value_skills")]
    results = {}
    for chosen in policies:
        if file is not None:
            results[chosen.value] = _run_file(file, chosen if policy or compare else None, seed)
        else:
            scenario = _example(str(example), chosen, days)
            results[chosen.value] = _run(scenario, seed or 0, f"{example} ({chosen.value})")
    if as_json:
        typer.echo(json.dumps({name: r.to_dict() for name, r in results.items()}, indent=2))
        return
    for name, result in results.items():
        _show(name, result)


def _example(name: str, policy: Policy, days: float) -> Scenario:
    from lealtad.contact_engine.simulation.examples import five_skill_center, value_day

    if name == "value_day":
        return value_day(policy)
    return five_skill_center(days, policy)


def _run(scenario: Scenario, seed: int, label: str) -> SimulationResult:
    from lealtad.contact_engine.simulation import simulate
    from lealtad.core.console import progress

    with progress() as bar:
        task = bar.add_task(label, total=100)
        return simulate(
            scenario, seed=seed, on_progress=lambda done: bar.update(task, completed=done * 100)
        )


def _run_file(path: Path, policy: Policy | None, seed: int | None) -> SimulationResult:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lealtad.settings")
    import django

    django.setup()
    from lealtad.contactcenter.selectors import whatif

    body = _read(path)
    if policy is not None:
        body["policy"] = policy.value
    if seed is not None:
        body["seed"] = seed
    try:
        request = whatif.WhatIfIn.model_validate(body)
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint="--file") from exc
    scenario = whatif.build(request)
    return _run(scenario, request.seed, f"{path.name} ({request.policy})")


def _read(path: Path) -> dict[str, Any]:
    text = path.read_text(encoding="utf-8")
    if path.suffix.lower() in (".yaml", ".yml"):
        import yaml

        data = yaml.safe_load(text)
    else:
        data = json.loads(text)
    if not isinstance(data, dict):
        raise typer.BadParameter("the file must hold one what-if object", param_hint="--file")
    return data


def _show(policy: str, result: SimulationResult) -> None:
    from rich.console import Console
    from rich.table import Table

    out = Console()  # stdout: the figures are the command's result
    table = Table(title=f"{policy}: {result.calls:,} calls in {result.wall_seconds:.2f} s")
    for column in ("queue", "tier", "offered", "answered", "abandoned", "SL", "ASA s"):
        table.add_column(column, justify="left" if column in ("queue", "tier") else "right")
    rows = [(q, "all", f) for q, f in result.by_queue.items()]
    rows += [(q, t, f) for (q, t), f in result.by_queue_tier.items()]
    rows += [("all", t, f) for t, f in result.by_tier.items()]
    rows.append(("all", "all", result.total))
    for queue, tier, f in rows:
        table.add_row(
            queue,
            tier,
            f"{f.offered:,}",
            f"{f.answered:,}",
            f"{f.abandon_rate:.1%}",
            f"{f.service_level:.1%}",
            f"{f.asa:.1f}",
        )
    out.print(table)
    occupancy = ", ".join(f"{name} {value:.0%}" for name, value in result.occupancy.items())
    out.print(f"occupancy: {occupancy} (all {result.overall_occupancy:.0%})")
