"""``lealtad marketing campaigns list|send|pause|resume`` and ``suppressions import``."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from lealtad.cli import app
from lealtad.marketing.models import Campaign, Suppression
from lealtad.marketing.services import sending
from tests.marketing.test_campaign_send import no_quiet_hours
from tests.marketing.test_campaign_support import ACTOR, campaign, person, segment, smtp_fixture  # noqa: F401

pytestmark = pytest.mark.django_db(transaction=True)
runner = CliRunner()


def test_send_launches_sends_and_lists(smtp):
    no_quiet_hours()
    cid = campaign(segment([person("ana@correo.ec"), person("bob@correo.ec")]))
    sent = runner.invoke(app, ["marketing", "campaigns", "send", str(cid), "--launch"])
    assert sent.exit_code == 0, sent.output
    assert "'sent': 2" in sent.output and "done" in sent.output
    assert len(smtp.received) == 2
    listed = runner.invoke(app, ["marketing", "campaigns", "list"])
    assert "Navidad" in listed.output and "100.0" in listed.output


def test_pause_and_resume_and_a_refused_move(smtp):
    cid = campaign(segment([person("ana@correo.ec")]))
    refused = runner.invoke(app, ["marketing", "campaigns", "pause", str(cid)])
    assert refused.exit_code == 1 and "draft campaign cannot pause" in refused.output
    sending.steer(cid, "launch", ACTOR)
    paused = runner.invoke(app, ["marketing", "campaigns", "pause", str(cid)])
    assert paused.exit_code == 0 and "paused" in paused.output
    resumed = runner.invoke(app, ["marketing", "campaigns", "resume", str(cid)])
    assert resumed.exit_code == 0 and "running" in resumed.output
    assert Campaign.objects.get(pk=cid).status == "running"


def test_suppressions_import_counts_new_rows_and_refuses_a_bad_line(tmp_path):
    good = tmp_path / "lista.csv"
    good.write_text("channel,address,reason\nemail,a@b.ec,bounce\nsms,+593991234567,\n")
    first = runner.invoke(app, ["marketing", "suppressions", "import", str(good)])
    assert first.exit_code == 0 and "2 new suppressions" in first.output
    again = runner.invoke(app, ["marketing", "suppressions", "import", str(good)])
    assert "0 new suppressions (2 already there)" in again.output
    bad = tmp_path / "mala.csv"
    bad.write_text("channel,address\nemail,c@d.ec\nfax,123\n")
    refused = runner.invoke(app, ["marketing", "suppressions", "import", str(bad)])
    assert refused.exit_code == 1 and "rows[1].channel" in refused.output
    assert Suppression.objects.count() == 2
