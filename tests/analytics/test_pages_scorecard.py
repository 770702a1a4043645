"""The balanced scorecard page and its targets: who may read and set them, what a bad target
does (nothing written, the field named), how the status follows the target; the home page of
managers and marketers."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group, User
from django.test import Client
from hypothesis import given
from hypothesis import strategies as st

from lealtad.analytics.models import ScorecardTarget
from lealtad.analytics.selectors import scorecard as board
from lealtad.analytics.services import scorecard as targets
from lealtad.core.errors import DomainError

pytestmark = pytest.mark.django_db


def user_in(role: str, name: str | None = None) -> User:
    user = User.objects.create_user(name or role, password="x-correct-horse-9")
    user.groups.add(Group.objects.get_or_create(name=role)[0])
    return user


def signed_in(role: str) -> Client:
    client = Client()
    client.force_login(user_in(role))
    return client


@pytest.mark.parametrize("role", ["store_clerk", "agent", "technician"])
def test_roles_without_analytics_get_403(role: str) -> None:
    client = signed_in(role)
    for path in ("/analytics/", "/analytics/scorecard/", "/analytics/customers/1/"):
        assert client.get(path).status_code == 403, path


def test_manager_sets_a_target_and_sees_it_in_force() -> None:
    client = signed_in("manager")
    page = client.get("/analytics/scorecard/?period=2026-Q3")
    assert page.status_code == 200
    html = page.content.decode()
    for perspective in (
        "perspective-financial",
        "perspective-customer",
        "perspective-process",
        "perspective-learning",
    ):
        assert perspective in html
    assert 'id="target-revenue"' in html  # the manager may set targets
    answer = client.post(
        "/analytics/scorecard/?period=2026-Q3",
        {
            "kpi": "returns_rate",
            "period": "2026-Q3",
            "target": "4,5",
            "direction": "lower",
            "amber_within": "20",
        },
    )
    assert answer.status_code == 302 and answer["Location"].endswith("?period=2026-Q3")
    row = ScorecardTarget.objects.get()
    assert (row.kpi, row.period, row.target, row.direction) == (
        "returns_rate",
        "2026-Q3",
        Decimal("4.5"),
        "lower",
    )
    assert row.set_by is not None and row.set_by.username == "manager"
    html = client.get("/analytics/scorecard/?period=2026-Q3").content.decode()
    assert "≤ 4.5 %" in html or "≤ 4,5 %" in html


def test_a_later_target_replaces_the_earlier_one_which_is_kept() -> None:
    targets.set_target("revenue", "2026", "1000")
    targets.set_target("revenue", "2026", "2000")
    assert board.targets_in_force("2026")["revenue"].target == Decimal("2000")
    assert [t.target for t in board.target_history("revenue", "2026")] == [
        Decimal("2000"),
        Decimal("1000"),
    ]


@pytest.mark.parametrize(
    ("post", "field"),
    [
        ({"kpi": "nonsense", "period": "2026", "target": "1"}, "kpi"),
        ({"kpi": "revenue", "period": "2026-13", "target": "1"}, "period"),
        ({"kpi": "revenue", "period": "2026", "target": "lots"}, "target"),
        ({"kpi": "revenue", "period": "2026", "target": "-5"}, "target"),
        ({"kpi": "margin", "period": "2026", "target": "140"}, "target"),
        ({"kpi": "revenue", "period": "2026", "target": "NaN"}, "target"),
        ({"kpi": "revenue", "period": "2026", "target": "1", "direction": "up"}, "direction"),
        (
            {"kpi": "revenue", "period": "2026", "target": "1", "amber_within": "300"},
            "amber_within",
        ),
    ],
)
def test_a_bad_target_is_refused_naming_its_field_and_writes_nothing(
    post: dict, field: str
) -> None:
    client = signed_in("manager")
    answer = client.post("/analytics/scorecard/", post, follow=True)
    assert answer.status_code == 200
    shown = [str(m) for m in answer.context["messages"]]
    assert len(shown) == 1 and shown[0].startswith("Meta no fijada") and field in shown[0]
    assert not ScorecardTarget.objects.exists()


def test_a_marketer_reads_the_scorecard_but_may_not_set_targets() -> None:
    client = signed_in("marketer")
    html = client.get("/analytics/scorecard/").content.decode()
    assert "perspective-financial" in html and 'id="target-revenue"' not in html
    answer = client.post(
        "/analytics/scorecard/", {"kpi": "revenue", "period": "2026", "target": "1"}
    )
    assert answer.status_code == 403
    assert not ScorecardTarget.objects.exists()


def test_a_growth_target_may_be_negative() -> None:
    made = targets.set_target("revenue_growth", "2026", "-3")
    assert made.target == Decimal("-3") and made.direction == "higher"


def test_status_against_target() -> None:
    higher = ScorecardTarget(
        kpi="revenue",
        period="2026",
        target=Decimal(100),
        direction="higher",
        amber_within=Decimal(10),
    )
    lower = ScorecardTarget(
        kpi="returns_rate",
        period="2026",
        target=Decimal(5),
        direction="lower",
        amber_within=Decimal(20),
    )
    assert [board.status(v, higher) for v in (120, 100, 95, 90, 89.9)] == [
        "green",
        "green",
        "amber",
        "amber",
        "red",
    ]
    assert [board.status(v, lower) for v in (3, 5, 6, 6.01)] == ["green", "green", "amber", "red"]
    assert board.status(None, higher) == "none" and board.status(50, None) == "none"


@given(st.integers(2000, 2999), st.integers(1, 12))
def test_periods_tile_the_calendar(year: int, month: int) -> None:
    months = board.parse_period(f"{year}-{month:02d}")
    assert months.start == date(year, month, 1)
    assert months.previous().end == months.start
    quarter = board.parse_period(f"{year}-Q{(month - 1) // 3 + 1}")
    assert quarter.start <= months.start and months.end <= quarter.end
    assert quarter.previous().end == quarter.start
    whole = board.parse_period(str(year))
    assert (whole.start, whole.end) == (date(year, 1, 1), date(year + 1, 1, 1))


@pytest.mark.parametrize("bad", ["", "26", "2026-Q5", "2026-00", "2026-1", "x2026", "1899"])
def test_malformed_periods_are_refused(bad: str) -> None:
    with pytest.raises(DomainError) as refused:
        board.parse_period(bad)
    assert refused.value.field == "period"


@pytest.mark.parametrize(
    ("role", "lands"),
    [
        ("manager", "/analytics/"),
        ("marketer", "/analytics/"),
        ("agent", "/customers/"),
        ("supervisor", "/customers/"),
    ],
)
def test_managers_and_marketers_start_at_the_dashboard(role: str, lands: str) -> None:
    answer = signed_in(role).get("/")
    assert answer.status_code == 302 and answer["Location"] == lands


def test_the_analytics_link_shows_for_those_who_may_see_analytics() -> None:
    assert 'href="/analytics/"' in signed_in("supervisor").get("/customers/").content.decode()
    assert 'href="/analytics/"' not in signed_in("agent").get("/customers/").content.decode()


def test_the_admin_lists_the_targets_history_read_only() -> None:
    from tests.two_factor import verified_login

    boss = User.objects.create_user(
        "jefa", password="x-correct-horse-9", is_staff=True, is_superuser=True
    )
    client = Client()
    verified_login(client, boss)
    made = targets.set_target("revenue", "2026", "1000", user=boss)
    listing = client.get("/admin/analytics/scorecardtarget/")
    assert listing.status_code == 200 and "jefa" in listing.content.decode()
    assert client.get("/admin/analytics/scorecardtarget/add/").status_code == 403
    page = client.get(f"/admin/analytics/scorecardtarget/{made.pk}/change/")
    assert page.status_code == 200 and 'name="target"' not in page.content.decode()


def test_a_refused_period_comes_back_escaped_and_an_old_period_stays_chosen() -> None:
    client = signed_in("manager")
    answer = client.post(
        "/analytics/scorecard/", {"kpi": "revenue", "period": "20&x=1", "target": "1"}
    )
    assert answer.status_code == 302 and answer["Location"].endswith("?period=20%26x%3D1")
    html = client.get("/analytics/scorecard/?period=2019").content.decode()
    assert '<option value="2019" selected>' in html
