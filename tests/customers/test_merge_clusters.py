"""Merging clusters (``identity dedupe --apply``) in chunks does what the merges one pair at a
time do (a pair is a chunk of one: the same path, each merge in its own transaction).

Same golden record, same rows moved, consent never widened, each merge undoable with the
ordinary ``unmerge``; other contexts follow through ``customer.merged``.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from django.db import transaction
from django.utils import translation
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from lealtad.commerce.models import CustomerList, CustomerRepoint, PaymentMethod
from lealtad.core.audit import Actor
from lealtad.core.dispatcher import OutboxDispatcher
from lealtad.core.models import AuditEntry, OutboxMessage
from lealtad.customers import services
from lealtad.customers.identity_cli import app
from lealtad.customers.models import (
    Address,
    ChannelActivity,
    Consent,
    ConsentChange,
    Customer,
    Email,
    Household,
    HouseholdMember,
    Identifier,
    IdentityReview,
    Interaction,
    Merge,
    Phone,
)
from lealtad.customers.services import ChangeContext, merge_clusters
from lealtad.customers.services.merge_clusters import MERGED_BATCH, Cluster

pytestmark = pytest.mark.django_db

BASE = datetime(2024, 3, 1, 12, 0, tzinfo=UTC)
CHANNELS = ["web", "pos", "call_center", "partner", "", "kiosk"]
CONSENT_KEYS = [("email", "marketing"), ("sms", "marketing"), ("email", "service")]
PHONES = ["+593991234567", "+593991234568", "+59322345678"]
EMAILS = ["mj@example.com", "mjq@example.com", "quishpe@example.com"]
CTX = ChangeContext(Actor.system("identity dedupe"))

profiles = st.fixed_dictionaries(
    {
        "given_names": st.sampled_from(["", "María José", "Ma. José", "Maria"]),
        "first_surname": st.sampled_from(["", "Quishpe", "QUISHPE"]),
        "second_surname": st.sampled_from(["", "Guamán"]),
        "marital_status": st.sampled_from(["", "single", "married"]),
        "income_band": st.sampled_from(["", "middle", "high"]),
        "gender": st.sampled_from(["", "female"]),
        "birth_date": st.sampled_from([None, date(1980, 1, 2), date(1980, 2, 1)]),
        "national_id": st.sampled_from(["", "1710034065", "1710034066"]),
        "payment_methods": st.sampled_from([[], ["cash"], ["card", "cash"]]),
        "lifecycle_status": st.sampled_from(["prospect", "customer"]),
        "first_contact_channel": st.sampled_from(CHANNELS),
        "first_contact_minutes": st.one_of(st.none(), st.integers(0, 500)),
    }
)
people = st.fixed_dictionaries(
    {
        "profile": profiles,
        # (field, channel, minutes): audit entries that say which channel set a field when
        "updates": st.lists(
            st.tuples(
                st.sampled_from(["given_names", "marital_status", "income_band", "national_id"]),
                st.sampled_from(CHANNELS),
                st.integers(0, 500),
            ),
            max_size=3,
        ),
        "phones": st.sets(st.sampled_from(PHONES)),
        "emails": st.sets(st.sampled_from(EMAILS)),
        "consents": st.dictionaries(
            st.sampled_from(CONSENT_KEYS), st.tuples(st.booleans(), st.integers(0, 500))
        ),
        "households": st.sets(st.integers(0, 2)),
        "rows": st.integers(0, 2),  # addresses, interactions, consent changes, cards
        "cluster": st.integers(0, 2),
    }
)
bases = st.tuples(st.lists(people, min_size=2, max_size=6), st.randoms(use_true_random=False)).map(
    lambda t: (t[0], t[1].sample(range(len(t[0])), len(t[0])))
)


# Building a base ---------------------------------------------------------------------------


def _build(specs: list[dict[str, Any]], order: list[int]) -> list[Cluster]:
    """Create the customers; returns their clusters (members in ``order``, the first of each
    cluster surviving)."""
    households = [Household.objects.create(name=f"Familia {n}") for n in range(3)]
    ids = [_customer(n, spec, households) for n, spec in enumerate(specs)]
    for a, b in itertools.combinations(ids, 2):
        if (a + b) % 3 == 0:
            IdentityReview.objects.create(customer_a_id=a, customer_b_id=b, reason="probable")
    groups: dict[int, list[int]] = {}
    for n in order:
        groups.setdefault(specs[n]["cluster"], []).append(ids[n])
    return [
        Cluster(members[0], tuple((m, f"identity dedupe: test {m}") for m in members[1:]))
        for members in groups.values()
        if len(members) > 1
    ]


def _customer(n: int, spec: dict[str, Any], households: list[Household]) -> int:
    p = dict(spec["profile"])
    minutes = p.pop("first_contact_minutes")
    customer = Customer(
        **p, first_contact_at=None if minutes is None else BASE + timedelta(minutes=minutes)
    )
    customer.save()
    services._naming(customer)  # a customer without a name is called by its id
    customer.save(update_fields=["display_name", "search_name"])
    for name, channel, at in spec["updates"]:
        AuditEntry.objects.create(
            occurred_at=BASE + timedelta(minutes=at),
            actor_label="test",
            channel=channel,
            action="update",
            entity_type="customer",
            entity_id=str(customer.pk),
            customer_id=customer.pk,
            changes={name: [None, "x"]},
        )
    Identifier.objects.create(customer=customer, kind="external", system="crm", value=f"c{n}")
    for k, e164 in enumerate(sorted(spec["phones"])):
        Phone.objects.create(customer=customer, e164=e164, is_primary=k == 0)
    for k, address in enumerate(sorted(spec["emails"])):
        Email.objects.create(customer=customer, address=address, is_primary=k == 0)
    for (channel, purpose), (granted, at) in spec["consents"].items():
        Consent.objects.create(
            customer=customer,
            channel=channel,
            purpose=purpose,
            granted=granted,
            updated_at=BASE + timedelta(minutes=at),
        )
    for h in spec["households"]:
        HouseholdMember.objects.create(household=households[h], customer=customer)
    for k in range(spec["rows"]):
        Address.objects.create(customer=customer, kind="home", line1=f"Calle {n}-{k}")
        Interaction.objects.create(customer=customer, occurred_at=BASE, channel="pos")
        ConsentChange.objects.create(
            customer=customer,
            channel="email",
            purpose="marketing",
            granted=True,
            recorded_at=BASE,
            recorded_by="test",
        )
        PaymentMethod.objects.create(
            customer_id=customer.pk, gateway="test", token=f"t{n}-{k}", last4="4242"
        )
    return customer.pk


def _pairwise(clusters: list[Cluster]) -> list[str]:
    """What ``apply_merges`` did before the bulk merge: one ``merge_customers`` per pair."""
    ids = [x for c in clusters for x in (c.survivor_id, *(a for a, _ in c.absorbed))]
    customers = Customer.objects.in_bulk(ids)
    refused = []
    for cluster in clusters:
        survivor = customers[cluster.survivor_id]
        for absorbed_id, reason in cluster.absorbed:
            try:
                services.merge_customers(survivor, customers[absorbed_id], CTX, reason)
            except services.MergeRefused as exc:
                refused.append(f"{absorbed_id} → {survivor.pk}: {exc}")
    return refused


def _bulk(clusters: list[Cluster], chunk: int = 2) -> list[str]:
    return merge_clusters.merge_clusters(clusters, CTX, chunk=chunk).refused


# What the database holds --------------------------------------------------------------------

OWNED = (Address, Interaction, ConsentChange, Identifier, HouseholdMember)


def _customers() -> dict[int, dict[str, Any]]:
    out = {}
    for row in Customer.objects.values():
        row.pop("updated_at")  # the merge's own clock
        out[row.pop("id")] = row
    return out


def _state(consent_ids: bool = True) -> dict[str, Any]:
    """Every customer's fields and who owns every row (the outcome a merge can change)."""
    consents = Consent.objects.values_list(
        "id", "customer_id", "channel", "purpose", "granted", "updated_at"
    )
    return {
        "customers": _customers(),
        **{m.__name__: dict(m.objects.values_list("id", "customer_id")) for m in OWNED},
        "phones": sorted(Phone.objects.values_list("id", "customer_id", "e164", "is_primary")),
        "emails": sorted(Email.objects.values_list("id", "customer_id", "address", "is_primary")),
        "consents": sorted(c if consent_ids else c[1:] for c in consents),
    }


def _sorted_lists(value: dict[str, Any]) -> dict[str, Any]:
    return {k: sorted(v) if isinstance(v, list) else v for k, v in value.items()}


def _records() -> dict[str, Any]:
    """The merge records, audit entries and events a merge leaves (ids aside)."""
    merges = sorted(
        (
            m.survivor_id,
            m.absorbed_id,
            m.reason,
            m.performed_by_label,
            repr(_sorted_lists(m.moved)),
            repr({**m.snapshot, "reviews": sorted(m.snapshot["reviews"])}),
        )
        for m in Merge.objects.all()
    )
    entries = sorted(
        (e.action, e.entity_id, e.customer_id, repr(e.changes), e.actor_label, e.channel)
        for e in AuditEntry.objects.filter(action__in=["merge", "merged_into"])
    )
    events = []
    for o in OutboxMessage.objects.filter(event_type__in=["customer.merged", MERGED_BATCH]):
        for m in o.payload["merges"] if o.event_type == MERGED_BATCH else [o.payload]:
            merge = Merge.objects.get(pk=m["merge_id"])
            assert (merge.survivor_id, merge.absorbed_id) == (m["survivor_id"], m["absorbed_id"])
            events.append((m["survivor_id"], m["absorbed_id"], m["reason"], o.channel))
    events.sort()
    reviews = sorted(IdentityReview.objects.values_list("id", "status", "decided_by"))
    return {"merges": merges, "audit": entries, "events": events, "reviews": reviews}


class _Rollback(Exception):
    pass


@contextmanager
def _scratch() -> Iterator[None]:
    """Run a block and throw its writes away (hypothesis runs many examples in one test)."""
    try:
        with transaction.atomic():
            yield
            raise _Rollback
    except _Rollback:
        pass


def _outcome(run: Callable[[], list[str]]) -> tuple[dict, dict, list[str]]:
    out: dict[str, Any] = {}
    with _scratch():
        refused = run()
        out.update(state=_state(), records=_records(), refused=refused)
    return out["state"], out["records"], out["refused"]


# Properties ---------------------------------------------------------------------------------


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(bases)
def test_bulk_merge_equals_the_merges_one_pair_at_a_time(base) -> None:
    specs, order = base
    with _scratch():
        clusters = _build(specs, order)
        pairwise = _outcome(lambda: _pairwise(clusters))
        bulk = _outcome(lambda: _bulk(clusters))
        assert bulk[0] == pairwise[0]  # golden records, every row's owner
        assert bulk[1] == pairwise[1]  # merge records with their snapshots, audit, events
        assert bulk[2] == pairwise[2] == []


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(bases)
def test_unmerge_after_bulk_merge_restores_every_customer(base) -> None:
    specs, order = base
    with _scratch():
        clusters = _build(specs, order)
        before = _state(consent_ids=False)
        _bulk(clusters)
        undo = ChangeContext(Actor.system("test"))
        for merge in Merge.objects.order_by("-performed_at"):
            services.unmerge(merge, undo, "eran distintas")
        assert _state(consent_ids=False) == before


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(bases)
def test_consent_is_never_widened(base) -> None:
    specs, order = base
    with _scratch():
        clusters = _build(specs, order)
        before = {
            key: list(rows)
            for key, rows in itertools.groupby(
                Consent.objects.order_by("customer_id").values_list(
                    "customer_id", "channel", "purpose", "granted"
                ),
                key=lambda r: r[0],
            )
        }
        _bulk(clusters)
        for cluster in clusters:
            members = [cluster.survivor_id, *(a for a, _ in cluster.absorbed)]
            expected: dict[tuple[str, str], bool] = {}
            for member in members:
                for _c, channel, purpose, granted in before.get(member, []):
                    key = (channel, purpose)
                    expected[key] = expected.get(key, True) and granted
            found = dict(
                ((c, p), g)
                for c, p, g in Consent.objects.filter(customer_id=cluster.survivor_id).values_list(
                    "channel", "purpose", "granted"
                )
            )
            assert found == expected
            assert not Consent.objects.filter(customer_id__in=members[1:]).exists()


# Examples -----------------------------------------------------------------------------------


def _three() -> tuple[int, int, int]:
    spec = {
        "profile": {
            "given_names": "María José",
            "first_surname": "Quishpe",
            "second_surname": "",
            "marital_status": "",
            "income_band": "",
            "gender": "",
            "birth_date": None,
            "national_id": "",
            "payment_methods": [],
            "lifecycle_status": "customer",
            "first_contact_channel": "web",
            "first_contact_minutes": 0,
        },
        "updates": [],
        "phones": set(),
        "emails": set(),
        "consents": {},
        "households": set(),
        "rows": 1,
        "cluster": 0,
    }
    households = [Household.objects.create(name="Familia")]
    a = _customer(0, spec, households)
    b = _customer(1, {**spec, "consents": {("email", "marketing"): (True, 5)}}, households)
    c = _customer(2, {**spec, "consents": {("email", "marketing"): (False, 1)}}, households)
    Consent.objects.create(
        customer_id=a, channel="sms", purpose="marketing", granted=True, updated_at=BASE
    )
    return a, b, c


def test_a_refusal_anywhere_in_the_cluster_wins() -> None:
    a, b, c = _three()
    _bulk([Cluster(a, ((b, "r"), (c, "r")))])
    consents = dict(
        ((ch, p), g)
        for ch, p, g in Consent.objects.filter(customer_id=a).values_list(
            "channel", "purpose", "granted"
        )
    )
    assert consents == {("email", "marketing"): False, ("sms", "marketing"): True}


def test_each_merge_is_audited_with_who_and_why_and_announced() -> None:
    a, b, c = _three()
    outcome = merge_clusters.merge_clusters([Cluster(a, ((b, "dedupe: p=0.999"), (c, "x")))], CTX)
    assert len(outcome.merge_ids) == 2 and not outcome.refused
    merge = Merge.objects.get(absorbed_id=b)
    assert (merge.survivor_id, merge.performed_by_label, merge.reason) == (
        a,
        "identity dedupe",
        "dedupe: p=0.999",
    )
    entry = AuditEntry.objects.get(action="merged_into", customer_id=b)
    assert entry.actor_label == "identity dedupe"
    assert entry.changes == {"merged_into": [None, a], "reason": [None, "dedupe: p=0.999"]}
    assert AuditEntry.objects.filter(action="merge", customer_id=a).count() == 2
    event = OutboxMessage.objects.get(event_type=MERGED_BATCH)  # one per chunk
    assert event.payload["count"] == 2
    assert [
        (m["merge_id"], m["survivor_id"], m["absorbed_id"]) for m in event.payload["merges"]
    ] == [
        (outcome.merge_ids[0], a, b),
        (outcome.merge_ids[1], a, c),
    ]
    assert not OutboxMessage.objects.filter(event_type="customer.merged").exists()
    assert set(Customer.objects.filter(merged_into_id=a).values_list("pk", flat=True)) == {b, c}


def test_undoing_an_earlier_merge_of_the_cluster_waits_for_the_later_one() -> None:
    a, b, c = _three()
    _bulk([Cluster(a, ((b, "r"), (c, "r")))])
    first = Merge.objects.get(absorbed_id=b)
    with pytest.raises(services.MergeRefused):
        services.unmerge(first, CTX, "orden")


def test_refused_pairs_are_listed_and_the_rest_merge() -> None:
    a, b, c = _three()
    services.merge_customers(Customer.objects.get(pk=c), Customer.objects.get(pk=b), CTX, "a mano")
    outcome = merge_clusters.merge_clusters([Cluster(a, ((b, "r"), (c, "r")))], CTX)
    with translation.override("en"):  # the reason reads in the reader's language
        assert outcome.refused == [f"{b} → {a}: one of these customers was already merged"]
    with translation.override("es"):
        assert outcome.refused == [f"{b} → {a}: uno de estos clientes ya fue fusionado"]
    assert Customer.objects.get(pk=c).merged_into_id == a


def test_a_customer_in_two_clusters_is_refused_before_anything_is_written() -> None:
    a, b, c = _three()
    with pytest.raises(ValueError, match=f"customer {b} is named in two clusters"):
        merge_clusters.merge_clusters([Cluster(a, ((b, "r"),)), Cluster(c, ((b, "r"),))], CTX)
    assert not Merge.objects.exists()


def test_commerce_and_activity_follow_and_come_back() -> None:
    a, b, c = _three()
    wish = CustomerList.objects.create(customer_id=c, kind="shopping_list", name="Navidad")
    last = BASE + timedelta(days=3)
    ChannelActivity.objects.create(customer_id=a, channel="pos", contacts=1, last_contact_at=BASE)
    ChannelActivity.objects.create(customer_id=b, channel="pos", contacts=2, last_contact_at=last)
    ChannelActivity.objects.create(customer_id=c, channel="pos", contacts=3)
    ChannelActivity.objects.create(customer_id=c, channel="web", contacts=4)
    cards = {
        cid: set(PaymentMethod.objects.filter(customer_id=cid).values_list("pk", flat=True))
        for cid in (a, b, c)
    }
    _bulk([Cluster(a, ((b, "r"), (c, "r")))])
    OutboxDispatcher().run_once()
    assert not OutboxMessage.objects.filter(dispatched_at=None).exists()
    assert set(PaymentMethod.objects.filter(customer_id=a).values_list("pk", flat=True)) == (
        cards[a] | cards[b] | cards[c]
    )
    assert CustomerList.objects.get(pk=wish.pk).customer_id == a
    assert CustomerRepoint.objects.count() == 2
    activity = ChannelActivity.objects.filter(customer_id__in=[a, b, c])
    assert sorted(
        activity.values_list("customer_id", "channel", "contacts", "last_contact_at")
    ) == [
        (a, "pos", 6, last),
        (a, "web", 4, None),
    ]
    for merge in Merge.objects.order_by("-performed_at"):
        services.unmerge(merge, CTX, "no eran")
    OutboxDispatcher().run_once()
    for cid in (a, b, c):
        found = set(PaymentMethod.objects.filter(customer_id=cid).values_list("pk", flat=True))
        assert found == cards[cid]
    assert CustomerList.objects.get(pk=wish.pk).customer_id == c


# Through the command ---------------------------------------------------------------------


@pytest.fixture
def home(settings: Any, tmp_path: Path) -> Path:
    settings.LEALTAD_HOME = tmp_path
    return tmp_path


def _everything() -> dict[str, Any]:
    return {
        **_state(),
        "merges": Merge.objects.count(),
        "audit": AuditEntry.objects.count(),
        "outbox": OutboxMessage.objects.count(),
        "reviews": sorted(IdentityReview.objects.values_list("id", "status")),
    }


def test_dedupe_apply_twice_changes_nothing_the_second_time(home: Path) -> None:
    from tests.matching.test_dedupe_django import _load

    _load()
    runner = CliRunner()
    first = runner.invoke(app, ["dedupe", "--apply"])
    assert first.exit_code == 0, first.output
    assert Merge.objects.exists()
    after_first = _everything()
    second = runner.invoke(app, ["dedupe", "--apply"])
    assert second.exit_code == 0, second.output
    assert _everything() == after_first


def test_a_customer_that_is_not_there_is_refused_naming_them() -> None:
    a, b, _c = _three()
    missing = Customer.objects.order_by("-pk").values_list("pk", flat=True)[0] + 100
    outcome = merge_clusters.merge_clusters([Cluster(a, ((missing, "r"), (b, "r")))], CTX)
    with translation.override("en"):
        assert outcome.refused == [f"{missing} → {a}: customer {missing} not found"]
    assert Customer.objects.get(pk=b).merged_into_id == a  # the rest of the cluster merged
    with pytest.raises(services.MergeRefused) as refused, translation.override("es"):
        services.merge_customers(Customer.objects.get(pk=a), Customer(pk=missing), CTX, "a mano")
    with translation.override("es"):
        assert refused.value.message == f"no se encontró el cliente {missing}"
    assert Merge.objects.count() == 1
