"""``lealtad marketing segments …`` and ``lealtad marketing audience rebuild``: segments from a
shell (list, count a rule, rebuild, import a static list) and the audience read model's full
rebuild, each long step with a progress bar."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from lealtad.core.cli_errors import RefusalsShown
from lealtad.core.cli_setup import django_ready

app = typer.Typer(
    help="Segments: list, count, rebuild, import.", no_args_is_help=True, cls=RefusalsShown
)
audience_app = typer.Typer(
    help="The audience read model segments filter on.", no_args_is_help=True, cls=RefusalsShown
)


@app.command("list")
def list_command() -> None:
    """Every segment with its kind and member count."""
    django_ready()
    from rich.table import Table

    from lealtad.core.console import console
    from lealtad.marketing.selectors import segments as reads

    rows = reads.listing()
    table = Table("id", "name", "kind", "members", "built")
    for s in rows:
        built = s.built_at.isoformat(timespec="seconds") if s.built_at else ""
        table.add_row(str(s.id), s.name, s.kind, str(s.member_count), built)
    console.print(table if rows else "no segments yet")


@app.command("count")
def count_command(
    rule: Annotated[
        str, typer.Argument(help="The rule as JSON, e.g. '{\"all\": [...]}', or @file.json")
    ],
) -> None:
    """How many customers a rule matches now."""
    django_ready()
    from lealtad.marketing.selectors import segments as reads

    text = Path(rule[1:]).read_text(encoding="utf-8") if rule.startswith("@") else rule
    try:
        parsed = json.loads(text)
    except json.JSONDecodeError as exc:
        raise typer.BadParameter(f"not JSON: {exc}") from None
    typer.echo(reads.count(parsed))


@app.command("rebuild")
def rebuild_command(
    segment_id: Annotated[
        int | None, typer.Argument(help="One segment; all dynamic ones if left out")
    ] = None,
) -> None:
    """Recompute membership from the rules (set-based); entries and exits recorded."""
    django_ready()
    from lealtad.core.console import progress
    from lealtad.marketing.models import Segment
    from lealtad.marketing.models.segments import SegmentKind
    from lealtad.marketing.services import membership

    if segment_id is not None:
        targets = [segment_id]
    else:
        targets = [
            s.pk for s in membership.ordered(Segment.objects.filter(kind=SegmentKind.DYNAMIC))
        ]
    with progress() as bar:
        task = bar.add_task("segments", total=len(targets))
        outcomes = []
        for sid in targets:
            outcomes.append(membership.rebuild(sid))
            bar.advance(task)
    for o in outcomes:
        typer.echo(
            f"segment {o.segment_id}: {o.entered} entered, {o.left} left, {o.members} members"
        )


@app.command("import")
def import_command(
    segment_id: Annotated[int, typer.Argument(help="A static list")],
    file: Annotated[Path, typer.Argument(help="CSV with customer_id, email, national_id or phone")],
    replace: Annotated[
        bool, typer.Option("--replace", help="The file becomes the whole list")
    ] = False,
) -> None:
    """Add the customers of a CSV to a static list; any unmatched line refuses the file."""
    django_ready()
    from lealtad.core.console import progress
    from lealtad.marketing.services import segments

    with progress() as bar:
        task = bar.add_task("import", total=2)
        text = file.read_text(encoding="utf-8-sig")
        bar.advance(task)
        try:
            outcome = segments.import_csv(segment_id, text, by="cli", replace=replace)
        except segments.ImportRefused as refused:
            for p in refused.problems[:50]:
                typer.echo(f"line {p.line} ({p.column}): {p.message}", err=True)
            raise typer.Exit(1) from None
        bar.advance(task)
    typer.echo(f"{outcome.added} added, {outcome.removed} removed, {outcome.members} members")


@audience_app.command("rebuild")
def audience_rebuild_command(
    chunk: Annotated[int, typer.Option(help="Customers per transaction")] = 5000,
) -> None:
    """Rebuild every live customer's audience row from the other contexts."""
    django_ready()
    from lealtad.core.console import progress
    from lealtad.marketing.services import audience

    with progress() as bar:
        task = bar.add_task("audience", total=None)

        def step(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        written = audience.rebuild(progress=step, chunk=chunk)
    typer.echo(f"{written} audience rows written")
