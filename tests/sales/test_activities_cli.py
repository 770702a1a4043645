"""``lealtad sales activities log|list``: one activity from options or many from a CSV or JSON
file, through the activities service (timeline, announcement, keys), a bad row naming its
line and logging nothing; the list filtered by customer, owner and local days."""

from __future__ import annotations

import json
import re
from datetime import timedelta

import pytest
from django.contrib.auth.models import User
from django.utils import timezone
from typer.testing import CliRunner

from lealtad.core.models import OutboxMessage
from lealtad.customers.models import Interaction
from lealtad.sales.cli import app
from lealtad.sales.models import Activity
from tests.sales.helpers import known_customer

pytestmark = pytest.mark.django_db(transaction=True)
runner = CliRunner()
AS = ("--as", "vendedor")


@pytest.fixture
def seller(db):
    User.objects.create_user("gerente")
    return User.objects.create_user("vendedor")


def log(*args: str):
    return runner.invoke(app, ["activities", "log", *args, *AS])


def test_one_activity_from_options_lands_on_the_timeline_once(seller) -> None:
    cid = known_customer(email="rosa.mamani@example.com")
    args = (
        "--kind",
        "call",
        "--subject",
        "Seguimiento cotización",
        "--customer",
        str(cid),
        "--done",
        "--time-category",
        "sales_call",
        "--key",
        "cli-1",
    )
    first = log(*args)
    assert first.exit_code == 0, first.output
    again = log(*args)
    assert again.exit_code == 0 and again.output == first.output  # the key: the same call
    call = Activity.objects.get()
    assert (call.owner, call.done_at is not None, call.customer_id) == (seller, True, cid)
    assert Interaction.objects.filter(customer_id=cid, kind="sales_call").count() == 1
    assert OutboxMessage.objects.filter(event_type="activity.logged").count() == 1


def test_a_bad_activity_from_options_is_refused_and_nothing_kept(seller) -> None:
    nobody = log("--kind", "task", "--subject", "Sin destino")
    assert nobody.exit_code == 1 and "on a lead, a deal or a customer" in nobody.output
    wrong = log("--kind", "visit", "--subject", "X", "--customer", "1")
    assert wrong.exit_code == 1 and "A call, meeting, task or e-mail" in wrong.output
    late = log("--kind", "call", "--subject", "X", "--customer", "1", "--starts-at", "mañana")
    assert late.exit_code == 1 and "rows[0], starts_at" in late.output
    assert not Activity.objects.exists()


def test_a_csv_file_logs_every_row_or_none(seller, tmp_path) -> None:
    cid = known_customer(email="rosa.mamani@example.com")
    good = tmp_path / "visitas.csv"
    good.write_text(
        "kind,subject,customer_id,starts_at,ends_at,time_category,key\n"
        f"meeting,Visita Textiles,{cid},2026-12-07T10:00,2026-12-07T11:00,customer_visit,v1\n"
        f"task,Enviar catálogo,{cid},,,proposal,v2\n",
        encoding="utf-8",
    )
    bad = tmp_path / "malas.csv"
    bad.write_text(
        "kind,subject,customer_id,starts_at,ends_at,color\n"
        f"meeting,Visita,{cid},2026-12-07T10:00,2026-12-07T09:00,\n"
        f"call,Llamada,{cid},ayer,,rojo\n",
        encoding="utf-8",
    )
    refused = runner.invoke(app, ["activities", "log", "--file", str(bad), *AS])
    assert refused.exit_code == 1
    assert (
        "line 3, starts_at" in refused.output and "line 2, color: unknown column" in refused.output
    )
    bad.write_text(
        "kind,subject,customer_id,starts_at,ends_at\n"
        f"meeting,Visita,{cid},2026-12-07T10:00,2026-12-07T11:00\n"
        f"meeting,Visita,{cid},2026-12-07T10:00,2026-12-07T09:00\n",
        encoding="utf-8",
    )
    ends = runner.invoke(app, ["activities", "log", "--file", str(bad), *AS])
    assert ends.exit_code == 1 and "line 3, ends_at: It ends before it starts." in ends.output
    assert not Activity.objects.exists()
    made = runner.invoke(app, ["activities", "log", "--file", str(good), "--owner", "gerente", *AS])
    assert made.exit_code == 0, made.output
    visit = Activity.objects.get(idempotency_key="v1")
    assert timezone.localtime(visit.starts_at).hour == 10  # local time, no offset written
    assert visit.owner.username == "gerente"
    assert runner.invoke(app, ["activities", "log", "--file", str(good), *AS]).exit_code == 0
    assert Activity.objects.count() == 2  # the file again: the keys, nothing twice


def test_a_json_file_names_the_item(seller, tmp_path) -> None:
    cid = known_customer(email="rosa.mamani@example.com")
    file = tmp_path / "a.json"
    items = [
        {"kind": "email", "subject": "Propuesta", "customer_id": cid, "done": True},
        {"kind": "call", "subject": "Llamada", "lead_id": 99999},
    ]
    file.write_text(json.dumps(items), encoding="utf-8")
    refused = runner.invoke(app, ["activities", "log", "--file", str(file), *AS])
    assert refused.exit_code == 1 and "rows[1].lead_id" in refused.output
    file.write_text(json.dumps(items[:1]), encoding="utf-8")
    assert runner.invoke(app, ["activities", "log", "--file", str(file), *AS]).exit_code == 0
    assert Activity.objects.get().kind == "email"


def test_the_list_filters_by_customer_owner_and_days(seller) -> None:
    ana = known_customer(email="ana@example.com", name="Ana Tipán")
    beto = known_customer(email="beto@example.com", name="Beto Condori")
    today = timezone.localdate()
    yesterday = today - timedelta(days=1)
    for subject, cid, day, who in (
        ("Ayer Ana", ana, yesterday, "vendedor"),
        ("Hoy Ana", ana, today, "gerente"),
        ("Hoy Beto", beto, today, "vendedor"),
    ):
        answer = runner.invoke(
            app,
            [
                "activities",
                "log",
                "--kind",
                "meeting",
                "--subject",
                subject,
                "--customer",
                str(cid),
                "--starts-at",
                f"{day.isoformat()}T09:00",
                "--owner",
                who,
                *AS,
            ],
        )
        assert answer.exit_code == 0, answer.output

    def listed(*args: str) -> list[str]:
        out = runner.invoke(app, ["activities", "list", *args]).output
        return sorted(re.findall(r"(Ayer Ana|Hoy Ana|Hoy Beto)", out))

    assert listed("--customer", str(ana)) == ["Ayer Ana", "Hoy Ana"]
    assert listed("--owner", "vendedor") == ["Ayer Ana", "Hoy Beto"]
    assert listed("--from", today.isoformat()) == ["Hoy Ana", "Hoy Beto"]
    assert listed("--to", yesterday.isoformat(), "--customer", str(ana)) == ["Ayer Ana"]
    bad = runner.invoke(app, ["activities", "list", "--from", "07/12/2026"])
    assert bad.exit_code == 2 and "YYYY-MM-DD" in bad.output
