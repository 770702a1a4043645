"""``lealtad service field …``: technicians, contracts, work orders and their dispatch, spare
parts and purchase orders, RMAs and defect alerts from a shell."""

from __future__ import annotations

import os
from datetime import date, time
from decimal import Decimal
from typing import TYPE_CHECKING

import typer

from lealtad.core.cli_errors import RefusalsShown
from lealtad.core.cli_setup import django_ready

if TYPE_CHECKING:
    from lealtad.core.audit import Actor

app = typer.Typer(
    help="Field service: contracts, RMAs, work orders, parts.",
    no_args_is_help=True,
    cls=RefusalsShown,
)
ACTOR_LABEL = "cli"


def _actor() -> Actor:
    from lealtad.core.audit import Actor

    return Actor.system(os.environ.get("USER", ACTOR_LABEL))


def _day(text: str) -> date:
    """The day asked for, or today where the business is (not the server's clock)."""
    from django.utils import timezone

    return date.fromisoformat(text) if text else timezone.localdate()


def _split(text: str) -> list[str]:
    return [part.strip() for part in text.split(",") if part.strip()]


@app.command("technician")
def technician_command(
    name: str = typer.Argument(..., help="The technician's name"),
    skills: str = typer.Option(..., "--skills", help="Comma-separated skills"),
    zones: str = typer.Option("", "--zones", help="Comma-separated zones covered"),
    start: str = typer.Option("08:00", "--start", help="Day starts (HH:MM)"),
    end: str = typer.Option("17:00", "--end", help="Day ends (HH:MM)"),
    rate: str = typer.Option("0", "--rate", help="Hourly rate"),
    location: str = typer.Option("", "--location", help="Van or stock location"),
) -> None:
    """Add a technician."""
    django_ready()
    from lealtad.service.services import technicians

    made = technicians.add_technician(
        technicians.NewTechnician(
            name,
            _split(skills),
            _split(zones),
            time.fromisoformat(start),
            time.fromisoformat(end),
            Decimal(rate),
            location,
        )
    )
    typer.echo(f"technician {made.pk}: {made.name} ({', '.join(made.skills)})")


@app.command("contract")
def contract_command(
    number: str = typer.Argument(...),
    customer_id: int = typer.Option(..., "--customer"),
    level: str = typer.Option(..., "--level", help="basic, plus or premium"),
    starts_on: str = typer.Option(..., "--from", help="YYYY-MM-DD"),
    ends_on: str = typer.Option(..., "--to", help="YYYY-MM-DD"),
    serials: str = typer.Option("", "--serials"),
    no_return: bool = typer.Option(False, "--no-return", help="RMAs need no goods back"),
) -> None:
    """Create a service contract."""
    django_ready()
    from lealtad.service.services import contracts

    made = contracts.create_contract(
        contracts.NewContract(
            number,
            customer_id,
            level,
            date.fromisoformat(starts_on),
            date.fromisoformat(ends_on),
            serials=_split(serials),
            return_required=not no_return,
        ),
        _actor(),
    )
    typer.echo(f"contract {made.number}: {made.support_level} until {made.ends_on}")


@app.command("work-order")
def work_order_command(
    case_id: int = typer.Argument(...),
    skill: str = typer.Option(..., "--skill"),
    zone: str = typer.Option(..., "--zone"),
    minutes: int = typer.Option(60, "--minutes"),
    address: str = typer.Option("", "--address"),
) -> None:
    """Open a work order on a case."""
    django_ready()
    from lealtad.service.services import workorders

    made = workorders.open_work_order(
        workorders.NewWorkOrder(case_id, skill, zone, minutes, address), _actor()
    )
    typer.echo(f"{made.number} opened")


@app.command("dispatch")
def dispatch_command(
    number: str = typer.Argument(...),
    day: str = typer.Option("", "--day", help="YYYY-MM-DD (default: today)"),
) -> None:
    """Plan a work order: the technician with the skill, in the zone, free soonest."""
    django_ready()
    from lealtad.service.services import workorders

    order = workorders.dispatch_order(number, _day(day), _actor())
    typer.echo(f"{order.number}: {order.technician} at {order.starts_at:%Y-%m-%d %H:%M}")


@app.command("board")
def board_command(day: str = typer.Option("", "--day", help="YYYY-MM-DD (default: today)")) -> None:
    """The dispatcher's board: each technician's visits, then what waits."""
    django_ready()
    from lealtad.service.selectors import field as selectors

    board = selectors.board(_day(day))
    for tech, visits in board.technicians:
        typer.echo(f"{tech.name}:")
        for v in visits:
            typer.echo(f"  {v.starts_at:%H:%M}-{v.ends_at:%H:%M} {v.number} {v.zone} {v.status}")
    for w in board.waiting:
        typer.echo(f"waiting: {w.number} {w.skill} {w.zone}")


@app.command("close")
def close_command(
    number: str = typer.Argument(...),
    minutes: int = typer.Option(..., "--minutes"),
    report: str = typer.Option("", "--report"),
) -> None:
    """Close a work order (its cost goes on the case; the case is resolved)."""
    django_ready()
    from lealtad.service.services import workorders

    order = workorders.close(number, minutes, report, _actor())
    typer.echo(f"{order.number} closed: {order.labour_cost + order.parts_cost}")


@app.command("stock")
def stock_command(
    sku: str = typer.Argument(...),
    location: str = typer.Argument(...),
    on_hand: int = typer.Option(..., "--on-hand"),
    minimum: int = typer.Option(0, "--minimum"),
) -> None:
    """Count a spare part's stock at a location, and its minimum."""
    django_ready()
    from lealtad.service.services import parts

    row = parts.set_stock(sku, location, on_hand, minimum)
    typer.echo(f"{sku}@{row.location}: {row.on_hand} (minimum {row.minimum})")


@app.command("purchase-orders")
def purchase_orders_command(status: str = typer.Option("", "--status")) -> None:
    """Purchase orders (draft, sent, received)."""
    django_ready()
    from lealtad.service.selectors import field as selectors

    for po in selectors.purchase_orders(status):
        lines = ", ".join(f"{ln.part.sku} x{ln.quantity}" for ln in po.lines.all())
        typer.echo(f"{po.number} {po.status} {po.supplier} → {po.location}: {lines}")


@app.command("receive-po")
def receive_po_command(number: str = typer.Argument(...)) -> None:
    """The supplier delivered: restock."""
    django_ready()
    from lealtad.service.services import parts

    parts.receive_purchase_order(number, _actor())
    typer.echo(f"{number} received")


@app.command("defect-alerts")
def defect_alerts_command() -> None:
    """Products whose defects passed the threshold (what engineering was told)."""
    django_ready()
    from lealtad.service.selectors import field as selectors

    for alert in selectors.defect_alerts():
        typer.echo(
            f"{alert.raised_at:%Y-%m-%d} {alert.product_sku}: {alert.count} in "
            f"{alert.window_days} days"
        )


@app.command("demo")
def demo_command() -> None:
    """Load demo technicians, spare parts and stock (idempotent)."""
    django_ready()
    from lealtad.service import demo_field

    done = demo_field.load()
    typer.echo(f"{done['technicians']} technicians added, {done['parts']} parts saved")
