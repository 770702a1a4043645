"""Call lists: built from a CSV of customer ids or a segment of the customers' standing,
started and paused, and refusals that name the field or row and write nothing."""

from __future__ import annotations

from datetime import date

import pytest
from django.utils import timezone

from lealtad.contactcenter.errors import CenterRefused, NotThere, WrongState
from lealtad.contactcenter.models import CallList, CallListEntry, DoNotCallNumber
from lealtad.contactcenter.services import dialer
from lealtad.customers.services.standing import record_standings

from .conftest import ACTOR


def stand(customer_id: int, tier: str, stage: str, band: str) -> None:
    row = [customer_id, tier, stage, date(2026, 1, 1), 3, 3, 3, 100.0, 5.0, 10.0]
    row += [1.0, 50.0, 0.9, 0.5, band, "[]", 3, date(2026, 11, 1), None]
    record_standings([row], run_id=None, computed_at=timezone.now(), actor=ACTOR)


@pytest.fixture
def campaign(center):
    return dialer.create_list("winback", "general", "predictive", ACTOR, label="Win back")


def test_a_list_from_a_csv_of_customer_ids(campaign, make_customer):
    a, b = make_customer(), make_customer()
    added = dialer.add_from_csv(
        "winback", f"customer_id,name\n{a.pk},A\n{b.pk},B\n{a.pk},A\n", ACTOR
    )
    assert added == 2
    assert sorted(campaign.entries.values_list("customer_id", flat=True)) == sorted([a.pk, b.pk])
    again = dialer.add_from_csv("winback", f"customer_id\n{a.pk}\n", ACTOR)
    assert again == 0  # already on the list


@pytest.mark.parametrize(
    ("text", "field"),
    [
        ("id\n1\n", "csv"),
        ("customer_id\n{a}\nabc\n", "row 3"),
        ("customer_id\n{a}\n-4\n", "row 3"),
        ("customer_id\n{a}\n999999\n", "row 3"),
    ],
)
def test_a_bad_csv_names_its_row_and_adds_nothing(campaign, make_customer, text, field):
    a = make_customer()
    with pytest.raises((CenterRefused, NotThere)) as refused:
        dialer.add_from_csv("winback", text.format(a=a.pk), ACTOR)
    assert refused.value.field == field
    assert CallListEntry.objects.count() == 0


def test_a_list_from_a_segment_of_tier_stage_and_churn_band(campaign, make_customer):
    loyal_high = make_customer()
    lapsing_high = make_customer()
    lapsing_low = make_customer()
    make_customer()  # no standing yet: in no segment
    stand(loyal_high.pk, "mvc", "loyal", "high")
    stand(lapsing_high.pk, "mvc", "lapsing", "high")
    stand(lapsing_low.pk, "regular", "lapsing", "low")
    added = dialer.add_from_segment("winback", ACTOR, stages=["lapsing"], churn_bands=["high"])
    assert added == 1
    assert list(campaign.entries.values_list("customer_id", flat=True)) == [lapsing_high.pk]
    assert dialer.add_from_segment("winback", ACTOR, tiers=["mvc"]) == 1
    campaign.refresh_from_db()
    assert campaign.criteria["segment"] == {"tiers": ["mvc"], "stages": [], "churn_bands": []}


def test_a_segment_names_what_it_does_not_know(campaign):
    with pytest.raises(CenterRefused) as refused:
        dialer.add_from_segment("winback", ACTOR, tiers=["gold"])
    assert refused.value.field == "tiers"
    with pytest.raises(CenterRefused) as refused:
        dialer.add_from_segment("winback", ACTOR)
    assert refused.value.field == "tiers"


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"mode": "robocall"}, "mode"),
        ({"purpose": "spam"}, "purpose"),
        ({"abandon_cap": 0.2}, "abandon_cap"),
        ({"max_attempts": 0}, "max_attempts"),
        ({"hours": {"monday": "9-5"}}, "hours.monday"),
        ({"default_time_zone": "Mars/Olympus"}, "default_time_zone"),
        ({"queue": "nowhere"}, "queue"),
    ],
)
def test_bad_list_settings_name_their_field(center, kwargs, field):
    args = {"name": "x", "queue": "general", "mode": "progressive", **kwargs}
    with pytest.raises((CenterRefused, NotThere)) as refused:
        dialer.create_list(args.pop("name"), args.pop("queue"), args.pop("mode"), ACTOR, **args)
    assert refused.value.field == field
    assert not CallList.objects.exists()


def test_a_name_is_taken_once(campaign):
    with pytest.raises(WrongState):
        dialer.create_list("winback", "general", "preview", ACTOR)


def test_start_pause_finish(campaign):
    assert dialer.move_list("winback", "start", ACTOR).status == "running"
    assert dialer.move_list("winback", "start", ACTOR).status == "running"  # a repeat
    assert dialer.move_list("winback", "pause", ACTOR).status == "paused"
    assert dialer.move_list("winback", "finish", ACTOR).status == "finished"
    with pytest.raises(WrongState):
        dialer.move_list("winback", "start", ACTOR)
    with pytest.raises(WrongState):
        dialer.add_from_csv("winback", "customer_id\n1\n", ACTOR)


def test_do_not_call_numbers_normalized_once(db):
    assert (
        dialer.add_do_not_call(["099 375 7370", "+593993757370", "022634567"], "registry", ACTOR)
        == 2
    )
    assert set(DoNotCallNumber.objects.values_list("e164", flat=True)) == {
        "+593993757370",
        "+59322634567",
    }
    with pytest.raises(CenterRefused) as refused:
        dialer.add_do_not_call(["0991234567", "call me"], "registry", ACTOR)
    assert refused.value.field == "numbers[1]"
    assert DoNotCallNumber.objects.count() == 2


def test_a_spreadsheets_csv_with_a_bom_and_many_rows(campaign, make_customer):
    a, b = make_customer(), make_customer()
    rows = "".join(f"{a.pk}\n{b.pk}\n" for _ in range(6000))  # 12,000 rows, asked in chunks
    assert dialer.add_from_csv("winback", "\ufeff Customer_ID \n" + rows, ACTOR) == 2
