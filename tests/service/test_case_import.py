"""Importing cases from another help desk: all rows or none, customers matched by their keys,
history kept, SLA computed from it, and a repeated import opening nothing twice."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from lealtad.core import csv_rows
from lealtad.core.audit import Actor
from lealtad.core.models import OutboxMessage
from lealtad.service.cli import app
from lealtad.service.models import (
    BusinessCalendar,
    Case,
    CaseClock,
    CaseEntry,
    GroupMember,
    SlaPolicy,
    SupportGroup,
)
from lealtad.service.services import case_import, opening
from tests.service.mail_fixtures import customer

pytestmark = pytest.mark.django_db
ACTOR = Actor.system("test")
HEADER = "reference,subject,category,subtype,email,status,opened_at,resolved_at,priority,group\n"


@pytest.fixture(autouse=True)
def desk(db: None) -> None:
    SupportGroup.objects.create(name="nivel1", label="Nivel 1", level=1)
    SupportGroup.objects.create(name="expertos", label="Expertos", level=2)
    always = BusinessCalendar.objects.create(
        name="24x7", label="24x7", time_zone="UTC", always_open=True
    )
    SlaPolicy.objects.create(
        name="estandar",
        label="Estándar",
        calendar=always,
        first_response_minutes=60,
        resolution_minutes=480,
    )


def _import(text: str, source: str = "zammad", dry_run: bool = False):
    rows = csv_rows.read_csv(text.encode())
    return case_import.import_cases(rows, source=source, actor=ACTOR, dry_run=dry_run)


def test_rows_open_cases_for_the_customers_their_keys_name():
    ana = customer("ana@cliente.ec")
    report = _import(
        HEADER + "Z-1,Factura no llega,billing_inquiry,billing_cycle,ANA@cliente.ec,,,,alta,\n"
        "Z-2,Router sin luz,post_sale,,ana@cliente.ec,open,,,2,expertos\n"
    )
    assert report.ok and report.opened == 2 and report.triage == 0, report.as_dict()
    first, second = Case.objects.order_by("external_ref")
    assert (first.customer_id, first.priority, first.source) == (ana, 3, "zammad")
    assert first.number == f"CASO-{first.pk:06d}"
    assert second.status == "open" and second.group.name == "expertos"
    assert first.sla_policy.name == "estandar" and first.first_response_due is not None
    assert CaseClock.objects.count() == 2
    assert OutboxMessage.objects.filter(event_type="case.opened", customer_id=ana).count() == 2


def test_a_repeated_import_opens_nothing_twice():
    customer("ana@cliente.ec")
    text = HEADER + "Z-1,Factura,billing_inquiry,,ana@cliente.ec,,,,,\n"
    _import(text)
    again = _import(text + "Z-2,Otra,billing_inquiry,,ana@cliente.ec,,,,,\n")
    assert (again.already, again.opened) == (1, 1)
    assert Case.objects.count() == 2
    assert OutboxMessage.objects.filter(event_type="case.opened").count() == 2
    # the same reference from another source is another case
    assert _import(text, source="osticket").opened == 1


def test_one_bad_row_refuses_the_file_and_names_line_and_column():
    customer("ana@cliente.ec")
    report = _import(
        HEADER + "Z-1,Factura,billing_inquiry,,ana@cliente.ec,,,,,\n"
        "Z-2,Otra,no_such_category,,ana@cliente.ec,,,,,\n"
        "Z-3,Otra,billing_inquiry,,ana@cliente.ec,,ayer,,,\n"
        "Z-4,Otra,billing_inquiry,,ana@cliente.ec,,,,9,\n"
        "Z-5,Otra,billing_inquiry,,ana@cliente.ec,,,,,nadie\n"
    )
    assert not report.ok
    where = {(p.line, p.column) for p in report.problems}
    assert where == {(3, "category"), (4, "opened_at"), (5, "priority"), (6, "group")}
    assert Case.objects.count() == 0 and CaseEntry.objects.count() == 0


def test_a_missing_required_column_is_named():
    report = _import("reference,subject\nZ-1,Factura\n")
    assert [(p.line, p.column) for p in report.problems] == [(1, "category")]


def test_a_customer_who_cannot_be_told_goes_to_triage_not_lost():
    customer("ana@cliente.ec")
    report = _import(
        HEADER + "Z-1,Factura,billing_inquiry,,nadie@cliente.ec,,,,,\n"
        "Z-2,Factura,billing_inquiry,,no es correo,,,,,\n"
        "Z-3,Factura,billing_inquiry,,,,,,,\n"
    )
    assert report.ok and report.opened == 3 and report.triage == 3
    assert {w.line for w in report.warnings} == {2, 3, 4}
    assert all(c.customer_id is None for c in Case.objects.all())
    triaged = CaseEntry.objects.filter(kind="opened")
    assert all(e.data.get("triage") for e in triaged)


def test_a_closed_case_keeps_its_history_and_its_resolution_time():
    ana = customer("ana@cliente.ec")
    opened = (timezone.now() - timedelta(days=10)).replace(microsecond=0)
    resolved = opened + timedelta(hours=3)
    report = _import(
        HEADER + f"Z-9,Viejo,billing_inquiry,,ana@cliente.ec,closed,"
        f"{opened.isoformat()},{resolved.isoformat()},,\n"
    )
    assert report.ok, report.as_dict()
    case = Case.objects.get()
    assert case.created_at == opened and case.resolved_at == resolved
    assert case.status == "closed" and case.outcome == "resolved"
    kinds = list(CaseEntry.objects.filter(case=case).values_list("kind", "status"))
    assert kinds[0] == ("opened", "new") and ("status", "closed") in kinds
    assert not CaseClock.objects.get(case=case).open
    events = set(
        OutboxMessage.objects.filter(customer_id=ana, event_type__startswith="case.").values_list(
            "event_type", flat=True
        )
    )
    assert events == {"case.opened", "case.resolved", "case.closed"}


def test_a_resolved_case_without_its_resolution_time_is_refused():
    customer("ana@cliente.ec")
    report = _import(HEADER + "Z-9,Viejo,billing_inquiry,,ana@cliente.ec,resolved,,,,\n")
    assert [(p.line, p.column) for p in report.problems] == [(2, "resolved_at")]


def test_an_open_imported_case_owes_its_sla_from_its_opening():
    customer("ana@cliente.ec")
    opened = timezone.now() - timedelta(hours=10)
    _import(HEADER + f"Z-1,Viejo,billing_inquiry,,ana@cliente.ec,open,{opened.isoformat()},,,\n")
    case = Case.objects.get()
    assert case.sla_breached  # 10 hours open against an 8-hour resolution target


def test_dry_run_checks_and_writes_nothing():
    customer("ana@cliente.ec")
    report = _import(HEADER + "Z-1,Factura,billing_inquiry,,ana@cliente.ec,,,,,\n", dry_run=True)
    assert report.ok and Case.objects.count() == 0


def test_a_batch_spreads_over_the_members_as_one_by_one_opening_would(django_user_model):
    group = SupportGroup.objects.get(name="nivel1")
    for name in ("a", "b"):
        user = django_user_model.objects.create(username=name)
        GroupMember.objects.create(group=group, user=user, max_open=2)
    batch = [
        opening.NewCase(subject=f"c{i}", category="other", customer_id=7, external_ref=f"r{i}")
        for i in range(5)
    ]
    opened = opening.open_cases(batch, ACTOR)
    assignees = [c.assignee_id for c in opened]
    assert sorted(a for a in assignees if a) == sorted(assignees[:4]) and assignees[4] is None
    assert sorted(GroupMember.objects.values_list("open_cases", flat=True)) == [2, 2]


def test_a_row_repeated_in_one_batch_is_one_case():
    new = opening.NewCase(subject="x", category="other", customer_id=7, external_ref="r1")
    twice = opening.open_cases([new, new], ACTOR)
    assert twice[0].pk == twice[1].pk and Case.objects.count() == 1


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    cells=st.lists(
        st.tuples(
            st.sampled_from(["billing_inquiry", "other", "", "x"]),
            st.sampled_from(["", "1", "4", "urgent", "cero"]),
            st.sampled_from(["", "open", "pending_customer", "closed", "nope"]),
        ),
        min_size=1,
        max_size=6,
    )
)
def test_any_file_is_imported_whole_or_not_at_all(cells):
    before = Case.objects.count()
    lines = [f"H-{before}-{i},Asunto,{c},,,{s},,,{p},\n" for i, (c, p, s) in enumerate(cells)]
    report = _import(HEADER + "".join(lines))
    added = Case.objects.count() - before
    assert added == (len(cells) if report.ok else 0)
    if not report.ok:
        assert all(p.line >= 2 and p.column for p in report.problems)


def test_the_command_imports_with_a_progress_bar_and_exits_1_on_a_bad_file(tmp_path):
    customer("ana@cliente.ec")
    good = tmp_path / "good.csv"
    good.write_text(HEADER.replace(",", ";") + "Z-1;Factura;billing_inquiry;;ana@cliente.ec;;;;;\n")
    done = CliRunner().invoke(app, ["cases", "import", str(good), "--source", "zammad"])
    assert done.exit_code == 0, done.output
    assert "opened 1" in done.output and Case.objects.count() == 1
    bad = tmp_path / "bad.csv"
    bad.write_text(HEADER + "Z-2,Factura,nope,,ana@cliente.ec,,,,,\n")
    refused = CliRunner().invoke(app, ["cases", "import", str(bad)])
    assert refused.exit_code == 1 and "line 2, category" in refused.output


def test_the_api_imports_for_a_supervisor_only(token_client):
    customer("ana@cliente.ec")
    body = (HEADER + "Z-1,Factura,billing_inquiry,,ana@cliente.ec,,,,,\n").encode()
    url = "/api/v1/service/cases/import"
    agent = token_client("agent", scopes=("service:handle",))
    assert agent.post(url, {"file": _upload(body)}).status_code == 403
    boss = token_client("supervisor", scopes=("service:supervise",))
    got = boss.post(url, {"file": _upload(body), "source": "zammad"})
    assert got.status_code == 200 and got.json()["opened"] == 1
    bad = _upload((HEADER + "Z-2,F,nope,,,,,,,\n").encode())
    refused = boss.post(url, {"file": bad}, HTTP_ACCEPT_LANGUAGE="en")
    assert refused.status_code == 422
    assert refused.json()["problems"][0] == {
        "line": 2,
        "column": "category",
        "message": "There is no category nope.",
    }
    assert Case.objects.count() == 1


def _upload(body: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile("casos.csv", body, content_type="text/csv")


def test_a_file_that_is_not_utf8_text_is_refused_naming_its_line():
    with pytest.raises(csv_rows.UnreadableFile) as refused:
        csv_rows.read_csv(b"reference,subject,category\nZ-1,Se\xf1al,other\n")
    assert (refused.value.problem.line, refused.value.problem.column) == (2, "file")
    assert Case.objects.count() == 0
