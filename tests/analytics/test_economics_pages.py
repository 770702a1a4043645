"""The channel-economics pages: the figures a manager reads, the costs and the maturity
questionnaire they enter, and what a refused entry looks like."""

from __future__ import annotations

import re

import pytest

from lealtad.analytics.models import AcquisitionCost, MaturityAssessment
from lealtad.olap import maturity
from tests.analytics.economics_fixtures import shop_facts, signed_in

pytestmark = pytest.mark.django_db
PAGES = ("/analytics/economics/", "/analytics/economics/costs/", "/analytics/economics/maturity/")


def cost_form(**over: str) -> dict[str, str]:
    form = {
        "period_start": "2024-01-01",
        "period_end": "2024-01-31",
        "channel": "web",
        "segment": "",
        "campaign": "Enero",
        "amount": "200",
        "currency": "usd",
    }
    return {**form, **over}


@pytest.mark.parametrize("role", ["store_clerk", "agent", "technician"])
def test_roles_without_analytics_get_403(role: str) -> None:
    client = signed_in(role)
    for path in PAGES:
        assert client.get(path).status_code == 403, path
    assert client.post(PAGES[1], cost_form()).status_code == 403


def test_the_overview_shows_the_curve_the_best_channel_and_the_cohorts() -> None:
    shop_facts()
    html = signed_in("marketer").get(PAGES[0]).content.decode()
    row = re.search(r'<tr data-year="2024" data-channels="2">.*?</tr>', html, re.S).group(0)
    assert "150.00" in row or "150,00" in row
    best = re.search(r'<tr id="best-high">.*?</tr>', html, re.S).group(0)
    assert "pos" not in best.split('class="channel">')[1].split("<")[0]  # pos not matured
    assert "no cost entered" in best
    assert 'class="cell heat-9">100%' in html and "heat-none" in html


def test_the_overview_with_no_sales_says_so() -> None:
    html = signed_in("manager").get(PAGES[0]).content.decode()
    assert html.count("No sales yet.") == 4


def test_a_marketer_sees_the_costs_but_no_form() -> None:
    html = signed_in("marketer").get(PAGES[1]).content.decode()
    assert 'id="cost-list"' in html and 'id="cost-form"' not in html
    assert signed_in("marketer", "m2").post(PAGES[1], cost_form()).status_code == 403
    assert not AcquisitionCost.objects.exists()


def test_a_manager_enters_a_cost_and_reads_its_cac() -> None:
    shop_facts()
    client = signed_in("manager")
    answer = client.post(PAGES[1], cost_form(), follow=True)
    assert answer.status_code == 200
    html = answer.content.decode()
    assert "Acquisition cost recorded." in html
    made = AcquisitionCost.objects.get()
    assert made.currency == "USD" and made.entered_by.username == "manager"
    row = re.search(rf'<tr id="cost-{made.pk}">.*?</tr>', html, re.S).group(0)
    assert re.search(r'class="num acquired">2<', row) and re.search(r"100[.,]00", row)
    answer = client.post(f"/analytics/economics/costs/{made.pk}/withdraw/", follow=True)
    assert "Acquisition cost withdrawn." in answer.content.decode()
    made.refresh_from_db()
    assert made.withdrawn_at is not None
    answer = client.post(f"/analytics/economics/costs/{made.pk}/withdraw/", follow=True)
    assert "Not withdrawn" in answer.content.decode()


@pytest.mark.parametrize(
    ("change", "field", "words", "status"),
    [
        ({"period_end": "2023-12-01"}, "period_end", "cannot end before it starts", 409),
        ({"amount": "-1"}, "amount", "cannot be negative", 422),
        ({"amount": "mucho"}, "amount", "must be a number", 422),
        ({"channel": "telepathy"}, "channel", "Unknown channel", 404),
        ({"period_start": "31/01/2024"}, "period_start", "YYYY-MM-DD", 422),
    ],
)
def test_a_refused_cost_is_shown_beside_its_field_and_kept_in_the_form(
    change: dict[str, str], field: str, words: str, status: int
) -> None:
    answer = signed_in("manager").post(PAGES[1], cost_form(campaign="Mi campaña", **change))
    assert answer.status_code == status
    html = answer.content.decode()
    box = re.search(rf'<div class="field has-error"><label for="{field}">.*?</div>', html, re.S)
    assert box and words in box.group(0)
    assert 'value="Mi campaña"' in html  # what was typed stays
    assert not AcquisitionCost.objects.exists()


def test_the_questionnaire_is_recorded_and_shown_beside_the_evidence() -> None:
    shop_facts()
    client = signed_in("manager")
    html = client.get(PAGES[2]).content.decode()
    assert "Nobody has answered the questionnaire yet." in html
    assert html.count('type="radio"') == 5 * len(maturity.QUESTIONS)
    form = {q: "1" for q in maturity.QUESTIONS} | {"note": "first pass"}
    answer = client.post(PAGES[2], form, follow=True)
    assert "Maturity assessment recorded." in answer.content.decode()
    made = MaturityAssessment.objects.get()
    assert made.stage == 0 and made.answers["unified_view"] == 1 and made.note == "first pass"
    html = answer.content.decode()
    assert 'id="disagreements"' in html and "than the answers say" in html


def test_a_skipped_question_is_named_and_nothing_is_recorded() -> None:
    client = signed_in("manager")
    form = {q: "4" for q in maturity.QUESTIONS}
    del form["unified_view"]
    answer = client.post(PAGES[2], form)
    assert answer.status_code == 422
    html = answer.content.decode()
    box = re.search(r'<div class="field has-error" id="q-unified_view">.*?</div>', html, re.S)
    assert box and "Answer every question" in box.group(0)
    assert 'name="web_presence" value="4" checked' in html  # the answers given stay
    assert not MaturityAssessment.objects.exists()
