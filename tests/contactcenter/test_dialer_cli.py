"""``lealtad contactcenter dialer …``: a list built and started from a shell, a refusal shown
with its field, the modes compared, and the dialer run against the switch simulator."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from lealtad.cli import app
from lealtad.contactcenter.models import CallList, DoNotCallNumber

pytestmark = pytest.mark.django_db(transaction=True)
runner = CliRunner()


def dialer(*args: str):  # type: ignore[no-untyped-def]
    return runner.invoke(app, ["contactcenter", "dialer", *args])


def test_a_list_from_the_shell(center, make_customer, tmp_path):
    a, b = make_customer(), make_customer()
    made = dialer("create", "renew", "--queue", "general", "--mode", "predictive")
    assert made.exit_code == 0, made.output
    path = tmp_path / "people.csv"
    path.write_text(f"customer_id\n{a.pk}\n{b.pk}\n", encoding="utf-8")
    added = dialer("add-csv", "renew", str(path))
    assert added.exit_code == 0 and "2 customers added" in added.output
    assert dialer("move", "renew", "start").exit_code == 0
    shown = dialer("lists")
    assert "renew" in shown.output and "running" in shown.output and "pending': 2" in shown.output
    assert CallList.objects.get().status == "running"


def test_a_refusal_names_its_field_and_writes_nothing(center):
    refused = dialer("create", "x", "--queue", "general", "--mode", "robocall")
    assert refused.exit_code != 0
    assert "mode" in refused.output
    assert not CallList.objects.exists()


def test_do_not_call_from_a_file(db, tmp_path):
    path = tmp_path / "registry.txt"
    path.write_text("0993757370\n\n+593993757371\n", encoding="utf-8")
    result = dialer("do-not-call", str(path))
    assert result.exit_code == 0 and "2 numbers" in result.output
    assert DoNotCallNumber.objects.count() == 2


def test_the_modes_compared(db):
    result = dialer("simulate", "--days", "1", "--agents", "10")
    assert result.exit_code == 0, result.output
    lines = {line.split()[0]: line for line in result.output.splitlines() if line.strip()}
    assert {"preview", "progressive", "predictive"} <= set(lines)


def test_run_dials_the_running_lists_on_the_simulated_switch(center, make_customer):
    from lealtad.contactcenter.models import DialAttempt
    from lealtad.contactcenter.services import agents, setup
    from lealtad.contactcenter.services import dialer as lists
    from lealtad.customers import services as customer_services
    from lealtad.customers.schemas import ConsentIn

    from .conftest import ACTOR

    for name, agent in center.items():
        setup.save_agent(agent.name, skills={"general": 8}, extension=name, agent_id=agent.pk)
        agents.log_in(agent.pk, ACTOR)
    people = [make_customer() for _ in range(3)]
    grant = ConsentIn(
        channel="phone",
        purpose="service",
        granted=True,
        proof="recorded_call",
        proof_reference="r1",
    )
    for person in people:
        customer_services.record_consent(person, grant, customer_services.ChangeContext(ACTOR))
    lists.create_list(
        "care",
        "general",
        "progressive",
        ACTOR,
        purpose="service",
        hours={day: "00:00-23:59" for day in ("weekdays", "saturday", "sunday")},
    )
    lists.add_from_csv("care", "customer_id\n" + "".join(f"{p.pk}\n" for p in people), ACTOR)
    lists.move_list("care", "start", ACTOR)
    result = dialer("run", "--minutes", "2", "--fast")
    assert result.exit_code == 0, result.output
    assert "care" in result.output
    assert DialAttempt.objects.count() >= 2
