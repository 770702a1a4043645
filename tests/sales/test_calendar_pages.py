"""The week calendar of a seller and a team, the iCalendar feed at its secret address (read
back with the icalendar parser, reminders included), and the field check-in on the phone."""

from __future__ import annotations

from datetime import timedelta

import icalendar
import pytest
from django.utils import timezone

from lealtad.sales.models import Activity
from lealtad.sales.views_calendar import feed_token

from .screens_data import PASSWORD, activity, at, seller, team

pytestmark = pytest.mark.django_db


@pytest.fixture
def rep(db: object):
    return seller("lucia.ventas")


@pytest.fixture
def signed_in(client, rep):
    assert client.login(username=rep.username, password=PASSWORD)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


def test_week_shows_own_activities_on_their_local_day(signed_in, rep) -> None:
    today = timezone.localdate()
    monday = today - timedelta(days=today.weekday())
    activity(rep, "Visita Farmacias Fybeca", at(monday, 23, 30))  # 04:30 UTC the next day
    activity(seller("pedro.ventas"), "Someone else's call", at(monday, 10))
    body = signed_in.get(f"/sales/calendar/?week={monday:%Y-%m-%d}").content.decode()
    first_day = body.split('class="day')[1]
    assert "Visita Farmacias Fybeca" in first_day and "23:30" in first_day
    assert "Someone else" not in body


def test_team_week_shows_every_member(signed_in, rep) -> None:
    other = seller("pedro.ventas")
    squad = team("sierra", rep, other)
    today = timezone.localdate()
    activity(other, "Demo Banco Guayaquil", at(today, 9))
    body = signed_in.get(f"/sales/calendar/?team={squad.pk}").content.decode()
    assert "Demo Banco Guayaquil" in body and "pedro.ventas" in body


def test_feed_is_readable_with_reminders_and_refuses_a_wrong_token(client, rep) -> None:
    today = timezone.localdate()
    activity(rep, "Reunión con Núñez", at(today + timedelta(days=1), 15), notes="Llevar catálogo")
    done = activity(rep, "Hecha", at(today, 8))
    Activity.objects.filter(pk=done.pk).update(done_at=timezone.now())
    answer = client.get(f"/sales/calendar/feed/{rep.pk}/{feed_token(rep)}.ics")
    assert answer["Content-Type"].startswith("text/calendar")
    calendar = icalendar.Calendar.from_ical(answer.content)
    events = {str(e["summary"]): e for e in calendar.walk("VEVENT")}
    assert set(events) == {"Reunión con Núñez", "Hecha"}
    meeting = events["Reunión con Núñez"]
    assert meeting.decoded("dtstart") == at(today + timedelta(days=1), 15)
    [alarm] = meeting.walk("VALARM")
    assert alarm.decoded("trigger") == timedelta(minutes=-15)
    assert not events["Hecha"].walk("VALARM")  # nothing to remind of what is done
    assert client.get(f"/sales/calendar/feed/{rep.pk}/{'0' * 40}.ics").status_code == 404
    old = feed_token(rep)
    rep.set_password("another-long-password-42")
    rep.save()
    assert client.get(f"/sales/calendar/feed/{rep.pk}/{old}.ics").status_code == 404
    assert client.get(f"/sales/calendar/feed/{rep.pk}/{feed_token(rep)}.ics").status_code == 200


def test_calendar_page_gives_the_feed_address(signed_in, rep) -> None:
    body = signed_in.get("/sales/calendar/").content.decode()
    assert f"/sales/calendar/feed/{rep.pk}/{feed_token(rep)}.ics" in body


def test_field_check_in_closes_the_planned_visit(signed_in, rep) -> None:
    visit = activity(rep, "Visita Tía Centro", at(timezone.localdate(), 11))
    page = signed_in.get("/sales/field/").content.decode()
    assert "Visita Tía Centro" in page
    form = {
        "key": "k1",
        "visit": visit.pk,
        "place": "Av. 12 de Octubre N24-593",
        "latitude": "-0.2041",
        "longitude": "-78.4906",
        "notes": "Pidió cotización",
    }
    answer = signed_in.post("/sales/field/check-in/", form, follow=True)
    assert "Checked in." in answer.content.decode()
    visit.refresh_from_db()
    assert visit.done_at is not None
    assert "Av. 12 de Octubre N24-593 (-0.20410,-78.49060)" in visit.notes
    assert "Pidió cotización" in visit.notes
    signed_in.post("/sales/field/check-in/", form)  # a double tap
    visit.refresh_from_db()
    assert visit.notes.count("Pidió cotización") == 1


def test_a_visit_not_on_the_list_is_logged_once(signed_in, rep) -> None:
    form = {"key": "walk-in", "place": "Mall El Jardín", "notes": ""}
    signed_in.post("/sales/field/check-in/", form)
    signed_in.post("/sales/field/check-in/", form)
    [logged] = Activity.objects.filter(owner=rep)
    assert logged.done_at is not None and logged.time_category == "customer_visit"
    assert "Mall El Jardín" in logged.notes


@pytest.mark.parametrize(
    ("place", "lat", "lon", "said"),
    [
        ("", "", "", "Say where you are, or share your position."),
        ("", "95", "10", "The position is outside the map."),
        ("Quito", "norte", "10", "The position is not a number."),
    ],
)
def test_a_check_in_without_a_place_is_refused(signed_in, rep, place, lat, lon, said) -> None:
    form = {"key": "x", "place": place, "latitude": lat, "longitude": lon}
    answer = signed_in.post("/sales/field/check-in/", form, follow=True)
    assert said in answer.content.decode()
    assert not Activity.objects.exists()


def test_check_ins_land_on_the_customers_timeline_and_are_announced(signed_in, rep) -> None:
    from lealtad.core.audit import Actor
    from lealtad.core.models import OutboxMessage
    from lealtad.customers.models import Interaction
    from lealtad.sales.services import field_visits

    from .helpers import known_customer

    cid = known_customer(email="tienda.tia@example.com")
    visit = activity(rep, "Visita Tía Centro", at(timezone.localdate(), 11), customer_id=cid)
    form = {"key": "k2", "visit": visit.pk, "place": "Tía Centro", "notes": "Pidió catálogo"}
    signed_in.post("/sales/field/check-in/", form)
    signed_in.post("/sales/field/check-in/", form)  # a double tap: one line, one announcement
    seller = Actor.for_user(rep)
    walk_in = field_visits.CheckIn(key="walk-2", place="Mall El Jardín", customer_id=cid)
    made = field_visits.check_in([walk_in, walk_in], seller)
    assert made[0].pk == made[1].pk and made[0].subject == "Customer visit"
    lines = Interaction.objects.filter(customer_id=cid, channel="sales").order_by("id")
    assert [line.kind for line in lines] == ["sales_meeting", "sales_meeting"]
    assert "Pidió catálogo" in lines[0].summary and "Mall El Jardín" in lines[1].summary
    logged = OutboxMessage.objects.filter(event_type="activity.logged").order_by("id")
    assert [(m.payload["activity_id"], m.payload["done"]) for m in logged] == [
        (visit.pk, True),
        (made[0].pk, True),
    ]
