"""``lealtad contactcenter staffing``: a table from a file or the recorded history."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from lealtad.contactcenter.cli import app
from lealtad.contactcenter.models import CenterEvent

from .test_staffing_api import MONDAY, _history

runner = CliRunner()
pytestmark = pytest.mark.django_db


def _body(tmp_path, suffix: str = ".json", **more) -> str:
    body = {
        "queues": [
            {"queue": "general", "calls": [360, 0], "aht_seconds": 240},
            {"queue": "premier", "calls": [0, 10], "aht_seconds": 240},
        ],
        "interval_seconds": 1800,
        **more,
    }
    path = tmp_path / f"staffing{suffix}"
    path.write_text(json.dumps(body))  # JSON is YAML too
    return str(path)


@pytest.mark.parametrize("suffix", [".json", ".yaml"])
def test_a_file_gives_the_table_with_options_overriding_it(center, tmp_path, suffix):
    path = _body(tmp_path, suffix, within_seconds=60)
    args = ["staffing", "--file", path, "--target", "0.8", "--within", "15", "--json"]
    result = runner.invoke(app, [*args, "--shrinkage", "breaks=0.2"])
    assert result.exit_code == 0, result.output
    plan = json.loads(result.stdout)
    assert plan["agents"][0] == 55 and plan["scheduled"][0] == 69
    assert plan["target"]["within_seconds"] == 15 and plan["shrinkage"] == 0.2
    table = runner.invoke(app, ["staffing", "--file", path, "--target", "0.8", "--within", "15"])
    assert table.exit_code == 0, table.output
    assert "general calls" in table.stdout and "80 % within 15 s" in table.stdout
    assert " 55 " in table.stdout and "pooling saves" in table.stdout


def test_from_history_plans_the_recorded_monday(center):
    _history("billing", weeks=2, per_slot={0: 30, 2: 10})
    args = ["staffing", "--from-history", "--date", MONDAY.isoformat(), "--queue", "billing"]
    result = runner.invoke(app, [*args, "--target", "0.8", "--within", "15"])
    assert result.exit_code == 0, result.output
    lines = [line for line in result.stdout.splitlines() if line.startswith("│")]
    assert [line.split("│")[1].strip() for line in lines] == [
        f"{9 + i // 4:02d}:{15 * (i % 4):02d}" for i in range(8)
    ]  # only the intervals that need someone
    assert "weekday x time of day, 4 days of history" in result.stdout
    shown_all = runner.invoke(app, [*args, "--all"])
    assert sum(line.startswith("│") for line in shown_all.stdout.splitlines()) == 96


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["--from-history", "--interval", "700"], "interval_seconds"),
        (["--from-history", "--queue", "nope"], "history_queues[0]"),
        (["--from-history", "--target", "1.5"], "service_level"),
    ],
)
def test_refusals_are_a_red_line_and_exit_1(center, args, words):
    before = CenterEvent.objects.count()
    result = runner.invoke(app, ["staffing", *args])
    assert result.exit_code == 1, result.output
    assert words in result.output and "Traceback" not in result.output
    assert CenterEvent.objects.count() == before


def test_bad_options_are_usage_errors(center, tmp_path):
    both = runner.invoke(app, ["staffing", "--from-history", "--file", _body(tmp_path)])
    assert both.exit_code == 2 and "either --from-history or --file" in both.output
    share = runner.invoke(app, ["staffing", "--from-history", "--shrinkage", "breaks"])
    assert share.exit_code == 2 and "NAME=SHARE" in share.output
