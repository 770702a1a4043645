"""Capturing leads: validation that names the field, idempotent deliveries, matching a known
customer by identity keys (never a duplicate), and assignment by each team rule."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from hypothesis import given, settings
from hypothesis import strategies as st

from lealtad.customers.selectors.owners import owners_of
from lealtad.sales.choices import AssignmentRule, LeadStatus
from lealtad.sales.models import Lead, SalesTeam, TeamMember, Territory
from lealtad.sales.services import leads
from lealtad.sales.services.common import SalesNotFound, SalesRefused
from tests.sales.helpers import ACTOR, known_customer, lead

pytestmark = pytest.mark.django_db


def test_a_lead_needs_a_name_and_a_way_to_reach_it():
    found, problems = leads.read_lead({"source": "web_form", "external_id": "x"})
    assert found is None
    assert {f for f, _ in problems} == {"person_name", "email"}


def test_a_bad_email_is_refused_naming_its_field():
    with pytest.raises(SalesRefused) as refused:
        leads.check_lead({"source": "event", "person_name": "Ana", "email": "ana@"})
    assert refused.value.field == "email"
    assert not Lead.objects.exists()


def test_an_unknown_source_is_refused():
    with pytest.raises(SalesRefused) as refused:
        leads.check_lead({"source": "fax", "person_name": "Ana", "phone": "0993757370"})
    assert refused.value.field == "source"


def test_phones_are_kept_in_e164():
    captured = lead(phone="099-375-7370", email="")
    assert captured.lead.phone == "+593993757370"


def test_the_same_delivery_twice_is_one_lead():
    first = lead(external_id="form-77")
    again = lead(external_id="form-77", person_name="Otro Nombre")
    assert first.created and not again.created
    assert again.lead.pk == first.lead.pk
    assert Lead.objects.count() == 1


def test_a_repeat_within_one_batch_is_kept_once():
    row = leads.check_lead(
        {"source": "event", "external_id": "e1", "person_name": "Ana", "email": "a@example.com"}
    )
    results = leads.capture_leads([row, row], ACTOR)
    assert [r.created for r in results] == [True, False]
    assert Lead.objects.count() == 1


def test_a_lead_for_a_known_customer_links_to_it():
    customer = known_customer(email="maria.quishpe@example.com")
    captured = lead(email="MARIA.QUISHPE@example.com", person_name="María Quishpe")
    assert captured.lead.customer_id == customer


def test_a_lead_is_matched_by_cedula_before_email():
    by_id = known_customer(national_id="1710034065", name="Rodrigo Juárez")
    known_customer(email="rodrigo@example.com", name="Otro Rodrigo")
    captured = lead(national_id="171003406-5", email="rodrigo@example.com")
    assert captured.lead.customer_id == by_id


def test_a_shared_landline_names_nobody():
    known_customer(phone="(02) 2636-145", name="Luis Tipán")
    captured = lead(phone="022636145", email="")
    assert captured.lead.customer_id is None


def test_an_unknown_person_stays_a_lead_not_a_customer():
    captured = lead(email="nadie@example.com")
    assert captured.lead.customer_id is None
    assert owners_of("email", ["nadie@example.com"]) == {}


def _team(rule: str, users: int, territories: list[Territory | None] | None = None) -> SalesTeam:
    team = SalesTeam.objects.create(code=f"t-{rule}", name=rule, assignment_rule=rule)
    for i in range(users):
        user = User.objects.create_user(f"{rule}-{i}")
        where = territories[i] if territories else None
        TeamMember.objects.create(team=team, user=user, territory=where)
    return team


def _many(n: int, **extra: str) -> list[leads.NewLead]:
    return [
        leads.check_lead(
            {
                "source": "import",
                "external_id": f"r{i}",
                "person_name": f"P {i}",
                "email": f"p{i}@example.com",
                **extra,
            }
        )
        for i in range(n)
    ]


def test_round_robin_takes_turns_across_captures():
    team = _team(AssignmentRule.ROUND_ROBIN, 3)
    first = leads.capture_leads(_many(2), ACTOR, team=team.code)
    more = leads.capture_leads(_many(4)[2:], ACTOR, team=team.code)
    owners = [c.lead.owner.username for c in [*first, *more]]
    assert owners == ["round_robin-0", "round_robin-1", "round_robin-2", "round_robin-0"]


def test_by_load_goes_to_the_seller_with_fewest_open_leads():
    team = _team(AssignmentRule.LOAD, 2)
    busy = User.objects.get(username="load-0")
    for i in range(3):
        Lead.objects.create(
            source="event",
            external_id=f"old{i}",
            owner=busy,
            status=LeadStatus.WORKING,
            created_at="2026-11-01T10:00Z",
            updated_at="2026-11-01T10:00Z",
        )
    captured = leads.capture_leads(_many(4), ACTOR, team=team.code)
    owners = [c.lead.owner.username for c in captured]
    assert owners == ["load-1", "load-1", "load-1", "load-0"]


def test_by_territory_the_region_is_read_without_accents():
    norte = Territory.objects.create(code="norte", name="Norte", regions=["pichincha", "imbabura"])
    costa = Territory.objects.create(code="costa", name="Costa", regions=["guayas", "manabi"])
    team = _team(AssignmentRule.TERRITORY, 2, [norte, costa])
    captured = leads.capture_leads(_many(1, region="Manabí"), ACTOR)
    assert captured[0].lead.team == team
    assert captured[0].lead.territory == costa
    assert captured[0].lead.owner.username == "territory-1"


def test_an_unknown_team_is_refused_and_nothing_kept():
    with pytest.raises(SalesNotFound) as missing:
        leads.capture_leads(_many(2), ACTOR, team="nadie")
    assert missing.value.field == "team"
    assert not Lead.objects.exists()


@settings(max_examples=25, deadline=None)
@given(st.text(max_size=40))
def test_any_text_for_a_name_is_kept_or_refused_by_field(name):
    found, problems = leads.read_lead({"source": "event", "person_name": name, "email": "a@b.ec"})
    assert (found is None) == bool(problems)
    assert all(f in leads.FIELDS for f, _ in problems)


def test_each_lead_kept_is_announced_once():
    from lealtad.core.models import OutboxMessage

    first = lead(external_id="form-9")
    lead(external_id="form-9")
    sent = OutboxMessage.objects.filter(event_type="lead.captured")
    assert [m.payload["lead_id"] for m in sent] == [first.lead.pk]
    assert sent.get().payload["source"] == "web_form"
