"""``lealtad contactcenter simulate``: examples without a database, what-if files with one."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from lealtad.contactcenter.cli import app

runner = CliRunner()


def test_the_value_day_example_compares_both_policies():
    result = runner.invoke(app, ["simulate", "--example", "value_day", "--compare", "--json"])
    assert result.exit_code == 0, result.output
    runs = json.loads(result.stdout)
    assert set(runs) == {"fcfs", "value_skills"}
    mvc = {name: run["tiers"]["mvc"]["service_level"] for name, run in runs.items()}
    assert mvc["value_skills"] >= 0.95 > mvc["fcfs"]
    assert runs["fcfs"]["total"]["offered"] == runs["value_skills"]["total"]["offered"]


def test_the_table_names_every_queue_and_tier():
    result = runner.invoke(app, ["simulate", "--example", "five_skills", "--days", "0.1"])
    assert result.exit_code == 0, result.output
    for word in ("skill0", "skill4", "mvc", "below_zero", "occupancy", "universal"):
        assert word in result.stdout


@pytest.mark.django_db
@pytest.mark.parametrize("suffix", [".json", ".yaml"])
def test_a_what_if_file_runs_on_the_configured_center(center, tmp_path, suffix):
    body = {"queues": [{"queue": "billing", "agents": 8, "arrivals": [60, 80]}], "seed": 2}
    path = tmp_path / f"whatif{suffix}"
    path.write_text(json.dumps(body))  # JSON is YAML too
    result = runner.invoke(app, ["simulate", "--file", str(path), "--policy", "fcfs", "--json"])
    assert result.exit_code == 0, result.output
    run = json.loads(result.stdout)["fcfs"]
    assert run["total"]["offered"] == run["queues"]["billing"]["offered"] > 0
    again = runner.invoke(app, ["simulate", "--file", str(path), "--policy", "fcfs", "--json"])
    assert json.loads(again.stdout)["fcfs"]["total"] == run["total"]


@pytest.mark.django_db
def test_a_refused_what_if_is_a_red_line_not_a_traceback(center, tmp_path):
    path = tmp_path / "whatif.json"
    path.write_text(json.dumps({"queues": [{"queue": "nowhere", "arrivals": [1]}]}))
    result = runner.invoke(app, ["simulate", "--file", str(path)])
    assert result.exit_code == 1
    assert "queues[0].queue" in result.output and "Traceback" not in result.output


@pytest.mark.parametrize(
    "args",
    [
        ["simulate"],
        ["simulate", "--example", "value_day", "--file", "x.json"],
        ["simulate", "--example", "nowhere"],
        ["simulate", "--example", "value_day", "--policy", "random"],
    ],
)
def test_bad_options_are_usage_errors(args, tmp_path):
    result = runner.invoke(app, args)
    assert result.exit_code == 2
