"""``lealtad service kb …``: search the knowledge base, import and export its articles."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer

from lealtad.core.cli_errors import RefusalsShown
from lealtad.core.cli_setup import django_ready

app = typer.Typer(
    help="Knowledge base: search, import, export.", no_args_is_help=True, cls=RefusalsShown
)


@app.command("search")
def search_command(
    query: str = typer.Argument(..., help="Words to look for (accents and endings ignored)"),
    language: str = typer.Option("es", "--language", help="es or en"),
    limit: int = typer.Option(10, "--limit", min=1, max=100),
    suggest: bool = typer.Option(False, "--suggest", help="Read QUERY as a case's text"),
) -> None:
    """Published articles, best first, with the words that matched."""
    django_ready()
    from rich.table import Table

    from lealtad.core.console import console
    from lealtad.service.selectors import knowledge as kb

    scope = kb.Scope(language=language)
    hits = (
        kb.suggest(query, scope, limit=limit) if suggest else kb.search(query, scope, limit=limit)
    )
    table = Table("key", "title", "score", "matched")
    for hit in hits:
        table.add_row(hit.key, hit.title, f"{hit.score:.2f}", ", ".join(hit.matched))
    console.print(table if hits else "no article found")


@app.command("import")
def import_command(
    file: Annotated[
        Path | None,
        typer.Argument(exists=True, dir_okay=False, help="JSON or YAML list of articles"),
    ] = None,
    demo: bool = typer.Option(False, "--demo", help="Load the demo articles, tree and scripts"),
) -> None:
    """All or nothing: a bad row is named and nothing is saved."""
    django_ready()
    from lealtad.core.audit import Actor
    from lealtad.service import demo_knowledge
    from lealtad.service.services import knowledge_io

    actor = Actor.system("cli")
    if demo:
        count = demo_knowledge.load(actor)
        demo_knowledge.load_trees(actor)
    elif file is None:
        raise typer.BadParameter("give a FILE or --demo")
    else:
        text = file.read_text(encoding="utf-8")
        if file.suffix.lower() in (".yaml", ".yml"):
            import yaml

            rows = yaml.safe_load(text)
        else:
            try:
                rows = json.loads(text)
            except json.JSONDecodeError as exc:
                raise typer.BadParameter(f"{file}: not JSON ({exc})") from exc
        count = knowledge_io.import_articles(rows, actor)
    typer.echo(f"{count} articles saved")


@app.command("export")
def export_command(
    out: Annotated[Path | None, typer.Option("--out", help="Write here (default stdout)")] = None,
) -> None:
    """Every article with its versions, as JSON (``import`` reads it back)."""
    django_ready()
    from lealtad.service.services import knowledge_io

    text = json.dumps(knowledge_io.export_articles(), ensure_ascii=False, indent=2)
    if out is None:
        sys.stdout.write(text + "\n")
    else:
        out.write_text(text + "\n", encoding="utf-8")
