"""Segment rules: validation names the faulty path; the compiled SQL selects exactly the rows
the plain-Python evaluation of the same rule selects (hypothesis over random rules, on a
fixed population of varied audience rows, nulls and empty texts included)."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lealtad.marketing import segment_sql
from lealtad.marketing.models import AudienceProfile, Segment, SegmentMember
from lealtad.marketing_engine import segment_rules as rules
from lealtad.marketing_engine.segment_rules import RuleError

NOW = datetime(2026, 3, 1, 15, 30, tzinfo=UTC)


@pytest.mark.parametrize(
    ("rule", "path", "code"),
    [
        ({"all": []}, "rule.all", "empty_group"),
        ({"both": [1]}, "rule", "group_needs_all_or_any"),
        (
            {"all": [{"field": "nope", "op": "eq", "value": 1}]},
            "rule.all[0].field",
            "unknown_field",
        ),
        ({"any": [{"field": "city", "op": "gt", "value": "x"}]}, "rule.any[0].op", "bad_op"),
        (
            {"all": [{"field": "age", "op": "gte", "value": 18}, {"field": "clv", "op": "gt"}]},
            "rule.all[1].value",
            "value_missing",
        ),
        (
            {"all": [{"any": [{"field": "value_tier", "op": "in", "value": ["mvc", "tin"]}]}]},
            "rule.all[0].any[0].value[1]",
            "not_a_choice",
        ),
        (
            {"field": "orders_count", "op": "between", "value": [5, 2]},
            "rule.value",
            "reversed_range",
        ),
        (
            {"field": "last_order_on", "op": "before", "value": "2026-13-01"},
            "rule.value",
            "date_expected",
        ),
        ({"field": "consent_email", "op": "eq", "value": "yes"}, "rule.value", "bool_expected"),
        (
            {"field": "last_contact_at", "op": "within_days", "value": -1},
            "rule.value",
            "days_expected",
        ),
        ({"field": "segment", "op": "member", "value": "x"}, "rule.value", "segment_id_expected"),
        ({"field": "city", "op": "eq", "value": "Quito", "x": 1}, "rule.x", "unknown_key"),
        ({"field": "city", "op": "in", "value": []}, "rule.value", "list_expected"),
    ],
)
def test_validation_names_the_path_of_the_fault(rule: Any, path: str, code: str) -> None:
    with pytest.raises(RuleError) as caught:
        rules.validate(rule)
    assert (caught.value.path, caught.value.code) == (path, code)


@pytest.mark.parametrize(
    ("name", "values"),
    [
        ("value_tier", "customers.choices.ValueTier"),
        ("lifecycle_stage", "customers.choices.LifecycleStage"),
        ("churn_band", "customers.choices.ChurnBand"),
        ("gender", "customers.Customer.gender"),
        ("income_band", "customers.Customer.income_band"),
        ("marital_status", "customers.Customer.marital_status"),
    ],
)
def test_choice_fields_offer_the_codes_the_records_hold(name: str, values: str) -> None:
    """The pure engine cannot import the model's choices; a rule on a code no record holds
    would count nobody, for ever. Pinned here to what customers store."""
    from lealtad.customers import choices
    from lealtad.customers.models import Customer

    if values.startswith("customers.choices."):
        held = list(getattr(choices, values.rsplit(".", 1)[1]).values)
    else:
        held = [code for code, _label in Customer._meta.get_field(name).choices or []]
    assert sorted(rules.FIELDS[name].choices) == sorted(held)


def test_too_deep_and_too_many_are_refused() -> None:
    deep: dict[str, Any] = {"field": "city", "op": "eq", "value": "Quito"}
    for _ in range(rules.MAX_DEPTH + 1):
        deep = {"all": [deep]}
    with pytest.raises(RuleError, match="too_deep"):
        rules.validate(deep)
    many = {"any": [{"field": "orders_count", "op": "gt", "value": i} for i in range(61)]}
    with pytest.raises(RuleError, match="too_many_conditions"):
        rules.validate(many)


def test_the_project_refusal_carries_the_path_and_a_sentence() -> None:
    with pytest.raises(segment_sql.InvalidRule) as caught:
        segment_sql.checked({"all": [{"field": "clv", "op": "gt", "value": "lots"}]}, "rule")
    assert caught.value.field == "rule.all[0].value"
    assert "number" in caught.value.message


def test_ages_count_whole_years_on_birthdays() -> None:
    today = date(2026, 3, 1)
    born = {"18 today": date(2008, 3, 1), "18 tomorrow": date(2008, 3, 2)}
    cond = {"field": "age", "op": "gte", "value": 18}
    row = {"birth_date": born["18 today"]}
    assert rules.evaluate(cond, row, datetime.combine(today, datetime.min.time(), UTC))
    row = {"birth_date": born["18 tomorrow"]}
    assert not rules.evaluate(cond, row, datetime.combine(today, datetime.min.time(), UTC))
    assert rules.years_before(date(2024, 2, 29), 1) == date(2023, 2, 28)


# Compiled SQL against the plain evaluation -----------------------------------------------

CITIES = ["Quito", "Guayaquil", "Cuenca", ""]
TAGS = ["web", "pos", "call_center"]


def _population(n: int = 160) -> list[dict[str, Any]]:
    pick = random.Random(15)
    rows = []
    for cid in range(1, n + 1):

        def maybe(value: Any, p: float = 0.2) -> Any:
            return None if pick.random() < p else value

        bought = [t for t in TAGS if pick.random() < 0.4]
        rows.append(
            {
                "customer_id": cid,
                "kind": pick.choice(["person", "organization"]),
                "gender": pick.choice(["female", "male", "other", ""]),
                "birth_date": maybe(date(1950, 1, 1) + timedelta(days=pick.randrange(25000))),
                "city": pick.choice(CITIES),
                "region": pick.choice(["Pichincha", "Guayas", ""]),
                "language": pick.choice(["es", "en"]),
                "income_band": pick.choice(["low", "middle", "high", ""]),
                "created_at": NOW - timedelta(days=pick.randrange(900), hours=pick.randrange(24)),
                "has_email": pick.random() < 0.6,
                "consent_email": pick.random() < 0.5,
                "consent_sms": pick.random() < 0.3,
                "orders_count": pick.randrange(0, 12),
                "total_spent": Decimal(pick.randrange(0, 500000)) / 100,
                "last_order_on": maybe((NOW - timedelta(days=pick.randrange(400))).date(), 0.3),
                "channels_bought": ("," + ",".join(bought) + ",") if bought else "",
                "last_contact_at": maybe(NOW - timedelta(days=pick.randrange(200), minutes=7)),
                "value_tier": pick.choice(["mvc", "mgc", "regular", "below_zero", ""]),
                "clv": Decimal(pick.randrange(0, 100000)) / 100,
                "churn_risk": maybe(round(pick.random(), 3)),
                "lifecycle_stage": pick.choice(["first_purchase", "repeat", "loyal", "lapsed", ""]),
                "refreshed_at": NOW,
            }
        )
    return rows


CONDITIONS = st.one_of(
    st.builds(
        lambda op, v: {"field": "city", "op": op, "value": v},
        st.sampled_from(["eq", "ne"]),
        st.sampled_from(CITIES),
    ),
    st.builds(
        lambda op, v: {"field": "value_tier", "op": op, "value": v},
        st.sampled_from(["in", "not_in"]),
        st.lists(st.sampled_from(["mvc", "mgc", "regular", "below_zero"]), min_size=1, max_size=3),
    ),
    st.builds(lambda op: {"field": "city", "op": op}, st.sampled_from(["is_empty", "is_set"])),
    st.builds(
        lambda f, v: {"field": f, "op": "eq", "value": v},
        st.sampled_from(["has_email", "consent_email", "consent_sms"]),
        st.booleans(),
    ),
    st.builds(
        lambda op, v: {"field": "orders_count", "op": op, "value": v},
        st.sampled_from(["eq", "ne", "lt", "lte", "gt", "gte"]),
        st.integers(0, 12),
    ),
    st.builds(
        lambda a, b: {"field": "total_spent", "op": "between", "value": [min(a, b), max(a, b)]},
        st.integers(0, 5000),
        st.integers(0, 5000),
    ),
    st.builds(
        lambda op, v: {"field": "churn_risk", "op": op, "value": v},
        st.sampled_from(["lt", "gte", "ne", "is_empty", "is_set"]),
        st.sampled_from([0.2, 0.5, 0.8]),
    ).map(
        lambda c: c if c["op"] not in ("is_empty", "is_set") else {k: c[k] for k in ("field", "op")}
    ),
    st.builds(
        lambda op, v: {"field": "age", "op": op, "value": v},
        st.sampled_from(["gte", "lt", "eq", "gt", "lte"]),
        st.integers(18, 70),
    ),
    st.builds(
        lambda op, d: {"field": "last_order_on", "op": op, "value": d},
        st.sampled_from(["within_days", "not_within_days"]),
        st.integers(0, 400),
    ),
    st.builds(
        lambda op, d: {"field": "last_contact_at", "op": op, "value": d},
        st.sampled_from(["within_days", "not_within_days", "is_empty"]),
        st.integers(0, 200),
    ).map(lambda c: c if c["op"] != "is_empty" else {"field": c["field"], "op": "is_empty"}),
    st.builds(
        lambda op, d: {"field": "created_at", "op": op, "value": d.isoformat()},
        st.sampled_from(["before", "after"]),
        st.dates(date(2023, 6, 1), date(2026, 3, 1)),
    ),
    st.builds(
        lambda op, v: {"field": "channels_bought", "op": op, "value": v},
        st.sampled_from(["has_any", "has_none"]),
        st.lists(st.sampled_from(TAGS), min_size=1, max_size=2),
    ),
    st.just({"field": "segment", "op": "member", "value": 0}),
    st.just({"field": "segment", "op": "not_member", "value": 0}),
)
RULES = st.recursive(
    CONDITIONS,
    lambda inner: st.builds(
        lambda key, items: {key: items},
        st.sampled_from(["all", "any"]),
        st.lists(inner, min_size=1, max_size=4),
    ),
    max_leaves=8,
)


def _bind(rule: Any, sid: int) -> Any:
    """The member-of conditions point at the fixture's real segment."""
    if isinstance(rule, dict) and "field" in rule:
        return {**rule, "value": sid} if rule["field"] == "segment" else rule
    return {k: [_bind(i, sid) for i in v] for k, v in rule.items()}


@pytest.fixture
def population(db) -> tuple[list[dict[str, Any]], int, set[int]]:
    rows = _population()
    AudienceProfile.objects.bulk_create([AudienceProfile(**r) for r in rows])
    seg = Segment.objects.create(name="vip", created_at=NOW, updated_at=NOW)
    inside = {r["customer_id"] for r in rows if r["customer_id"] % 3 == 0}
    SegmentMember.objects.bulk_create(
        [SegmentMember(segment=seg, customer_id=c, since=NOW) for c in inside]
    )
    return rows, seg.pk, inside


@settings(
    max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(rule=RULES)
def test_compiled_sql_selects_what_the_evaluation_selects(population, rule) -> None:
    rows, sid, inside = population
    valid = rules.validate({"all": [_bind(rule, sid)]})

    def member_of(segment_id: int, customer_id: int) -> bool:
        return segment_id == sid and customer_id in inside

    expected = {r["customer_id"] for r in rows if rules.evaluate(valid, r, NOW, member_of)}
    got = set(
        AudienceProfile.objects.filter(segment_sql.compile_rule(valid, NOW)).values_list(
            "customer_id", flat=True
        )
    )
    assert got == expected


@pytest.mark.django_db
def test_and_or_groups_combine_as_written(population) -> None:
    rows, _sid, _inside = population
    quito_or_cuenca = {
        "all": [
            {
                "any": [
                    {"field": "city", "op": "eq", "value": "Quito"},
                    {"field": "city", "op": "eq", "value": "Cuenca"},
                ]
            },
            {"field": "orders_count", "op": "gte", "value": 3},
        ]
    }
    ids = set(
        AudienceProfile.objects.filter(
            segment_sql.compile_rule(rules.validate(quito_or_cuenca), NOW)
        ).values_list("customer_id", flat=True)
    )
    assert ids == {
        r["customer_id"]
        for r in rows
        if r["city"] in ("Quito", "Cuenca") and r["orders_count"] >= 3
    }
    assert ids, "the population has such customers"
