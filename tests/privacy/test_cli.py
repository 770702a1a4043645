"""``lealtad privacy``: requests, export, erasure and retention from a shell."""

from __future__ import annotations

import json

import pytest
from django.contrib.auth.models import Group, User
from typer.testing import CliRunner

from lealtad.cli import app
from lealtad.customers.models import Customer
from lealtad.privacy.models import DataSubjectRequest

pytestmark = pytest.mark.django_db
runner = CliRunner()


@pytest.fixture
def officer_user(db):
    user = User.objects.create_user("privacidad", password="x-Secret-9")
    user.groups.add(Group.objects.get_or_create(name="privacy_officer")[0])
    return user


def _run(*args: str):
    return runner.invoke(app, ["privacy", *args, "--as", "privacidad"])


def test_export_and_erasure_go_through_a_verified_request(officer_user, story, tmp_path):
    cid = str(story.customer_id)
    refused = _run("export", cid)
    assert refused.exit_code == 2 and "verify" in refused.output
    opened = _run("requests", "open", cid, "--kind", "access", "--channel", "email")
    assert opened.exit_code == 0, opened.output
    rid = str(DataSubjectRequest.objects.get().pk)
    assert _run("requests", "verify", rid, "--method", "cédula").exit_code == 0
    out = tmp_path / "copia.json"
    done = _run("export", cid, "-o", str(out))
    assert done.exit_code == 0, done.output
    assert json.loads(out.read_text())["customers"]["profile"]["id"] == story.customer_id
    assert oct(out.stat().st_mode & 0o777) == "0o600"
    listed = _run("requests", "list")
    assert f"#{rid}\taccess\tin_progress" in listed.output
    _run("requests", "open", cid, "--kind", "erasure")
    erasure = DataSubjectRequest.objects.get(kind="erasure")
    _run("requests", "verify", str(erasure.pk), "--method", "carta firmada")
    assert _run("erase", cid).exit_code == 2  # no --yes
    erased = _run("erase", cid, "--yes")
    assert erased.exit_code == 0, erased.output
    assert Customer.objects.get(pk=story.customer_id).erased_at is not None


def test_only_a_privacy_officer_may_use_it(db, story):
    User.objects.create_user("gerente", password="x-Secret-9").groups.add(
        Group.objects.get_or_create(name="manager")[0]
    )
    denied = runner.invoke(app, ["privacy", "requests", "list", "--as", "gerente"])
    assert denied.exit_code == 2 and "not a privacy officer" in denied.output


def test_retention_dry_run_and_apply(officer_user, story):
    from datetime import timedelta

    from django.utils import timezone

    old = timezone.now() - timedelta(days=2000)
    Customer.objects.filter(pk=story.customer_id).update(created_at=old, updated_at=old)
    off = _run("retention", "--dry-run")
    assert "no retention policy is switched on" in off.output
    assert _run("policy", "lapsed_prospects", "--months", "36", "--on").exit_code == 0
    dry = _run("retention", "--dry-run")
    assert f"customer #{story.customer_id}" in dry.output and "would remove 1" in dry.output
    assert Customer.objects.get(pk=story.customer_id).erased_at is None
    applied = _run("retention", "--apply")
    assert "removed 1" in applied.output, applied.output
    assert Customer.objects.get(pk=story.customer_id).erased_at is not None
