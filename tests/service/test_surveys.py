"""Surveys: scheduled by the hub when a case is resolved, mailed by the dispatcher's tick to a
real SMTP server (aiosmtpd) with a signed answer link, answered once, on the timeline; an
unhappy answer opens a follow-up case; unanswered ones go on the dialer's call list; the
root-cause report and its CSV."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.contrib.auth.models import Group, User
from django.test import Client
from django.utils import timezone
from hypothesis import given, settings
from hypothesis import strategies as st

from lealtad.contactcenter.models import CallList, CallListEntry
from lealtad.contactcenter.services import dialer, setup
from lealtad.core.dispatcher import default_dispatcher
from lealtad.customers import selectors as customer_reads
from lealtad.customers import services as customer_services
from lealtad.customers.models import Customer, Interaction
from lealtad.customers.schemas import ConsentIn
from lealtad.service.models import Case, SupportGroup, Survey
from lealtad.service.selectors import surveys as reads
from lealtad.service.services import cases, surveys
from lealtad.service.services.cases import NewCase
from lealtad.service.services.surveys import Answer, SurveyAnswered, SurveyRefused
from tests.service.mail_fixtures import (  # noqa: F401
    ACTOR,
    customer,
    smtp_sink_fixture,
)

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _desk(db) -> None:
    SupportGroup.objects.get_or_create(name="nivel1", defaults={"label": "Nivel 1", "level": 1})


def _consent(customer_id: int, granted: bool = True, channel: str = "email") -> None:
    """The customer's statement for surveys on ``channel``, proved by a signed form."""
    ctx = customer_services.ChangeContext(actor=ACTOR, channel="test")
    statement = ConsentIn(
        channel=channel,
        purpose="surveys",
        granted=granted,
        proof="signed_form" if granted else None,
        proof_reference="F-1" if granted else "",
    )
    found = customer_reads.get_customer(customer_id)
    assert found is not None
    customer_services.record_consent(found, statement, ctx)


def _resolved_case(
    email: str = "ana@cliente.ec", sku: str = "ROUTER-1", consent: bool | None = True
) -> Case:
    """A case resolved for a new customer who consented to survey mail (``consent``; None:
    said nothing)."""
    cid = customer(email)
    if consent is not None:
        _consent(cid, consent)
    case = cases.open_case(
        NewCase(
            subject="Sin internet",
            category="post_sale",
            subtype="service_problem",
            customer_id=cid,
            product_sku=sku,
        ),
        ACTOR,
    )
    cases.resolve(case.pk, ACTOR, note_text="Reiniciado")
    default_dispatcher().run_once()  # the hub delivers case.resolved: a survey is scheduled
    return Case.objects.get(pk=case.pk)


def _due(survey: Survey) -> None:
    past = timezone.now() - timedelta(minutes=1)
    Survey.objects.filter(pk=survey.pk).update(email_due_at=past)


def _survey_mails(sink) -> list:
    """The case's own acknowledgement and resolution notices go to the same sink."""
    return [m for m in sink.received if "/service/surveys/answer/" in m.get_body().get_content()]


def test_a_resolved_case_schedules_one_survey_due_within_24_hours():
    case = _resolved_case()
    survey = Survey.objects.get()
    assert survey.case_id == case.pk and survey.customer_id == case.customer_id
    assert survey.email_due_at - case.resolved_at <= timedelta(hours=24)
    assert survey.phone_due_at - case.resolved_at <= timedelta(hours=48)
    default_dispatcher().run_once()  # the same event again: nothing new
    assert Survey.objects.count() == 1


def test_the_tick_mails_the_due_survey_once_with_a_signed_link(smtp_sink):
    _resolved_case()
    survey = Survey.objects.get()
    surveys.tick()
    assert _survey_mails(smtp_sink) == []  # not due yet
    _due(survey)
    surveys.tick()
    surveys.tick()
    assert len(_survey_mails(smtp_sink)) == 1
    mail = _survey_mails(smtp_sink)[0]
    assert mail["To"] == "ana@cliente.ec"
    body = mail.get_body().get_content()
    link = re.search(r"http://\S+/service/surveys/answer/(\S+)/\?csat=2", body)
    assert link is not None
    page = Client().get(f"/service/surveys/answer/{link[1]}/?csat=2")
    assert page.status_code == 200 and b'value="2" checked' in page.content
    assert Survey.objects.get(pk=survey.pk).status == Survey.Status.EMAILED


def test_a_refused_delivery_stays_due_for_the_next_pass(settings):
    from tests.service.mail_fixtures import free_port

    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", free_port()  # nobody listens
    _resolved_case()
    survey = Survey.objects.get()
    _due(survey)
    assert surveys.send_due_emails() == 0
    again = Survey.objects.get(pk=survey.pk)
    assert again.emailed_at is None and "mail refused" in again.note


def test_a_happy_answer_lands_on_the_timeline_and_opens_nothing():
    case = _resolved_case()
    survey = Survey.objects.get()
    surveys.answer(survey.pk, Answer(csat=5, nps=10, comment="Excelente"))
    step = Interaction.objects.get(customer_id=case.customer_id, kind="survey")
    assert "CSAT 5/5" in step.summary and "NPS 10/10" in step.summary
    assert Case.objects.count() == 1


@pytest.mark.parametrize(("csat", "nps"), [(2, 9), (5, 6), (1, None), (None, 0)])
def test_an_unhappy_answer_opens_a_follow_up_case(csat, nps):
    case = _resolved_case()
    survey = surveys.answer(Survey.objects.get().pk, Answer(csat=csat, nps=nps, comment="Mal"))
    follow = Case.objects.get(pk=survey.follow_up_case_id)
    assert follow.customer_id == case.customer_id and follow.category == "complaint"
    assert case.number in follow.subject and follow.product_sku == "ROUTER-1"


def test_a_second_answer_is_refused_and_the_first_kept():
    _resolved_case()
    survey = Survey.objects.get()
    token = surveys.token(survey)
    first = Client().post(f"/service/surveys/answer/{token}/", {"csat": "4", "nps": "8"})
    assert first.status_code == 200
    second = Client().post(f"/service/surveys/answer/{token}/", {"csat": "1", "nps": "0"})
    assert second.status_code == 409
    kept = Survey.objects.get(pk=survey.pk)
    assert (kept.csat, kept.nps, kept.follow_up_case_id) == (4, 8, None)
    with pytest.raises(SurveyAnswered):
        surveys.answer(survey.pk, Answer(csat=1, nps=None))


def test_a_forged_or_altered_link_answers_404_and_writes_nothing():
    _resolved_case()
    survey = Survey.objects.get()
    token = surveys.token(survey)
    assert Client().post(f"/service/surveys/answer/{token}x/", {"csat": "1"}).status_code == 404
    assert Client().get("/service/surveys/answer/nada/").status_code == 404
    assert Survey.objects.get(pk=survey.pk).answered_at is None


@settings(max_examples=30, deadline=None)
@given(
    csat=st.one_of(st.none(), st.integers(-5, 12)),
    nps=st.one_of(st.none(), st.integers(-5, 15)),
)
def test_scores_out_of_range_are_refused_by_name(csat, nps):
    survey, _made = Survey.objects.get_or_create(
        origin="case-hyp", defaults={"customer_id": 1, "created_at": timezone.now()}
    )
    valid = (csat is None or 1 <= csat <= 5) and (nps is None or 0 <= nps <= 10)
    valid = valid and not (csat is None and nps is None)
    if valid:
        surveys._check(Answer(csat=csat, nps=nps))
        return
    with pytest.raises(SurveyRefused) as refused:
        surveys.answer(survey.pk, Answer(csat=csat, nps=nps))
    assert refused.value.field in ("csat", "nps")
    assert Survey.objects.get(pk=survey.pk).answered_at is None


def test_without_a_call_list_the_phone_survey_is_marked_not_retried():
    _resolved_case()
    survey = Survey.objects.get()
    Survey.objects.filter(pk=survey.pk).update(phone_due_at=timezone.now())
    assert surveys.list_due_calls() == 0
    marked = Survey.objects.get(pk=survey.pk)
    assert "not listed" in marked.note and marked.phone_due_at is None


def test_unanswered_surveys_go_on_the_dialers_call_list_once():
    setup.save_skill("encuestas")
    setup.save_queue("encuestas", "Encuestas", "encuestas")
    dialer.create_list("encuesta-48h", "encuestas", "preview", ACTOR, purpose="surveys")
    case = _resolved_case()
    answered = _resolved_case("otro@cliente.ec")
    gone = Survey.objects.create(origin="case-gone", customer_id=999_999, created_at=timezone.now())
    Survey.objects.update(phone_due_at=timezone.now())
    surveys.answer(Survey.objects.get(case_id=answered.pk).pk, Answer(csat=5, nps=9))
    assert surveys.list_due_calls() == 1
    assert surveys.list_due_calls() == 0
    entries = CallListEntry.objects.filter(call_list=CallList.objects.get(name="encuesta-48h"))
    assert [e.customer_id for e in entries] == [case.customer_id]
    assert Survey.objects.get(pk=gone.pk).note == "customer gone"  # set aside, not blocking


def test_the_root_cause_report_groups_by_category_and_product_and_exports_csv():
    for n, (sku, csat) in enumerate([("ROUTER-1", 1), ("ROUTER-1", 2), ("=CMD()", 5)]):
        case = _resolved_case(f"c{n}@cliente.ec", sku=sku)
        surveys.answer(Survey.objects.get(case_id=case.pk).pk, Answer(csat=csat, nps=None))
    rows = reads.root_causes()
    assert (rows[0].product_sku, rows[0].answered, rows[0].unhappy) == ("ROUTER-1", 2, 2)
    assert rows[0].csat_avg == 1.5
    text = reads.root_causes_csv(rows)
    assert "'=CMD()" in text  # a formula cell is defused
    boss = User.objects.create_user("jefa", password="x-Secret-9")
    boss.groups.add(Group.objects.get_or_create(name="supervisor")[0])
    browser = Client()
    browser.force_login(boss)
    page = browser.get("/service/surveys/report/?format=csv")
    assert page.status_code == 200 and page["Content-Type"].startswith("text/csv")
    assert b"ROUTER-1" in page.content


def test_an_agent_records_the_phone_answer_once_through_the_api(token_client):
    _resolved_case()
    survey = Survey.objects.get()
    agent = token_client("agent", scopes=("service:handle",))
    url = f"/api/v1/service/surveys/{survey.pk}/phone-answer"
    first = agent.post(url, {"csat": 3, "nps": 7}, content_type="application/json")
    assert first.status_code == 200 and first.json()["status"] == "answered"
    second = agent.post(url, {"csat": 1}, content_type="application/json")
    assert second.status_code == 409
    assert agent.post(url, {"csat": 9}, content_type="application/json").status_code == 422
    kept = Survey.objects.get(pk=survey.pk)
    assert (kept.csat, kept.nps, kept.answered_by) == (3, 7, "phone")
    assert agent.get("/api/v1/service/surveys/report").status_code == 403
    boss = token_client("supervisor", scopes=("service:supervise",))
    rows = boss.get("/api/v1/service/surveys/report").json()
    assert rows[0]["category"] == "post_sale" and rows[0]["answered"] == 1
    assert agent.get("/api/v1/service/surveys/999999").status_code == 404


def test_the_shell_sends_what_is_due_and_writes_the_report(smtp_sink, tmp_path):
    from typer.testing import CliRunner

    from lealtad.service.cli import app

    case = _resolved_case()
    _due(Survey.objects.get())
    runner = CliRunner()
    sent = runner.invoke(app, ["surveys", "send-due"])
    assert sent.exit_code == 0 and "1 mailed" in sent.output
    assert len(_survey_mails(smtp_sink)) == 1
    surveys.answer(Survey.objects.get(case_id=case.pk).pk, Answer(csat=2, nps=3))
    out = tmp_path / "report.csv"
    assert runner.invoke(app, ["surveys", "report", "--out", str(out)]).exit_code == 0
    assert out.read_text().splitlines()[1].startswith("post_sale,service_problem,ROUTER-1,1,1")


def _mailed_language(sink) -> str:
    body = _survey_mails(sink)[0].get_body().get_content()
    return "en" if "How did we do?" in body else "es"


@pytest.mark.parametrize("consent", [None, False])
def test_without_an_email_consent_for_surveys_no_mail_goes_and_the_survey_says_why(
    smtp_sink, consent
):
    _resolved_case(consent=consent)
    survey = Survey.objects.get()
    _due(survey)
    assert surveys.send_due_emails() == 0
    assert _survey_mails(smtp_sink) == []
    skipped = Survey.objects.get(pk=survey.pk)
    assert skipped.status == Survey.Status.SKIPPED and skipped.email_due_at is None
    reason = "refused e-mail for surveys" if consent is False else "no consent to e-mail"
    assert reason in skipped.note and skipped.emailed_at is None
    assert skipped.phone_due_at is not None  # the dialer still may call (it asks phone consent)
    surveys.tick()
    assert _survey_mails(smtp_sink) == []


def test_a_consent_for_another_purpose_or_channel_does_not_count(smtp_sink):
    case = _resolved_case(consent=None)
    _consent(case.customer_id, channel="sms")
    ctx = customer_services.ChangeContext(actor=ACTOR, channel="test")
    marketing = ConsentIn(
        channel="email", purpose="marketing", granted=True, proof="signed_form", proof_reference="F"
    )
    customer_services.record_consent(Customer.objects.get(pk=case.customer_id), marketing, ctx)
    _due(Survey.objects.get())
    assert surveys.send_due_emails() == 0
    assert Survey.objects.get().status == Survey.Status.SKIPPED


def test_a_consent_withdrawn_after_scheduling_stops_the_mail(smtp_sink):
    case = _resolved_case()
    _consent(case.customer_id, granted=False)
    _due(Survey.objects.get())
    surveys.send_due_emails()
    assert _survey_mails(smtp_sink) == []
    assert "refused" in Survey.objects.get().note


def test_one_customer_without_consent_does_not_hold_back_the_others(smtp_sink):
    _resolved_case("sin@cliente.ec", consent=None)
    _resolved_case("con@cliente.ec")
    for survey in Survey.objects.all():
        _due(survey)
    assert surveys.send_due_emails() == 1
    assert [m["To"] for m in _survey_mails(smtp_sink)] == ["con@cliente.ec"]
    statuses = sorted(Survey.objects.values_list("status", flat=True))
    assert statuses == [Survey.Status.EMAILED, Survey.Status.SKIPPED]


@pytest.mark.parametrize(
    ("stored", "expected"),
    [("en", "en"), ("es", "es"), ("es-EC", "es"), ("EN", "en"), ("qu", "es")],
)
def test_the_mail_is_written_in_the_customers_language(smtp_sink, stored, expected):
    case = _resolved_case()
    Customer.objects.filter(pk=case.customer_id).update(language=stored)
    survey = Survey.objects.get()
    _due(survey)
    assert surveys.send_due_emails() == 1
    assert _mailed_language(smtp_sink) == expected
    mail = _survey_mails(smtp_sink)[0]
    spanish = "¿Cómo lo hicimos?" if expected == "es" else "How did we do?"
    assert mail["Subject"] == spanish
    assert Survey.objects.get(pk=survey.pk).language == expected
