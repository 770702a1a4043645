"""The shapes the analytics pages hand to Chart.js and print as tables: JSON-safe numbers,
heat-map shades that grow with the value, migration matrices with their diagonal."""

from __future__ import annotations

import itertools
import json
import math

from hypothesis import given
from hypothesis import strategies as st

from lealtad.analytics import charts
from lealtad.analytics.templatetags.analytics_format import kpi_value

numbers = st.one_of(st.none(), st.floats(allow_nan=True, allow_infinity=True))


@given(st.lists(numbers, max_size=20))
def test_series_are_json_without_nan_or_infinity(values: list[float | None]) -> None:
    chart = charts.series([f"m{i}" for i in range(len(values))], ("Revenue", values))
    text = json.dumps(chart, allow_nan=False)  # raises on NaN or infinity
    data = json.loads(text)["datasets"][0]["data"]
    for given_value, shown in zip(values, data, strict=True):
        if given_value is None or not math.isfinite(given_value):
            assert shown is None
        else:
            assert shown == given_value


@given(
    st.lists(
        st.lists(st.one_of(st.none(), st.floats(0, 100)), min_size=3, max_size=3),
        min_size=1,
        max_size=8,
    )
)
def test_heat_shades_grow_with_the_value_and_the_top_is_darkest(
    cells: list[list[float | None]],
) -> None:
    rows = charts.heat_rows([str(i) for i in range(len(cells))], cells)
    shaded = [(c["value"], c["shade"]) for r in rows for c in r["cells"]]
    for value, shade in shaded:
        assert (shade == "heat-none") == (value is None)
    ranked = sorted((v, int(s[5:])) for v, s in shaded if v is not None)
    assert all(a[1] <= b[1] for a, b in itertools.pairwise(ranked))
    if ranked and ranked[-1][0] > 0:
        assert ranked[-1][1] == charts.SHADES - 1


def test_a_matrix_marks_who_stayed() -> None:
    rows = charts.matrix_rows(["mvc", "mgc"], ["mvc", "mgc"], [[5, 1], [2, 7]])
    assert [[c["stay"] for c in r["cells"]] for r in rows] == [[True, False], [False, True]]
    assert [r["total"] for r in rows] == [6, 9]


def test_a_panel_keeps_each_columns_unit_and_says_when_it_is_empty() -> None:
    chart = charts.series(["1", "2"], ("Sales", [10.5, 20.25]), ("Customers", [3, 1]))
    panel = charts.panel(
        "curve",
        "Curve",
        "bar",
        "money",
        charts.only(chart, 0),
        table=chart,
        units=("money", "count"),
    )
    assert [d["label"] for d in panel["chart"]["datasets"]] == ["Sales"]
    assert panel["rows"][0]["cells"] == [
        {"value": 10.5, "unit": "money"},
        {"value": 3, "unit": "count"},
    ]
    assert charts.panel("x", "X", "bar", "count", charts.series([]))["empty"]


def test_figures_read_in_the_language_of_the_page() -> None:
    from django.utils import translation

    with translation.override("es"):
        assert kpi_value(None, "money") == "—" and kpi_value(float("nan"), "percent") == "—"
        assert kpi_value(12.345, "percent") == "12,3 %" and kpi_value(-3, "growth") == "-3,0 %"
        assert kpi_value(0.931, "probability") == "93,1 %"
    with translation.override("en"):
        assert kpi_value(1234.5, "money") == "1,234.50" and kpi_value(4, "growth") == "+4.0 %"


values = st.frozensets(st.sampled_from(["S1", "S2", "S3", "web", "pos", ""]), max_size=3)
limits = st.one_of(st.none(), values)


@given(limits, limits, st.text(max_size=8), st.text(max_size=8), st.text(max_size=12))
def test_filters_only_narrow_the_scope(
    stores: frozenset[str] | None,
    channels: frozenset[str] | None,
    store: str,
    channel: str,
    period: str,
) -> None:
    """Whatever the address says, the dashboard never reads a row the scope hides."""
    from lealtad.analytics.selectors.dashboard import PERIODS, Filters, narrowed
    from lealtad.olap.query import Scope

    scope = Scope(stores=stores, channels=channels)
    filters = Filters.read({"store": store, "channel": channel, "period": period})
    seen = narrowed(scope, filters)
    assert filters.period in dict(PERIODS)
    for allowed, got, chosen in (
        (stores, seen.stores, filters.store),
        (channels, seen.channels, filters.channel),
    ):
        if allowed is not None:
            assert got is not None and got <= allowed
        if chosen:
            assert got is not None and got <= {chosen}
        else:
            assert got == allowed
    assert seen.regions == scope.regions
