"""Production settings, security headers and owner-only files.

Settings are read once per process, so each configuration runs in a subprocess with its own
environment (as a deployment would start), never by patching this process's settings.
"""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import Client

from tests.two_factor import verified_login

PRODUCTION = {
    "LEALTAD_ALLOWED_HOSTS": "crm.example.com,www.crm.example.com",
    "LEALTAD_SECRET_KEY": "k" * 10 + "production-secret-key-with-enough-variety-0123456789",
}


def _run(home: Path, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    # A deployment's environment: none of this test process's settings, nor the async escape
    # hatch the browser fixtures set (check --deploy rightly refuses it).
    clean = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("LEALTAD_") and k != "DJANGO_ALLOW_ASYNC_UNSAFE"
    }
    clean.update(DJANGO_SETTINGS_MODULE="lealtad.settings", LEALTAD_HOME=str(home), **env)
    return subprocess.run(
        [sys.executable, *args], env=clean, capture_output=True, text=True, timeout=120
    )


def _setting(home: Path, env: dict[str, str], expression: str) -> str:
    code = f"from django.conf import settings as s; print({expression})"
    done = _run(home, env, "-c", code)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def test_check_deploy_passes_with_no_warning(tmp_path: Path) -> None:
    done = _run(tmp_path, PRODUCTION, "-m", "django", "check", "--deploy", "--fail-level", "DEBUG")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "no issues" in done.stdout and "WARNING" not in done.stdout + done.stderr


def test_check_deploy_would_catch_plain_http(tmp_path: Path) -> None:
    env = {**PRODUCTION, "LEALTAD_HTTPS": "false"}
    done = _run(tmp_path, env, "-m", "django", "check", "--deploy", "--fail-level", "WARNING")
    assert done.returncode != 0 and "security.W008" in done.stdout + done.stderr


def test_any_host_is_refused(tmp_path: Path) -> None:
    done = _run(tmp_path, {"LEALTAD_ALLOWED_HOSTS": "*"}, "-c", "import django; django.setup()")
    assert done.returncode != 0 and "may not contain '*'" in done.stderr


def test_unset_hosts_mean_this_machine_over_plain_http(tmp_path: Path) -> None:
    expression = "s.ALLOWED_HOSTS, s.SECURE_SSL_REDIRECT, s.SESSION_COOKIE_SECURE"
    assert _setting(tmp_path, {}, expression) == "['localhost', '127.0.0.1', '[::1]'] False False"


def test_named_hosts_turn_https_on(tmp_path: Path) -> None:
    expression = (
        "s.SECURE_SSL_REDIRECT, s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, "
        "s.SECURE_HSTS_SECONDS, s.SESSION_COOKIE_HTTPONLY, s.SESSION_COOKIE_SAMESITE, "
        "getattr(s, 'SECURE_PROXY_SSL_HEADER', None)"
    )
    assert _setting(tmp_path, PRODUCTION, expression) == "True True True 31536000 True Lax None"


def test_the_proxy_header_is_trusted_only_when_configured(tmp_path: Path) -> None:
    env = {**PRODUCTION, "LEALTAD_PROXY_SSL_HEADER": "X-Forwarded-Proto"}
    assert _setting(tmp_path, env, "s.SECURE_PROXY_SSL_HEADER") == (
        "('HTTP_X_FORWARDED_PROTO', 'https')"
    )


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_personal_data_files_are_owner_only(tmp_path: Path) -> None:
    home = tmp_path / "home"
    legacy = tmp_path / "legacy.sqlite3"  # an older install's database, world-readable
    legacy.touch(mode=0o644)
    legacy.chmod(0o644)
    script = """
import os, sys
os.umask(0o022)  # a permissive shell: Lealtad must not rely on it
import django; django.setup()
from django.core.management import call_command
from django.db import connection
call_command("migrate", verbosity=0)
from lealtad.customers.bulk import csv_export
with open(sys.argv[1], "w", encoding="utf-8") as handle:
    csv_export.export_csv(handle)
from django.conf import settings
settings.LEALTAD_CONNECTOR_DATA_DIR.mkdir(parents=True, exist_ok=True)
with connection.cursor() as cursor:
    cursor.execute("SELECT count(*) FROM auth_user")
for suffix in ("", "-wal", "-shm"):
    print(oct(os.stat(connection.settings_dict["NAME"] + suffix).st_mode & 0o777))
"""
    export = tmp_path / "out" / "customers.csv"
    export.parent.mkdir()
    done = _run(home, {}, "-c", script, str(export))
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["0o600", "0o600", "0o600"]
    assert _mode(home) == 0o700
    assert _mode(home / "secret_key") == 0o600
    assert _mode(export) == 0o600
    assert _mode(home / "connector-data") == 0o700
    fixed = _run(
        home,
        {"LEALTAD_DATABASE_URL": f"sqlite:///{legacy}"},
        "-c",
        "import django; django.setup(); from django.db import connection as c; "
        "c.ensure_connection()",
    )
    assert fixed.returncode == 0, fixed.stderr
    assert _mode(legacy) == 0o600


@pytest.mark.django_db
def test_pages_and_api_answers_are_not_stored(make_user) -> None:
    client = Client()
    verified_login(client, make_user("admin"))
    for path in ("/customers/", "/api/v1/customers?q=x", "/login/"):
        response = client.get(path)
        assert "no-store" in response["Cache-Control"], path
        assert "private" in response["Cache-Control"], path
    assert "no-store" not in client.get("/api/v1/openapi.json").get("Cache-Control", "")


@pytest.mark.django_db
def test_every_page_carries_a_strict_content_security_policy() -> None:
    policy = Client().get("/login/")["Content-Security-Policy"]
    directives = dict(d.strip().split(" ", 1) for d in policy.split(";") if d.strip())
    assert directives["script-src"] == "'self'"
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
    assert directives["object-src"] == "'none'" and directives["frame-ancestors"] == "'none'"


def test_no_template_carries_inline_script_or_handlers() -> None:
    import re

    root = Path(__file__).resolve().parent.parent / "src" / "lealtad"
    inline = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>|\son[a-z]+\s*=|\sstyle\s*=|<style", re.I)
    offenders = [
        f"{path.relative_to(root)}: {match.group(0)}"
        for path in root.rglob("templates/**/*.html")
        for match in inline.finditer(path.read_text(encoding="utf-8"))
    ]
    assert offenders == []
