"""The dialer job against the built-in switch simulator: lines paced to the free agents,
answered lines passed to an agent as outbound contacts, the rules holding entries back with
their reason, results and retries on the entries, and the two-second abandonment rule."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from lealtad.contact_engine.telephony.adapter import DialOutcome
from lealtad.contact_engine.telephony.simulator import SwitchConfig, SwitchSimulator
from lealtad.contact_engine.telephony.traffic import DialProfile
from lealtad.contactcenter.choices import ContactStatus
from lealtad.contactcenter.models import CallList, CallListEntry, Contact, DialAttempt
from lealtad.contactcenter.services import agents, dialer, setup, telephony
from lealtad.contactcenter.services.dialer_job import DialerJob
from lealtad.customers import services as customer_services
from lealtad.customers.schemas import ConsentIn

from .conftest import ACTOR

pytestmark = pytest.mark.django_db(transaction=True)

MONDAY_0930_QUITO = datetime(2026, 12, 7, 14, 30, tzinfo=UTC)  # 08:30 in Mexico City


@pytest.fixture
def floor(center):
    for name, agent in center.items():
        setup.save_agent(
            agent.name, skills={"general": 8}, extension=f"ext-{name}", agent_id=agent.pk
        )
        agents.log_in(agent.pk, ACTOR)
    return center


def customer(make_customer, phone, *, consent=True, region="", country="EC"):
    made = make_customer(phone=phone)
    ctx = customer_services.ChangeContext(ACTOR, "", "call_center")
    if consent is not None:
        statement = ConsentIn(
            channel="phone",
            purpose="marketing",
            granted=consent,
            proof="signed_form" if consent else None,
            proof_reference="F-1" if consent else "",
        )
        customer_services.record_consent(made, statement, ctx)
    if country != "EC" or region:
        from lealtad.customers.schemas import AddressIn

        address = AddressIn(line1="Av. Reforma 1", region=region, country=country)
        customer_services.add_address(made, address, ctx)
    return made


def switch(scripted, ring=5.0, patience=60.0):
    config = SwitchConfig(
        switch_id="sim",
        trunks=30,
        phones=("ext-ana", "ext-luis"),
        dialing=DialProfile(scripted=scripted, ring_mean=ring, patience_mean=patience),
        start=MONDAY_0930_QUITO,
    )
    sim = SwitchSimulator(config, seed=3)
    telephony.register_switch(sim)
    return sim


def run(job, sim, seconds):
    """The switch and the job second by second, as the dialer's loop runs them."""
    for _ in range(int(seconds)):
        for event in sim.advance(sim.now + 1):
            job.apply(event)
        job.step(sim.at(sim.now))


def test_progressive_dials_one_line_per_free_agent_and_connects_the_answer(floor, make_customer):
    answers = customer(make_customer, "0991000001")
    rings_out = customer(make_customer, "0991000002")
    later = customer(make_customer, "0991000003")
    dialer.create_list("renew", "general", "progressive", ACTOR)
    csv = "customer_id\n" + "".join(f"{c.pk}\n" for c in (answers, rings_out, later))
    dialer.add_from_csv("renew", csv, ACTOR)
    dialer.move_list("renew", "start", ACTOR)
    sim = switch(
        {
            "+593991000001": DialOutcome.ANSWERED,
            "+593991000002": DialOutcome.NO_ANSWER,
            "+593991000003": DialOutcome.MACHINE,
        }
    )
    job = DialerJob(sim)

    report = job.step(MONDAY_0930_QUITO)
    assert report.dialled == 2  # two free agents, two lines; the third entry waits
    assert DialAttempt.objects.filter(result="").count() == 2

    run(job, sim, 120)
    contact = Contact.objects.get(customer_id=answers.pk)
    assert contact.direction == "outbound"
    assert contact.status == ContactStatus.HANDLING
    assert contact.agent is not None
    reached = CallListEntry.objects.get(customer_id=answers.pk)
    assert (reached.status, reached.last_result, reached.contact_id) == (
        "done",
        "connected",
        contact.pk,
    )
    missed = CallListEntry.objects.get(customer_id=rings_out.pk)
    assert (missed.status, missed.last_result, missed.attempts) == ("pending", "no_answer", 1)
    third = CallListEntry.objects.get(customer_id=later.pk)
    assert (third.attempts, third.last_result) == (1, "machine")  # after the no-answer
    totals = CallList.objects.get(name="renew")
    assert (totals.answered, totals.connected, totals.abandoned) == (1, 1, 0)


def test_the_rules_hold_entries_back_and_say_why(floor, make_customer):
    no_consent = customer(make_customer, "0991000011", consent=None)
    refused = customer(make_customer, "0991000012", consent=False)
    on_registry = customer(make_customer, "0991000013")
    in_mexico = customer(make_customer, "+525512345678", country="MX", region="Ciudad de México")
    fine = customer(make_customer, "0991000015")
    dialer.add_do_not_call(["0991000013"], "registry", ACTOR)
    dialer.create_list("offers", "general", "progressive", ACTOR)
    ids = (no_consent, refused, on_registry, in_mexico, fine)
    dialer.add_from_csv("offers", "customer_id\n" + "".join(f"{c.pk}\n" for c in ids), ACTOR)
    dialer.move_list("offers", "start", ACTOR)
    job = DialerJob(switch({}))

    report = job.step(MONDAY_0930_QUITO)
    assert report.dialled == 1
    entries = {e.customer_id: e for e in CallListEntry.objects.all()}
    assert (entries[no_consent.pk].status, entries[no_consent.pk].refusal) == (
        "closed",
        "no_consent",
    )
    assert entries[refused.pk].refusal == "do_not_call"
    assert entries[on_registry.pk].refusal == "do_not_call"
    mexico = entries[in_mexico.pk]
    assert (mexico.status, mexico.refusal) == ("pending", "outside_hours")
    assert mexico.next_try_at == datetime(2026, 12, 7, 15, 0, tzinfo=UTC)  # 09:00 there
    assert entries[fine.pk].status == "dialling"
    assert DialAttempt.objects.get().number == "+593991000015"


def test_an_answer_with_no_agent_is_abandoned_after_two_seconds(floor, make_customer):
    people = [customer(make_customer, f"09920000{n:02d}") for n in range(12)]
    agents.set_state(floor["luis"].pk, "break", ACTOR)  # one agent left
    dialer.create_list("blitz", "general", "predictive", ACTOR)
    dialer.add_from_csv("blitz", "customer_id\n" + "".join(f"{c.pk}\n" for c in people), ACTOR)
    dialer.move_list("blitz", "start", ACTOR)
    everyone = {f"+5939920000{n:02d}": DialOutcome.ANSWERED for n in range(12)}
    sim = switch(everyone, ring=1.0)
    job = DialerJob(sim, pacing={"prior_answer_rate": 0.05})  # expects few answers: dials ahead

    report = job.step(MONDAY_0930_QUITO)
    assert report.dialled >= 2  # predictive dials ahead of its one free agent
    run(job, sim, 30)
    attempts = DialAttempt.objects.exclude(result="")
    assert attempts.filter(result="connected").count() == 1
    abandoned = attempts.filter(result="abandoned")
    assert abandoned.count() == report.dialled - 1
    entry = abandoned.first().entry
    assert (entry.status, entry.last_result) == ("pending", "abandoned")
    assert CallList.objects.get(name="blitz").abandoned == report.dialled - 1
    assert sim.trunks_in_use == 1  # the dialer hung up every abandoned line

    agents.set_state(floor["luis"].pk, "available", ACTOR)
    job.step(sim.at(sim.now) + timedelta(hours=1))  # no call back within 72 h of an abandon
    entry.refresh_from_db()
    assert entry.refusal == "retry_too_soon"
    assert entry.attempts == 1


def test_paused_and_preview_lists_do_not_dial(floor, make_customer):
    c = customer(make_customer, "0991000031")
    dialer.create_list("quiet", "general", "progressive", ACTOR)
    dialer.create_list("look", "general", "preview", ACTOR)
    for name in ("quiet", "look"):
        dialer.add_from_csv(name, f"customer_id\n{c.pk}\n", ACTOR)
    dialer.move_list("quiet", "start", ACTOR)
    dialer.move_list("quiet", "pause", ACTOR)
    dialer.move_list("look", "start", ACTOR)
    assert DialerJob(switch({})).step(MONDAY_0930_QUITO).dialled == 0
    assert not DialAttempt.objects.exists()


def test_preview_reserves_the_record_and_rings_from_the_agents_phone(floor, make_customer):
    from lealtad.contactcenter.errors import WrongState
    from lealtad.contactcenter.services.dialer_preview import preview_decide, preview_next

    first, second = (customer(make_customer, f"09930000{n:02d}") for n in range(2))
    dialer.create_list("look", "general", "preview", ACTOR)
    dialer.add_from_csv("look", f"customer_id\n{first.pk}\n{second.pk}\n", ACTOR)
    dialer.move_list("look", "start", ACTOR)
    sim = switch({"+593993000000": DialOutcome.ANSWERED})
    job = DialerJob(sim)
    ana, luis = floor["ana"].pk, floor["luis"].pk

    mine = preview_next("look", ana, MONDAY_0930_QUITO)
    assert (mine.customer_id, mine.status) == (first.pk, "previewing")
    assert preview_next("look", ana, MONDAY_0930_QUITO).pk == mine.pk  # still reading it
    theirs = preview_next("look", luis, MONDAY_0930_QUITO)
    assert theirs.customer_id == second.pk  # never the same customer to two agents
    with pytest.raises(WrongState):
        preview_decide(theirs.pk, ana, accept=True, job=job, now=MONDAY_0930_QUITO)

    passed = preview_decide(theirs.pk, luis, accept=False, job=job, now=MONDAY_0930_QUITO)
    assert (passed.status, passed.last_result, passed.attempts) == ("pending", "rejected", 0)
    assert preview_next("look", luis, MONDAY_0930_QUITO) is None  # rejected: not for a day

    dialled = preview_decide(mine.pk, ana, accept=True, job=job, now=MONDAY_0930_QUITO)
    assert (dialled.status, dialled.attempts) == ("dialling", 1)
    assert sim.phones["ext-ana"]  # the line rings from Ana's phone
    run(job, sim, 60)
    contact = Contact.objects.get(customer_id=first.pk)
    assert (contact.agent_id, contact.status, contact.direction) == (ana, "handling", "outbound")
    dialled.refresh_from_db()
    assert (dialled.status, dialled.last_result, dialled.reserved_for_id) == (
        "done",
        "connected",
        None,
    )


def test_two_lists_on_one_queue_share_its_agents(floor, make_customer):
    people = [customer(make_customer, f"09940000{n:02d}") for n in range(6)]
    for name, group in (("one", people[:3]), ("two", people[3:])):
        dialer.create_list(name, "general", "progressive", ACTOR)
        dialer.add_from_csv(name, "customer_id\n" + "".join(f"{c.pk}\n" for c in group), ACTOR)
        dialer.move_list(name, "start", ACTOR)
    report = DialerJob(switch({})).step(MONDAY_0930_QUITO)
    assert report.dialled == 2  # two free agents, whatever the number of lists


def test_a_switch_restart_ends_the_dialers_lines(floor, make_customer):
    from lealtad.contact_engine.telephony.adapter import SwitchRestarted

    people = [customer(make_customer, f"09950000{n:02d}") for n in range(2)]
    dialer.create_list("care", "general", "progressive", ACTOR)
    dialer.add_from_csv("care", "customer_id\n" + "".join(f"{c.pk}\n" for c in people), ACTOR)
    dialer.move_list("care", "start", ACTOR)
    sim = switch({})
    job = DialerJob(sim)
    assert job.step(MONDAY_0930_QUITO).dialled == 2
    sim.restart()
    events = sim.advance(1)
    assert any(isinstance(e, SwitchRestarted) for e in events)
    for event in events:
        job.apply(event)
    assert set(DialAttempt.objects.values_list("result", flat=True)) == {"no_answer"}
    assert job.pacer(CallList.objects.get(name="care")).lines_in_flight == 0


def test_lines_the_switch_never_reports_end_and_a_new_job_takes_over(floor, make_customer):
    people = [customer(make_customer, f"09960000{n:02d}") for n in range(3)]
    dialer.create_list("care", "general", "progressive", ACTOR)
    dialer.add_from_csv("care", "customer_id\n" + "".join(f"{c.pk}\n" for c in people), ACTOR)
    dialer.move_list("care", "start", ACTOR)
    assert DialerJob(switch({})).step(MONDAY_0930_QUITO).dialled == 2
    successor = DialerJob(switch({}))  # the first job died with its two lines open
    assert successor.step(MONDAY_0930_QUITO + timedelta(seconds=10)).dialled == 0
    later = successor.step(MONDAY_0930_QUITO + timedelta(seconds=130))
    assert DialAttempt.objects.filter(result="no_answer").count() == 2  # silent lines ended
    assert later.dialled == 1  # the third customer (the others wait two hours to retry)


def test_a_call_id_reused_by_a_silently_restarted_switch_ends_the_old_line(floor, make_customer):
    people = [customer(make_customer, f"09970000{n:02d}") for n in range(16)]
    dialer.create_list("blitz", "general", "predictive", ACTOR)
    dialer.add_from_csv("blitz", "customer_id\n" + "".join(f"{c.pk}\n" for c in people), ACTOR)
    dialer.move_list("blitz", "start", ACTOR)
    first = DialerJob(switch({}), pacing={"prior_answer_rate": 0.05})
    old = first.step(MONDAY_0930_QUITO).dialled
    assert old >= 2
    # The switch came back numbering its calls from sim-000001 and said nothing; a new job.
    pacing = {"prior_answer_rate": 0.02, "max_lines_per_agent": 8}
    successor = DialerJob(switch({}), pacing=pacing)
    new = successor.step(MONDAY_0930_QUITO + timedelta(seconds=5)).dialled
    assert new >= 1
    reused = DialAttempt.objects.filter(call_ref="sim-000001").order_by("pk")
    assert [a.result for a in reused] == ["no_answer", ""]  # the old line ended, the new open
    refs = list(DialAttempt.objects.filter(result="").values_list("call_ref", flat=True))
    assert len(refs) == len(set(refs))


def test_a_person_who_hangs_up_before_the_agent_is_bridged_is_abandoned(floor, make_customer):
    person = customer(make_customer, "0998000001")
    dialer.create_list("care", "general", "progressive", ACTOR)
    dialer.add_from_csv("care", f"customer_id\n{person.pk}\n", ACTOR)
    dialer.move_list("care", "start", ACTOR)
    sim = switch({"+593998000001": DialOutcome.ANSWERED}, patience=0.01)
    job = DialerJob(sim)
    job.step(MONDAY_0930_QUITO)
    events = sim.advance(60)  # answered, then gone before the dialer could hand it over
    for event in events:
        job.apply(event)
    attempt = DialAttempt.objects.get()
    assert attempt.result == "abandoned"
    totals = CallList.objects.get(name="care")
    assert (totals.connected, totals.abandoned) == (0, 1)
    contact = Contact.objects.get(customer_id=person.pk)
    assert contact.status == ContactStatus.WRAP_UP  # its agent is not left on a dead call
    assert job.pacer(totals).stats().abandoned == 1


def test_a_new_job_goes_on_from_the_lists_figures(floor, make_customer):
    person = customer(make_customer, "0998100001")
    dialer.create_list("care", "general", "predictive", ACTOR)
    dialer.add_from_csv("care", f"customer_id\n{person.pk}\n", ACTOR)
    dialer.move_list("care", "start", ACTOR)
    CallList.objects.filter(name="care").update(
        dialled=1000, answered=250, connected=243, abandoned=7
    )
    pacer = DialerJob(switch({})).pacer(CallList.objects.get(name="care"))
    stats = pacer.stats()
    assert stats.answer_rate == pytest.approx(0.25)
    assert stats.abandon_rate == pytest.approx(0.028)


def test_the_dialer_and_the_cti_feed_make_one_contact_of_a_call(floor, make_customer):
    from lealtad.contactcenter.models import CtiCall
    from lealtad.contactcenter.services import cti

    person = customer(make_customer, "0998200001")
    dialer.create_list("care", "general", "progressive", ACTOR)
    dialer.add_from_csv("care", f"customer_id\n{person.pk}\n", ACTOR)
    dialer.move_list("care", "start", ACTOR)
    sim = switch({"+593998200001": DialOutcome.ANSWERED}, patience=600.0)
    job = DialerJob(sim)
    job.step(MONDAY_0930_QUITO)
    for _ in range(30):  # the dialer reads each event first, then the CTI feed applies it
        events = sim.advance(sim.now + 1)
        for event in events:
            job.apply(event)
        cti.apply_events(events)
    contact = Contact.objects.get(customer_id=person.pk)  # one, not two
    assert contact.status == ContactStatus.HANDLING
    assert CtiCall.objects.get().contact_id == contact.pk
    assert sim.calls[DialAttempt.objects.get().call_ref].state == "talking"  # agent bridged


def test_a_wrap_up_of_do_not_call_closes_the_entry_and_blocks_the_number(floor, make_customer):
    from lealtad.contactcenter.models import DoNotCallNumber
    from lealtad.contactcenter.services import contacts

    setup.save_wrap_up_code("do_not_call", "Asked not to be called")
    person = customer(make_customer, "0998300001")
    dialer.create_list("care", "general", "progressive", ACTOR)
    dialer.add_from_csv("care", f"customer_id\n{person.pk}\n", ACTOR)
    dialer.move_list("care", "start", ACTOR)
    sim = switch({"+593998300001": DialOutcome.ANSWERED})
    job = DialerJob(sim)
    job.step(MONDAY_0930_QUITO)
    run(job, sim, 20)
    contact = Contact.objects.get(customer_id=person.pk)
    contacts.release(contact.pk, ACTOR)
    contacts.wrap_up(contact.pk, ACTOR, code="do_not_call")
    job.step(sim.at(sim.now))
    entry = CallListEntry.objects.get()
    assert (entry.status, entry.last_result) == ("done", "refused")
    assert DoNotCallNumber.objects.filter(e164="+593998300001").exists()
