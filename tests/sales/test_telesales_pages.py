"""The telesales and scoring pages: a manager builds a call list from a segment and sees who
was left out; a seller sees the lists but no form; a lead's score shows its factors in words;
the report shows the month's Brier score."""

from __future__ import annotations

import pytest
from django.test import Client

from lealtad.contactcenter.services import setup
from lealtad.sales.services import scoring
from tests.sales.screens_data import PASSWORD, seller
from tests.sales.test_scoring import history, make_leads
from tests.sales.test_telesales import customer, segment_of

pytestmark = pytest.mark.django_db(transaction=True)


def signed_in(role: str) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    user = seller(f"u-{role}", role)
    assert client.login(username=user.username, password=PASSWORD)
    return client


def test_a_manager_builds_a_list_from_a_segment_on_the_page():
    setup.save_skill("general", "General")
    setup.save_queue("ventas", "Ventas", "general")
    sid = segment_of([customer(1), customer(2, consent=False)])
    manager = signed_in("sales_manager")
    form = {"name": "navidad", "queue": "ventas", "source": "segment", "segment": str(sid)}
    page = manager.post("/sales/telesales/", form)
    text = page.content.decode()
    assert page.status_code == 200, text
    assert "List navidad: 1 customers handed to the dialer." in text
    assert "refused calls: 1" in text and "not called yet: 1" in text
    again = manager.post("/sales/telesales/", form)
    assert again.status_code == 422 and "There is a telesales list navidad already." in (
        again.content.decode()
    )
    rep = signed_in("sales_rep")
    shown = rep.get("/sales/telesales/").content.decode()
    assert "navidad" in shown and "Hand to the dialer" not in shown
    assert rep.post("/sales/telesales/", form).status_code == 403


def test_a_leads_score_and_the_report_in_words(pipeline):
    scoring.forget_model()
    history()
    [lead] = make_leads(1, 80_000, company_name="Textiles Huamán")
    scoring.score_open_leads([lead.pk])
    rep = signed_in("sales_rep")
    page = rep.get(f"/sales/leads/{lead.pk}/score/").content.decode()
    assert "Company named" in page and "raises the chance" in page and "yes" in page
    report = rep.get("/sales/scoring/").content.decode()
    assert "Brier score" in report and "300" in report
