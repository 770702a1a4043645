"""The supervisor's pages: the wallboard (the same fold as the metrics), interval reports,
agents with their states, queue and agent configuration."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from lealtad.contactcenter.models import AgentSkill, Queue
from lealtad.contactcenter.schemas import ContactIn
from lealtad.contactcenter.services import agents, contacts
from lealtad.contactcenter.services.runtime import RouterRuntime
from lealtad.contactcenter.views_supervisor import BOARD

from .conftest import ACTOR

pytestmark = pytest.mark.django_db


@pytest.fixture
def boss(center: dict[str, Any], make_user: Any) -> Client:
    BOARD.reset()
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(make_user("supervisor", "sofia.super"))
    return client


def cell(page: str, row: str, counter: str) -> str:
    start = page.index(f'id="board-{row}"')
    at = page.index(f'data-counter="{counter}">', start) + len(f'data-counter="{counter}">')
    return page[at : page.index("<", at)].strip()


def test_only_supervisors_see_the_wallboard(center: dict[str, Any], make_user: Any):
    agent = Client(HTTP_ACCEPT_LANGUAGE="en")
    agent.force_login(make_user("agent"))
    for url in ("wallboard/", "wallboard/stream/", "reports/", "agents/", "setup/"):
        assert agent.get(f"/contactcenter/{url}").status_code == 403, url


def test_the_wallboard_counts_agents_and_waiting_contacts(boss: Client, center: dict[str, Any]):
    agents.log_in(center["ana"].pk, ACTOR)
    contacts.receive(ContactIn(queue="billing"), ACTOR)
    contacts.receive(ContactIn(queue="billing"), ACTOR)
    page = boss.get("/contactcenter/wallboard/").content.decode()
    assert cell(page, "total", "agents_logged_in") == "1"
    assert cell(page, "billing", "queued") == "2"
    assert cell(page, "billing", "offered") == "2"
    RouterRuntime().step()  # one offered to Ana; the board keeps counting it as waiting
    call = contacts.receive(ContactIn(queue="general"), ACTOR)
    contacts.abandon(call.pk, ACTOR)
    page = boss.get("/contactcenter/wallboard/").content.decode()
    assert cell(page, "general", "abandon_rate") == "100%"
    assert 'data-live-src="/contactcenter/wallboard/stream/"' in page


def test_the_interval_report_shows_the_seeds_metrics(boss: Client, center: dict[str, Any]):
    agents.log_in(center["ana"].pk, ACTOR)
    call = contacts.receive(ContactIn(queue="general"), ACTOR)
    RouterRuntime().step()
    contacts.answer(call.pk, ACTOR)
    contacts.wrap_up(call.pk, ACTOR, outcome="resolved")
    page = boss.get("/contactcenter/reports/?minutes=15").content.decode()
    assert "TPE" in page and "A/B" in page and "B/D" in page
    assert 'id="report"' in page and "general" in page
    # A bad interval or day falls back to the defaults instead of failing.
    assert boss.get("/contactcenter/reports/?minutes=7&day=ayer").status_code == 200


def test_the_agents_list_shows_states(boss: Client, center: dict[str, Any]):
    agents.log_in(center["ana"].pk, ACTOR)
    agents.set_state(center["ana"].pk, "break", ACTOR)
    page = boss.get("/contactcenter/agents/").content.decode()
    assert f'id="agent-{center["ana"].pk}" class="cc-state-break"' in page


def test_a_queue_is_added_and_a_bad_one_writes_nothing(boss: Client, center: dict[str, Any]):
    form = {
        "queue-name": "fraude",
        "queue-label": "Fraude",
        "queue-skill": "billing",
        "queue-level": "2",
        "queue-min_proficiency": "7",
        "queue-relax_after_seconds": "90",
        "queue-service_level_seconds": "20",
        "queue-service_level_target": "0.9",
        "queue-overflow_after": "60",
        "queue-overflow_to": "general",
    }
    assert boss.post("/contactcenter/setup/", form).status_code == 302
    saved = Queue.objects.get(name="fraude")
    assert (saved.level, saved.min_proficiency, saved.service_level_seconds) == (2, 7, 20)
    assert [(o.after_seconds, o.to_queue.name) for o in saved.overflows.all()] == [(60, "general")]
    bad = boss.post(
        "/contactcenter/setup/", {**form, "queue-name": "otra", "queue-overflow_to": ""}
    )
    assert bad.status_code == 422
    assert "Give both" in bad.content.decode()
    assert not Queue.objects.filter(name="otra").exists()


def test_an_agents_skills_are_edited_and_a_bad_entry_is_named(boss: Client, center: dict[str, Any]):
    ana = center["ana"]
    url = f"/contactcenter/agents/{ana.pk}/"
    bad = boss.post(url, {"name": "Ana Q", "skills": "general=8, cobranza=3", "max_total": 3})
    assert bad.status_code == 422 and "Entry 2" in bad.content.decode()
    assert AgentSkill.objects.filter(agent=ana).count() == 2  # unchanged
    ok = boss.post(url, {"name": "Ana Q", "skills": "general=4", "max_total": 2})
    assert ok.status_code == 302
    assert dict(AgentSkill.objects.filter(agent=ana).values_list("skill__name", "proficiency")) == {
        "general": 4
    }
