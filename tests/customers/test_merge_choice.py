"""The merge preview tells what the rules will do; a person's choice per field wins; a bad
choice is refused whole, naming the field, with nothing written."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lealtad.core.audit import Actor
from lealtad.core.models import AuditEntry
from lealtad.customers import services
from lealtad.customers.models import Customer, Interaction, Merge
from lealtad.customers.services import ChangeContext, MergeRefused
from lealtad.customers.services.common import EDITABLE_FIELDS
from lealtad.customers.services.merge_preview import golden_profile, preview_merge
from tests.customers import merge_people

pytestmark = pytest.mark.django_db

CTX = ChangeContext(Actor.system("test"), channel="call_center")


def _profile(customer_id: int) -> dict:
    c = Customer.objects.get(pk=customer_id)
    return {name: getattr(c, name) for name in EDITABLE_FIELDS}


def _fresh(review):
    return Customer.objects.get(pk=review.customer_a_id), Customer.objects.get(
        pk=review.customer_b_id
    )


def test_preview_lists_each_differing_field_with_the_rules_choice_in_words():
    review = merge_people.pair()
    rows = {r.name: r for r in preview_merge(review.customer_a, review.customer_b)}
    assert set(rows) == {"given_names", "second_surname", "marital_status", "income_band"}
    assert rows["marital_status"].rules_choose == "absorbed"  # the call center outranks the web
    assert rows["marital_status"].survivor_shown in ("Single", "Soltero/a")  # a label, no code
    assert rows["given_names"].rules_choose == "survivor"  # the fuller spelling
    assert rows["income_band"].rules_choose == "absorbed"  # empty never wins
    assert rows["second_surname"].absorbed_shown == ""


@pytest.mark.parametrize("keep", ["a", "b"])
def test_the_preview_is_what_the_merge_then_does(keep):
    review = merge_people.pair()
    a, b = _fresh(review)
    survivor, absorbed = (a, b) if keep == "a" else (b, a)
    before = _profile(survivor.pk), _profile(absorbed.pk)
    expected = golden_profile(survivor, absorbed)
    assert (_profile(survivor.pk), _profile(absorbed.pk)) == before  # the preview wrote nothing
    services.merge_customers(survivor, absorbed, CTX, "same person")
    assert _profile(survivor.pk) == expected


def test_a_persons_choice_overrides_the_rules_and_the_audit_says_so():
    review = merge_people.pair()
    a, b = _fresh(review)
    chosen = {"marital_status": "survivor", "given_names": "absorbed"}
    record = services.merge_customers(a, b, CTX, "same person", chosen=chosen)
    golden = Customer.objects.get(pk=a.pk)
    assert golden.marital_status == "single"  # the rules would keep "married"
    assert golden.given_names == "Ma. José"  # the rules would keep "María José"
    assert golden.income_band == "middle"  # not chosen: the rules still apply
    assert golden.display_name.startswith("Ma. José")  # the name is rebuilt from the choice
    entry = AuditEntry.objects.get(action="merge", entity_id=str(a.pk))
    assert entry.changes["chosen_by_person"] == [None, chosen]
    assert record.snapshot["chosen"] == chosen


def test_choosing_the_absorbed_empty_value_clears_the_field():
    review = merge_people.pair()
    a, b = _fresh(review)
    services.merge_customers(a, b, CTX, "same person", chosen={"second_surname": "absorbed"})
    assert Customer.objects.get(pk=a.pk).second_surname == ""


def test_a_choice_undoes_exactly():
    review = merge_people.pair()
    a, b = _fresh(review)
    before = _profile(a.pk), _profile(b.pk)
    record = services.merge_customers(a, b, CTX, "x", chosen={"marital_status": "survivor"})
    services.unmerge(record, CTX, "two people")
    assert (_profile(a.pk), _profile(b.pk)) == before
    assert Customer.objects.get(pk=b.pk).merged_into_id is None


@pytest.mark.parametrize(
    ("chosen", "field", "code"),
    [
        ({"favourite_colour": "survivor"}, "chosen.favourite_colour", "unknown_merge_field"),
        ({"display_name": "absorbed"}, "chosen.display_name", "unknown_merge_field"),
        ({"marital_status": "both"}, "chosen.marital_status", "unknown_merge_side"),
        ({"gender": "survivor", "income_band": ""}, "chosen.income_band", "unknown_merge_side"),
    ],
)
def test_a_bad_choice_is_refused_whole_and_names_the_field(chosen, field, code):
    review = merge_people.pair()
    a, b = _fresh(review)
    before = _profile(a.pk), _profile(b.pk)
    interactions = sorted(Interaction.objects.values_list("pk", "customer_id"))
    with pytest.raises(MergeRefused) as refused:
        services.merge_customers(a, b, CTX, "x", chosen=chosen)
    assert refused.value.field == field and refused.value.code == code
    assert refused.value.kind == "invalid"
    assert (_profile(a.pk), _profile(b.pk)) == before
    assert sorted(Interaction.objects.values_list("pk", "customer_id")) == interactions
    assert not Merge.objects.exists() and not AuditEntry.objects.filter(action="merge").exists()


@settings(
    max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    choices=st.dictionaries(
        st.sampled_from(["given_names", "second_surname", "marital_status", "income_band"]),
        st.sampled_from(["survivor", "absorbed"]),
    ),
    keep=st.sampled_from("ab"),
)
def test_whatever_is_chosen_the_merge_keeps_what_the_preview_said(choices, keep):
    """Any mix of choices and survivor: the golden record is the preview with those choices."""
    from django.db import transaction

    from lealtad.customers import realtime

    realtime.reset()  # the matching index does not roll back with each example's data
    with transaction.atomic():
        review = merge_people.pair()
        a, b = _fresh(review)
        survivor, absorbed = (a, b) if keep == "a" else (b, a)
        expected = golden_profile(survivor, absorbed, choices)
        services.merge_customers(survivor, absorbed, CTX, "same person", chosen=choices)
        assert _profile(survivor.pk) == expected
        transaction.set_rollback(True)
