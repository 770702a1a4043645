"""``lealtad sales lines …``: show an opportunity's products, or set them (each line
``SKU:QUANTITY[:UNIT_PRICE[:DISCOUNT_PERCENT]]``, or a JSON file of lines)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer

from lealtad.core.cli_errors import RefusalsShown
from lealtad.core.cli_setup import django_ready
from lealtad.sales.cli_actor import AsUser, actor_for

app = typer.Typer(help="An opportunity's products.", no_args_is_help=True, cls=RefusalsShown)

Number = Annotated[str, typer.Argument(help="The opportunity's number (OP-000123)")]


def _parsed(text: str) -> Any:
    from lealtad.sales.services.opportunity_lines import LineIn

    parts = text.split(":")
    if not 2 <= len(parts) <= 4 or not parts[0]:
        typer.echo(f"{text!r}: write SKU:QUANTITY[:UNIT_PRICE[:DISCOUNT_PERCENT]]", err=True)
        raise typer.Exit(2)
    price = parts[2] if len(parts) > 2 and parts[2] else None
    return LineIn(parts[0], parts[1], price, parts[3] if len(parts) > 3 else "0")


def _from_file(file: Path) -> list[Any]:
    from lealtad.sales.services.opportunity_lines import LineIn

    try:
        rows = json.loads(file.read_text(encoding="utf-8"))
        return [
            LineIn(
                str(r["sku"]),
                str(r["quantity"]),
                None if r.get("unit_price") in (None, "") else str(r["unit_price"]),
                str(r.get("discount_percent") or "0"),
            )
            for r in rows
        ]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        typer.echo(
            f"{file}: a JSON list of {{sku, quantity, unit_price?, discount_percent?}} ({exc})",
            err=True,
        )
        raise typer.Exit(2) from exc


def _show(opportunity_id: int) -> None:
    from lealtad.core.console import console
    from lealtad.sales.selectors_opportunity_lines import lines_of

    found = lines_of(opportunity_id)
    o = found.opportunity
    state = " (frozen)" if found.frozen else ""
    console.print(f"{o.number} {o.name}: {o.amount} {o.currency}{state}")
    for line in found.lines:
        r = line.row
        off = f" -{r.discount_percent}%" if r.discount_percent else ""
        console.print(f"  {r.sku}\t{r.quantity.normalize():f} x {r.unit_price}{off}\t{line.net}")
    console.print(f"  total\t{found.total}")


@app.command("show")
def show_command(number: Number) -> None:
    """The opportunity's lines, each with its net, and their total."""
    django_ready()
    from lealtad.sales import selectors

    _show(selectors.opportunity_by_number(number).pk)


@app.command("set")
def set_command(
    number: Number,
    lines: Annotated[
        list[str] | None, typer.Argument(help="SKU:QUANTITY[:UNIT_PRICE[:DISCOUNT_PERCENT]]")
    ] = None,
    file: Annotated[Path | None, typer.Option(help="A JSON list of lines instead")] = None,
    keep_amount: Annotated[bool, typer.Option(help="Leave the deal's amount as it is")] = False,
    as_user: AsUser = "admin",
) -> None:
    """Replace the lines (none given: clear them). The deal's amount becomes their total."""
    django_ready()
    from lealtad.sales import selectors
    from lealtad.sales.services.opportunity_lines import SetLines, set_lines

    wanted = _from_file(file) if file else [_parsed(text) for text in lines or []]
    found = selectors.opportunity_by_number(number)
    set_lines([SetLines(found.pk, wanted, update_amount=not keep_amount)], actor_for(as_user))
    _show(found.pk)
