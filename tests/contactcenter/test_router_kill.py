"""The ACD router process killed with SIGKILL while a switch simulator drives calls through
CTI: no contact lost or doubled, no agent stuck (the short form of benchmarks/acd_kill.py)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from django.db import connection

from lealtad.contactcenter.cti_drill import SLACK, run_drill

pytestmark = pytest.mark.django_db(transaction=True)


def _database_url() -> str:
    """The test database, for a process of its own."""
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{Path(db['NAME']).resolve()}"
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    return f"postgres://{db['USER']}{password}@{db['HOST']}:{db['PORT']}/{db['NAME']}"


def test_killing_the_router_loses_no_contact_and_strands_no_agent(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("LEALTAD_")}
    env.update(LEALTAD_HOME=str(tmp_path / "home"), LEALTAD_DATABASE_URL=_database_url())
    report = run_drill(env, kills=4, simulated=480.0, speed=30.0, calls_per_hour=240, seed=5)
    assert report.kills == 4
    assert report.offered >= 15 and report.answered >= 10
    assert report.contacts == report.offered
    assert (report.lost, report.doubled, report.live_left) == (0, 0, 0)
    assert report.agents_not_available == 0
    assert report.wrap_up_overstay <= SLACK and report.offer_overstay <= SLACK
    assert report.stuck_seen == 0
    assert report.router_crashes == 0  # see the router.log under tmp_path when not
