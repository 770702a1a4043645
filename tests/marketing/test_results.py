"""A campaign's results (sending, responses, money, lift with its interval) and the campaign
calendar, as figures, over the API (JSON and CSV) and as pages."""

from __future__ import annotations

import csv
import io
from datetime import datetime
from decimal import Decimal

import pytest
from django.test import Client
from django.utils import timezone

from lealtad.marketing.models import Bounce, Click, Conversion, Unsubscribe
from lealtad.marketing.selectors import results
from lealtad.marketing.selectors.calendar import month, parse_month
from lealtad.marketing_engine.lift import newcombe
from tests.marketing.response_data import campaign, message

pytestmark = pytest.mark.django_db


def _convert(camp, customer_id: int, order: str, revenue: str, control: bool = False, back="0"):
    Conversion.objects.create(
        campaign=camp, customer_id=customer_id, order=order, revenue=Decimal(revenue),
        returned=Decimal(back), is_control=control, at=timezone.now(),
    )  # fmt: skip


@pytest.fixture
def camp():
    """100 treated (customers 1..100; 98 sent, 2 skipped) and 50 held out (101..150):
    10 treated and 2 control customers bought."""
    made = campaign("Navidad", unit_costs={"email": "0.50"}, fixed_cost=Decimal("20.00"))
    sent = [message(made, i, f"c{i}@x.ec") for i in range(1, 99)]
    for i in (99, 100):
        message(made, i, f"c{i}@x.ec", status="skipped")
    for i in range(101, 151):
        message(made, i, is_control=True)
    sent[0].status = "bounced"
    sent[0].save()
    Bounce.objects.create(
        external_id="b1", message=sent[0], campaign_id=made.pk, customer_id=1,
        address="c1@x.ec", kind="hard", source="webhook", at=timezone.now(),
    )  # fmt: skip
    Bounce.objects.create(
        external_id="b2", campaign_id=made.pk, address="c2@x.ec", kind="complaint",
        source="webhook", at=timezone.now(),
    )  # fmt: skip
    for m in sent[1:4]:
        Click.objects.create(message=m, campaign_id=made.pk, customer_id=m.customer_id,
                             target="https://t.ec", first=True, at=timezone.now())  # fmt: skip
    Click.objects.create(message=sent[1], campaign_id=made.pk, customer_id=2,
                         target="https://t.ec", first=False, at=timezone.now())  # fmt: skip
    Unsubscribe.objects.create(message=sent[5], campaign_id=made.pk, customer_id=6,
                               channel="email", method="x", at=timezone.now())  # fmt: skip
    for i in range(2, 12):
        _convert(made, i, f"P{i}", "50.00", back="10.00" if i == 2 else "0")
    _convert(made, 3, "P3b", "25.00")  # a second order of the same customer
    _convert(made, 101, "C1", "40.00", control=True)
    _convert(made, 102, "C2", "20.00", control=True)
    return made


def test_results_figures(camp):
    r = results.results(camp.pk)
    assert (r.audience, r.treated, r.control) == (150, 100, 50)
    assert (r.sent, r.bounced, r.delivered) == (98, 1, 97)
    assert (r.clicks, r.unique_clicks, r.complaints, r.unsubscribed) == (4, 3, 1, 1)
    assert (r.converted, r.control_converted) == (10, 2)
    assert r.revenue == Decimal("515.00")  # 10 x 50 + 25 - 10 returned
    assert r.control_revenue == Decimal("60.00")
    assert r.cost == Decimal("69.00")  # 20 + 98 x 0.50
    assert r.roi == pytest.approx((515 - 69) / 69)
    assert r.incremental_revenue == Decimal("395.00")  # 515 - 60 / 50 x 100
    assert r.conversion.treated_rate == pytest.approx(0.10)
    assert r.conversion.control_rate == pytest.approx(0.04)
    low, high = newcombe(10, 100, 2, 50)
    assert (r.conversion.ci_low, r.conversion.ci_high) == pytest.approx((low, high))
    assert r.revenue_per_recipient.treated_mean == pytest.approx(5.15)
    assert r.revenue_per_recipient.control_mean == pytest.approx(1.2)
    assert r.revenue_per_recipient.ci_low is not None


def test_a_campaign_without_control_gives_no_lift_and_says_why():
    made = campaign("Sin control", control_share=0)
    message(made, 1, "a@x.ec")
    r = results.results(made.pk)
    assert r.conversion.ci_low is None and r.conversion.note == "no control group"
    assert r.incremental_revenue is None
    assert results.results(987654) is None


def test_results_api_json_csv_and_refusals(camp, token_client):
    reader = token_client("supervisor", ("marketing:read",))
    url = f"/api/v1/marketing/campaigns/{camp.pk}/results"
    body = reader.get(url).json()
    assert body["sent"] == 98 and body["conversion"]["significant"] is False
    assert body["revenue"] == "515.00" or float(body["revenue"]) == 515.0
    sheet = reader.get(url + "?format=csv")
    assert sheet["Content-Type"].startswith("text/csv")
    rows = dict(csv.reader(io.StringIO(sheet.content.decode())))
    assert rows["unique_clicks"] == "3" and rows["conversion_control_rate"] == "0.04"
    assert reader.get("/api/v1/marketing/campaigns/987654/results").status_code == 404
    nobody = token_client("agent", ("customers:read",))
    assert nobody.get(url).status_code == 403


def test_a_campaign_name_is_not_a_formula_in_the_csv():
    made = campaign('=HYPERLINK("http://evil")')
    text = results.as_csv(results.results(made.pk))
    assert "'=HYPERLINK" in text


def test_the_results_page(camp, make_user):
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(make_user("marketer"))
    page = client.get(f"/marketing/campaigns/{camp.pk}/results/")
    text = page.content.decode()
    assert page.status_code == 200
    assert 'id="sent">98<' in text and 'id="unique-clicks">3<' in text
    assert "Lift 6.0 points" in text
    assert 'id="not-significant"' in text
    sheet = client.get(f"/marketing/campaigns/{camp.pk}/results.csv")
    assert sheet.status_code == 200 and b"revenue,515.00" in sheet.content
    assert client.get("/marketing/campaigns/987654/results/").status_code == 404
    agent = Client()
    agent.force_login(make_user("agent"))
    assert agent.get(f"/marketing/campaigns/{camp.pk}/results/").status_code == 403


def _at(day: str) -> datetime:
    return timezone.make_aware(datetime.fromisoformat(day))


def test_the_month_holds_campaigns_on_the_days_they_run():
    campaign("Navidad", starts_at=_at("2026-12-20T09:00"), ends_at=_at("2027-01-06T20:00"))
    campaign("Black Friday", starts_at=_at("2026-11-27T00:00"), ends_at=_at("2026-11-30T23:00"))
    campaign("Fin de año", starts_at=_at("2026-12-31T10:00"), status="scheduled")
    campaign("Borrador", starts_at=None, status="draft").__class__.objects.filter(
        name="Borrador"
    ).update(starts_at=None)
    december = month(2026, 12)
    assert [c.name for c in december.campaigns] == ["Navidad", "Fin de año"]
    days = {
        d["date"].isoformat(): [c.name for c in d["campaigns"]] for w in december.weeks for d in w
    }
    assert days["2026-12-19"] == []
    assert days["2026-12-20"] == ["Navidad"]
    assert days["2026-12-31"] == ["Navidad", "Fin de año"]
    assert days["2027-01-03"] == ["Navidad"]  # the grid's last week runs into January
    assert all(len(w) == 7 for w in december.weeks) and december.weeks[0][0]["date"].weekday() == 0
    assert (december.previous, december.next) == ("2026-11", "2027-01")
    assert [c["name"] for c in december.unscheduled] == ["Borrador"]
    assert [c.name for c in month(2026, 11).campaigns] == ["Black Friday"]


@pytest.mark.parametrize("bad", ["2026-13", "dic-2026", "2026", "0-1"])
def test_a_bad_month_is_refused(bad):
    with pytest.raises(ValueError, match="month"):
        parse_month(bad)


def test_calendar_api_and_page(token_client, make_user):
    campaign("Navidad", starts_at=_at("2026-12-20T09:00"), ends_at=_at("2026-12-26T20:00"))
    reader = token_client("supervisor", ("marketing:read",))
    body = reader.get("/api/v1/marketing/calendar?month=2026-12").json()
    assert body["month"] == "2026-12" and body["next"] == "2027-01"
    assert [(c["name"], c["first_day"], c["last_day"]) for c in body["campaigns"]] == [
        ("Navidad", "2026-12-20", "2026-12-26")
    ]
    assert reader.get("/api/v1/marketing/calendar?month=2026-13").status_code == 422
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(make_user("marketer"))
    page = client.get("/marketing/calendar/?month=2026-12")
    text = page.content.decode()
    assert page.status_code == 200
    assert "December 2026" in text and "status-running" in text
    assert 'href="?month=2026-11"' in text and 'href="?month=2027-01"' in text
    assert client.get("/marketing/calendar/?month=nope").status_code == 422
    assert 'id="marketing-nav"' in text and "/marketing/calendar/" in text
    default = client.get("/marketing/calendar/")
    assert timezone.localdate().strftime("%Y-%m") in default.content.decode()
