"""Memberships follow customer merges (through the customers' own merge and the hub): points
pooled with their expiry dates, a membership moved whole and given back on undo, a debt that
follows the person, and a replay that writes nothing twice."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from lealtad.core.audit import Actor
from lealtad.core.envelope import CustomerRef
from lealtad.customers import services as customers
from lealtad.customers.models import Customer, Merge
from lealtad.customers.schemas import CustomerProfile
from lealtad.loyalty import selectors
from lealtad.loyalty.models import LedgerEntry, Member, Tier
from lealtad.loyalty.services import members, merges, movements
from tests.loyalty.helpers import dispatch, program

pytestmark = pytest.mark.django_db
T = Actor.system("test")


def person(name: str, email: str) -> Customer:
    ctx = customers.ChangeContext(actor=T, channel="test")
    return customers.create_customer(
        CustomerProfile(given_names=name), CustomerRef(email=email), ctx
    )


def give(member: Member, points: int, key: str) -> None:
    movements.adjust([movements.Adjust(member.pk, points, "bienvenida", key)], T)


def merge(survivor: Customer, absorbed: Customer) -> Merge:
    ctx = customers.ChangeContext(actor=T, channel="test")
    made = customers.merge_customers(survivor, absorbed, ctx, "misma cédula")
    dispatch()
    return made


def balanced() -> bool:
    return not selectors.mismatches() and not selectors.lots_mismatches()


def test_two_memberships_pool_their_points_with_their_expiry_dates() -> None:
    club = program(expiry_months=12)
    ana, ana_twice = person("Ana", "ana@x.ec"), person("Ana", "ana.q@x.ec")
    found = members.enrol(club, [ana.pk, ana_twice.pk])
    kept, gone = found[ana.pk], found[ana_twice.pk]
    give(kept, 300, "a1")
    give(gone, 500, "b1")
    LedgerEntry.objects.filter(idempotency_key="adjust:b1").update(
        expires_at=timezone.now() + timedelta(days=20)  # about to expire
    )
    Member.objects.filter(pk=gone.pk).update(tier=Tier.objects.get(program=club, name="Oro"))

    merge(ana, ana_twice)

    kept.refresh_from_db()
    gone.refresh_from_db()
    assert (kept.balance, gone.balance) == (800, 0)
    assert kept.tier.name == "Oro"  # the higher of the two
    moved = LedgerEntry.objects.get(member=kept, source_kind="merge", points=500)
    assert moved.remaining == 500 and (moved.expires_at - timezone.now()).days < 21
    assert balanced()


def test_a_membership_moves_whole_and_goes_back_when_the_merge_is_undone() -> None:
    club = program()
    ana, ana_twice = person("Ana", "ana@x.ec"), person("Ana", "ana.q@x.ec")
    only = members.enrol(club, [ana_twice.pk])[ana_twice.pk]
    give(only, 250, "c1")

    done = merge(ana, ana_twice)
    only.refresh_from_db()
    assert only.customer_id == ana.pk and only.balance == 250
    assert not Member.objects.filter(customer_id=ana_twice.pk).exists()

    customers.unmerge(done, customers.ChangeContext(actor=T, channel="test"), "son hermanas")
    dispatch()
    only.refresh_from_db()
    assert only.customer_id == ana_twice.pk and only.balance == 250
    assert balanced()


def test_a_debt_follows_the_person_and_a_replay_changes_nothing() -> None:
    club = program()
    ana, ana_twice = person("Ana", "ana@x.ec"), person("Ana", "ana.q@x.ec")
    found = members.enrol(club, [ana.pk, ana_twice.pk])
    kept, gone = found[ana.pk], found[ana_twice.pk]
    give(kept, 100, "d1")
    movements._entry(  # a return of spent points left the absorbed member owing 40
        gone, "reverse", -40, "return", "DEV-1", timezone.now(), T, {}, key="reverse:test"
    )
    done = merge(ana, ana_twice)
    kept.refresh_from_db()
    gone.refresh_from_db()
    assert (kept.balance, gone.balance) == (60, 0)
    before = LedgerEntry.objects.count()
    again = merges.follow_merges([merges.MergedPair(done.pk, ana.pk, ana_twice.pk)])
    assert again == 0 and LedgerEntry.objects.count() == before
    assert balanced()
