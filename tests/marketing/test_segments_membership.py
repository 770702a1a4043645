"""Segment membership: kept current from hub events (entry and exit, their history, events
and timeline lines), the set-based rebuild, static lists by import (bad rows refuse the whole
file) and by pick, segments built on other segments."""

from __future__ import annotations

import pytest
from django.utils import timezone

from lealtad.core.audit import Actor
from lealtad.core.dispatcher import OutboxDispatcher
from lealtad.core.envelope import CustomerRef
from lealtad.core.models import OutboxMessage
from lealtad.customers import services as customers
from lealtad.customers.models import Customer, Interaction
from lealtad.customers.schemas import ConsentIn, CustomerProfile
from lealtad.marketing.models import AudienceProfile, Segment, SegmentChange, SegmentMember
from lealtad.marketing.selectors import segments as reads
from lealtad.marketing.services import audience, membership, segments
from lealtad.marketing.services.segments import ImportRefused, SegmentIn

pytestmark = pytest.mark.django_db
T = Actor.system("test")
EMAIL_OK = {"field": "consent_email", "op": "eq", "value": True}


def ctx() -> customers.ChangeContext:
    return customers.ChangeContext(actor=T, channel="test")


def person(name: str, email: str = "", national_id: str = "") -> int:
    ref = CustomerRef(email=email or None, national_id=national_id or None)
    return int(customers.create_customer(CustomerProfile(given_names=name), ref, ctx()).pk)


def consent(customer_id: int, granted: bool) -> None:
    proof = {"proof": "signed_form", "proof_reference": "F-1"} if granted else {}
    statement = ConsentIn(channel="email", purpose="marketing", granted=granted, **proof)
    customers.record_consent(Customer.objects.get(pk=customer_id), statement, ctx())


def settle() -> None:
    while OutboxDispatcher().run_once():
        pass


def test_a_customer_enters_on_the_event_that_qualifies_and_leaves_on_the_one_that_does_not():
    ana, luis = person("Ana", "ana@x.ec"), person("Luis", "luis@x.ec")
    settle()
    assert AudienceProfile.objects.filter(customer_id__in=[ana, luis]).count() == 2
    [sid] = segments.create([SegmentIn("Email OK", rule=EMAIL_OK)], by="t")
    assert reads.get(sid).member_count == 0

    consent(ana, True)
    settle()
    assert reads.is_member(sid, ana) and not reads.is_member(sid, luis)
    assert reads.segments_of(ana) == {sid}
    assert reads.get(sid).member_count == 1
    entered = OutboxMessage.objects.filter(event_type="segment.entered", customer_id=ana)
    assert entered.count() == 1 and entered[0].payload["segment_id"] == sid
    line = Interaction.objects.get(customer_id=ana, kind="segment_entered")
    assert "Email OK" in line.subject and line.related_id == str(sid)

    consent(ana, False)
    settle()
    assert not reads.is_member(sid, ana)
    assert reads.get(sid).member_count == 0
    assert [c.change for c in reads.changes(sid)] == ["left", "entered"]
    assert reads.changes(sid)[0].reason == "consent.changed"
    assert Interaction.objects.filter(customer_id=ana, kind="segment_left").count() == 1
    assert OutboxMessage.objects.filter(event_type="segment.left", customer_id=ana).exists()


def test_an_unrelated_event_changes_nobody_and_writes_no_history():
    ana = person("Ana", "ana@x.ec")
    consent(ana, True)
    settle()
    [sid] = segments.create([SegmentIn("Email OK", rule=EMAIL_OK)], by="t")
    before = SegmentChange.objects.count()
    customers.update_profile(Customer.objects.get(pk=ana), {"gender": "female"}, ctx())
    settle()
    assert SegmentChange.objects.count() == before
    assert AudienceProfile.objects.get(customer_id=ana).gender == "female"
    assert reads.is_member(sid, ana)


def test_rebuild_is_set_based_and_records_only_the_differences():
    ids = [person(f"P{i}", f"p{i}@x.ec") for i in range(6)]
    settle()
    [sid] = segments.create([SegmentIn("Email OK", rule=EMAIL_OK)], by="t")
    # Changes written behind the hub's back (as after a restore), then a full rebuild.
    AudienceProfile.objects.filter(customer_id__in=ids[:4]).update(consent_email=True)
    outcome = membership.rebuild(sid)
    assert (outcome.entered, outcome.left, outcome.members) == (4, 0, 4)
    AudienceProfile.objects.filter(customer_id__in=ids[:2]).update(consent_email=False)
    AudienceProfile.objects.filter(customer_id=ids[5]).update(consent_email=True)
    outcome = membership.rebuild(sid)
    assert (outcome.entered, outcome.left, outcome.members) == (1, 2, 3)
    assert set(
        SegmentMember.objects.filter(segment_id=sid).values_list("customer_id", flat=True)
    ) == {
        ids[2],
        ids[3],
        ids[5],
    }
    again = membership.rebuild(sid)
    assert (again.entered, again.left) == (0, 0)
    assert SegmentChange.objects.filter(segment_id=sid).count() == 7
    assert [list(c) for c in reads.member_ids(sid, chunk=2)] == [
        sorted([ids[2], ids[3]]),
        [ids[5]],
    ]


def test_the_audience_rebuild_drops_customers_merged_away():
    keep, gone = person("Ana", "ana@x.ec"), person("Ana B", "anab@x.ec")
    audience.rebuild()
    assert AudienceProfile.objects.filter(customer_id__in=[keep, gone]).count() == 2
    Customer.objects.filter(pk=gone).update(merged_into_id=keep)
    assert audience.rebuild() == 1
    assert list(AudienceProfile.objects.values_list("customer_id", flat=True)) == [keep]
    assert AudienceProfile.objects.get(customer_id=keep).has_email


def test_a_segment_of_a_segment_follows_it_in_the_same_pass():
    ana = person("Ana", "ana@x.ec")
    settle()
    [base] = segments.create([SegmentIn("Email OK", rule=EMAIL_OK)], by="t")
    rule = {
        "all": [
            {"field": "segment", "op": "member", "value": base},
            {"field": "has_email", "op": "eq", "value": True},
        ]
    }
    [derived] = segments.create([SegmentIn("Email OK with address", rule=rule)], by="t")
    consent(ana, True)
    settle()
    assert reads.is_member(base, ana) and reads.is_member(derived, ana)
    with pytest.raises(segments.SegmentRefused, match="uses this one"):
        segments.delete(base)
    cyclic = {"field": "segment", "op": "member", "value": derived}
    with pytest.raises(segments.segment_sql.InvalidRule) as caught:
        segments.update(base, SegmentIn("Email OK", rule=cyclic), by="t")
    assert caught.value.field == "segment.rule"


def test_static_import_matches_by_key_and_refuses_the_whole_file_on_a_bad_line():
    ana = person("Ana", "ana@x.ec", national_id="1710034065")
    luis = person("Luis", "luis@x.ec")
    [sid] = segments.create([SegmentIn("Feria", kind="static")], by="t")
    bad = "email,national_id\nana@x.ec,\n,\nnadie@x.ec,\nnot-an-email,\n"
    with pytest.raises(ImportRefused) as caught:
        segments.import_csv(sid, bad, by="t")
    lines = [(p.line, p.column) for p in caught.value.problems]
    assert lines == [(4, "email"), (5, "email")]
    assert caught.value.field == "rows[4].email"
    assert SegmentMember.objects.filter(segment_id=sid).count() == 0

    good = f"customer_id,email,national_id\n,LUIS@X.EC,\n,,1710034065\n{ana},,\n"
    outcome = segments.import_csv(sid, good, by="t")
    assert (outcome.added, outcome.members) == (2, 2)
    assert set(
        SegmentMember.objects.filter(segment_id=sid).values_list("customer_id", flat=True)
    ) == {
        ana,
        luis,
    }
    replaced = segments.import_csv(sid, f"customer_id\n{luis}\n", by="t", replace=True)
    assert (replaced.added, replaced.removed, replaced.members) == (0, 1, 1)


def test_pick_adds_and_removes_and_refuses_unknown_ids():
    ana, luis = person("Ana"), person("Luis")
    [sid] = segments.create([SegmentIn("Llamar", kind="static")], by="t")
    assert segments.pick(sid, add=[ana, luis]).members == 2
    with pytest.raises(segments.SegmentRefused) as caught:
        segments.pick(sid, add=[ana, 999999])
    assert caught.value.field == "add[1]"
    assert segments.pick(sid, remove=[ana]).members == 1
    with pytest.raises(membership.NotRebuildable):
        membership.rebuild(sid)
    [dyn] = segments.create([SegmentIn("Todos")], by="t")
    with pytest.raises(segments.SegmentRefused, match="static"):
        segments.pick(dyn, add=[ana])


def test_segment_input_is_checked_before_anything_is_written():
    with pytest.raises(segments.segment_sql.InvalidRule) as caught:
        segments.create(
            [
                SegmentIn("Uno", rule=EMAIL_OK),
                SegmentIn("Dos", rule={"all": [{"field": "clv", "op": "gt", "value": "x"}]}),
            ],
            by="t",
        )
    assert caught.value.field == "segments[1].rule.all[0].value"
    assert Segment.objects.count() == 0
    segments.create([SegmentIn("Uno")], by="t")
    with pytest.raises(segments.SegmentNameTaken):
        segments.create([SegmentIn("Uno")], by="t")
    unknown = {"field": "segment", "op": "member", "value": 4242}
    with pytest.raises(segments.segment_sql.InvalidRule, match="4242"):
        segments.create([SegmentIn("Tres", rule=unknown)], by="t")


def test_an_erased_person_leaves_no_trace_in_segments():
    from lealtad.core import erasers

    ana, luis = person("Ana", "ana@x.ec"), person("Luis", "luis@x.ec")
    consent(ana, True)
    consent(luis, True)
    settle()
    [sid] = segments.create([SegmentIn("Email OK", rule=EMAIL_OK)], by="t")
    assert reads.get(sid).member_count == 2
    assert "marketing.segments" in erasers.registered()
    gone = membership.forget([ana])
    assert gone == {"segment_members": 1, "segment_changes": 1, "audience": 1}
    assert reads.get(sid).member_count == 1 and not reads.is_member(sid, ana)
    assert not SegmentChange.objects.filter(customer_id=ana).exists()


def test_leaving_because_merged_away_puts_no_line_on_the_dead_record():
    ana = person("Ana", "ana@x.ec")
    consent(ana, True)
    settle()
    [sid] = segments.create([SegmentIn("Email OK", rule=EMAIL_OK)], by="t")
    keep = person("Ana B", "anab@x.ec")
    Customer.objects.filter(pk=ana).update(merged_into_id=keep)
    audience.refresh([ana])
    diff = membership.evaluate_for([ana], "customer.merged")
    assert diff.left == [(sid, ana)]
    assert not Interaction.objects.filter(customer_id=ana, kind="segment_left").exists()


def test_a_finished_analytics_refresh_brings_lifetime_values_into_segments() -> None:
    """The refresh rewrites lifetime values with no event per customer; its one
    ``analytics.refreshed`` at the end rebuilds the audience and the dynamic segments."""
    from lealtad.analytics.services import runs
    from lealtad.customers.models import CustomerStanding

    ana, luis = person("Ana", "ana@x.ec"), person("Luis", "luis@x.ec")
    settle()
    [sid] = segments.create(
        [SegmentIn("Alto valor", rule={"field": "clv", "op": "gte", "value": 500})], by="t"
    )
    assert reads.get(sid).member_count == 0
    for who, clv in ((ana, 900), (luis, 100)):  # what the refresh's write-back leaves
        CustomerStanding.objects.create(
            customer_id=who, value_tier="regular", clv=clv, computed_at=timezone.now()
        )
    settle()
    assert not reads.is_member(sid, ana)  # no event yet: the audience still has the old value

    runs.finish(runs.begin("manual", T))
    settle()
    assert reads.is_member(sid, ana) and not reads.is_member(sid, luis)
    assert AudienceProfile.objects.get(customer_id=ana).clv == 900
    change = SegmentChange.objects.get(segment_id=sid, customer_id=ana)
    assert change.change == "entered" and change.reason == "analytics.refreshed"
