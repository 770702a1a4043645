"""The forecast: weighted per rep, team and month to the cent, cumulative categories with
omitted deals nowhere, slipped deals, quota coverage, and the backtest against what closed."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lealtad.sales_engine import forecast as fc
from lealtad.sales_engine.forecast import Category, OpenDeal, Outcome

JAN, FEB, MAR = date(2027, 1, 1), date(2027, 2, 1), date(2027, 3, 1)


def deal(
    id: int,
    amount: str,
    probability: str,
    close: date,
    owner: str = "ana",
    team: str = "quito",
    category: Category = Category.PIPELINE,
) -> OpenDeal:
    return OpenDeal(id, Decimal(amount), Decimal(probability), close, owner, team, category)


DEALS = [
    deal(1, "1000.00", "0.50", date(2027, 1, 20), category=Category.COMMIT),
    deal(2, "333.33", "0.25", date(2027, 1, 5), category=Category.BEST_CASE),
    deal(3, "200.00", "0.10", date(2027, 2, 10), owner="luis", category=Category.PIPELINE),
    deal(4, "500.00", "0.90", date(2027, 1, 31), owner="luis", team="gye"),
    deal(5, "9999.00", "0.90", date(2027, 1, 15), category=Category.OMITTED),
]


def test_weighted_forecast_per_rep_team_and_month_to_the_cent():
    result = fc.forecast(DEALS)
    assert result.by_rep[("ana", JAN)].weighted == Decimal("583.33")  # 500 + 83.3325
    assert result.by_rep[("luis", JAN)].weighted == Decimal("450.00")
    assert result.by_rep[("luis", FEB)].weighted == Decimal("20.00")
    assert result.by_team[("quito", JAN)].weighted == Decimal("583.33")
    assert result.by_team[("gye", JAN)].weighted == Decimal("450.00")
    assert list(result.by_month) == [JAN, FEB]
    assert result.by_month[JAN].count == 3
    assert result.total.weighted == Decimal("1053.33")


def test_categories_are_cumulative_and_omitted_counts_nowhere():
    jan = fc.forecast(DEALS).by_month[JAN]
    assert jan.commit == Decimal("1000.00")
    assert jan.best_case == Decimal("1333.33")
    assert jan.pipeline == Decimal("1833.33")
    assert jan.amount == jan.pipeline


def test_bad_deal_is_named():
    with pytest.raises(ValueError, match=r"probability: 1.5 .*deal 7"):
        fc.forecast([deal(7, "10", "1.5", JAN)])
    with pytest.raises(ValueError, match=r"amount: -10 .*deal 8"):
        fc.forecast([deal(8, "-10", "0.5", JAN)])


MONEY = st.decimals(min_value=0, max_value=10**7, places=2, allow_nan=False)
CHANCE = st.decimals(min_value=0, max_value=1, places=2, allow_nan=False)
DEAL = st.builds(
    OpenDeal,
    id=st.integers(1, 10**6),
    amount=MONEY,
    probability=CHANCE,
    close_date=st.dates(date(2026, 1, 1), date(2028, 12, 31)),
    owner=st.sampled_from(["ana", "luis", "mia"]),
    team=st.sampled_from(["quito", "gye"]),
    category=st.sampled_from(list(Category)),
)


@given(st.lists(DEAL, max_size=60))
def test_views_agree_with_each_other_and_with_the_deals(deals):
    result = fc.forecast(deals)
    counted = [d for d in deals if d.category is not Category.OMITTED]
    exact = sum((d.amount * d.probability for d in counted), Decimal(0))
    assert result.total.weighted == fc.money(exact)
    assert result.total.count == len(counted)
    for view in (result.by_rep, result.by_team, result.by_month):
        assert sum(f.count for f in view.values()) == len(counted)
        assert sum(f.pipeline for f in view.values()) == result.total.pipeline
    for figures in result.by_month.values():
        assert figures.commit <= figures.best_case <= figures.pipeline
        assert figures.weighted <= figures.amount


def test_slipped_past_due_and_pushed():
    deals = [
        deal(1, "10", "0.5", date(2027, 1, 9)),  # past due
        deal(2, "10", "0.5", date(2027, 3, 20)),  # pushed from January
        deal(3, "10", "0.5", date(2027, 1, 30)),  # moved within its month: not slipped
        deal(4, "10", "0.5", date(2027, 1, 5)),  # past due and pushed from December
        deal(5, "10", "0.5", date(2027, 1, 10)),  # closes today: not past due
    ]
    earlier = {2: date(2027, 1, 31), 3: date(2027, 1, 12), 4: date(2026, 12, 20)}
    slips = fc.slipped(deals, date(2027, 1, 10), earlier)
    assert [(s.deal_id, s.reasons, s.months_pushed) for s in slips] == [
        (1, ("past_due",), 0),
        (2, ("pushed",), 2),
        (4, ("past_due", "pushed"), 1),
    ]
    assert slips[1].earlier_close_date == date(2027, 1, 31)


def test_a_deal_pulled_in_has_not_slipped():
    assert fc.slipped([deal(1, "1", "0.5", FEB)], JAN, {1: MAR}) == []


def test_quota_coverage_closed_plus_weighted_open():
    result = fc.forecast(DEALS)
    rows = fc.quota_coverage(
        result,
        [JAN, FEB],
        {"ana": Decimal(2000), "luis": Decimal(500), "sol": Decimal(0)},
        {"ana": Decimal(800), "luis": Decimal(600)},
    )
    ana, luis, sol = rows
    assert (ana.closed, ana.weighted_open) == (Decimal(800), Decimal("583.33"))
    assert ana.coverage == Decimal("0.6917")  # 1383.33 / 2000
    assert ana.gap == Decimal("616.67")
    assert ana.pipeline_coverage == Decimal("1.1111")  # 1333.33 / 1200
    assert luis.gap == Decimal("0.00")
    assert luis.pipeline_coverage is None  # nothing left to close
    assert (sol.coverage, sol.weighted_open) == (None, Decimal(0))


def test_backtest_month_by_month_against_what_closed():
    snapshots = {
        date(2026, 12, 28): [
            deal(1, "1000", "0.5", date(2027, 1, 15)),
            deal(2, "1000", "0.5", date(2027, 2, 15)),
        ],
        date(2027, 2, 1): [
            deal(2, "1000", "0.8", date(2027, 2, 15)),
            deal(3, "400", "0.5", date(2027, 3, 3)),
        ],
        date(2027, 2, 20): [deal(3, "400", "1.0", date(2027, 2, 25))],  # mid-month: unused
    }
    outcomes = [
        Outcome(1, True, date(2027, 1, 20), Decimal(1000)),
        Outcome(2, True, date(2027, 2, 10), Decimal(600)),
        Outcome(3, False, date(2027, 2, 25), Decimal(400)),
        Outcome(9, True, date(2027, 3, 31), Decimal(50)),
    ]
    result = fc.backtest(snapshots, outcomes, through=date(2027, 3, 31))
    rows = [(m.month, m.snapshot_on, m.forecast, m.actual, m.error) for m in result.months]
    assert rows == [
        (JAN, date(2026, 12, 28), Decimal("500.00"), Decimal("1000.00"), Decimal("-500.00")),
        (FEB, date(2027, 2, 1), Decimal("800.00"), Decimal("600.00"), Decimal("200.00")),
        (MAR, date(2027, 2, 20), Decimal("0.00"), Decimal("50.00"), Decimal("-50.00")),
    ]
    assert [m.percentage_error for m in result.months] == [
        Decimal("50.0000"),
        Decimal("33.3333"),
        Decimal("100.0000"),
    ]
    assert result.mean_absolute_error == Decimal("250.00")
    assert result.bias == Decimal("-116.67")
    assert result.mean_percentage_error == Decimal("61.11")


def test_backtest_leaves_out_a_month_not_yet_over_and_can_use_commit():
    snapshots = {JAN: [deal(1, "100", "0.2", date(2027, 1, 5), category=Category.COMMIT)]}
    outcomes = [Outcome(1, True, date(2027, 1, 6), Decimal(100))]
    assert fc.backtest(snapshots, outcomes, through=date(2027, 1, 30)).months == ()
    result = fc.backtest(snapshots, outcomes, through=date(2027, 1, 31), measure="commit")
    assert (result.months[0].forecast, result.months[0].error) == (Decimal("100.00"), 0)
    with pytest.raises(ValueError, match="measure"):
        fc.backtest(snapshots, outcomes, through=JAN, measure="hope")


@given(st.lists(DEAL, max_size=40))
def test_groups_from_the_database_give_the_same_forecast_as_the_deals(deals):
    """What a GROUP BY owner, team, month, category returns, rolled up, equals the forecast
    over the deals themselves (omitted groups left out there too)."""
    groups: dict[tuple, list] = {}
    for d in deals:
        key = (d.owner, d.team, d.close_date.replace(day=1), d.category)
        sums = groups.setdefault(key, [0, Decimal(0), Decimal(0)])
        sums[0] += 1
        sums[1] += d.amount
        sums[2] += d.amount * d.probability
    rolled = fc.roll_up(fc.Group(*key, *sums) for key, sums in groups.items())
    assert rolled == fc.forecast(deals)
