"""Two-factor sign-in with real TOTP codes (RFC 6238), for staff and administrators."""

from __future__ import annotations

import base64
import re
import time
from typing import Any

import pytest
from django.contrib.auth.models import Group, User
from django.test import Client
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice
from typer.testing import CliRunner

from lealtad.accounts import throttle
from lealtad.cli import app
from tests.two_factor import code_now, enrol, verified_login

from .conftest import PASSWORD

pytestmark = pytest.mark.django_db
# After a wrong code the device itself refuses codes for 1 s, doubling with each further
# failure (django-otp's throttle, on top of Lealtad's per account and address).
DEVICE_BACKOFF = 1.1


def _code_from_secret(secret: str) -> str:
    """What an authenticator app that scanned ``secret`` shows now."""
    key = base64.b32decode(secret + "=" * (-len(secret) % 8))
    clock = TOTP(key)
    return f"{clock.token():06d}"


def _password_step(client: Client, user: User, next_url: str = "") -> Any:
    data = {"username": user.username, "password": PASSWORD}
    path = f"/login/?next={next_url}" if next_url else "/login/"
    return client.post(path, data)


def test_staff_enrol_at_first_sign_in_and_are_then_verified(staff: User) -> None:
    client = Client()
    response = _password_step(client, staff)
    assert response.status_code == 302 and response["Location"] == "/login/enrol/"
    assert "_auth_user_id" not in client.session  # the password alone signs no one in
    page = client.get("/login/enrol/").content.decode()
    secret = re.search(r'id="totp-secret">([A-Z2-7]+)<', page).group(1)  # type: ignore[union-attr]
    assert "otpauth://totp/" in page and "<svg" in page
    assert client.post("/login/enrol/", {"code": "123456"}).status_code == 200  # wrong
    time.sleep(DEVICE_BACKOFF)
    done = client.post("/login/enrol/", {"code": _code_from_secret(secret)})
    assert done.status_code == 302
    assert client.session["_auth_user_id"] == str(staff.pk)
    assert TOTPDevice.objects.get(user=staff).confirmed
    assert client.get("/admin/").status_code == 200  # verified: the admin opens


def test_an_enrolled_user_gives_the_code_after_the_password(staff: User) -> None:
    device = enrol(staff)
    client = Client()
    assert _password_step(client, staff, "/customers/")["Location"] == "/login/verify/"
    assert client.get("/customers/").status_code == 302  # not signed in yet
    wrong = client.post("/login/verify/", {"code": "000000"})
    assert wrong.status_code == 200 and "no es correcto" in wrong.content.decode()
    assert throttle.failures(username=staff.username) == 1
    time.sleep(DEVICE_BACKOFF)
    code = code_now(device)
    response = client.post("/login/verify/", {"code": code})
    assert response.status_code == 302 and response["Location"] == "/customers/"
    assert client.get("/admin/").status_code == 200
    again = Client()
    _password_step(again, staff)
    assert again.post("/login/verify/", {"code": code}).status_code == 200  # never twice


def test_the_code_step_is_throttled(staff: User, settings) -> None:
    settings.LEALTAD_LOGIN_ATTEMPTS = 2
    enrol(staff)
    client = Client()
    _password_step(client, staff)
    for _ in range(2):
        client.post("/login/verify/", {"code": "000000"})
    assert client.post("/login/verify/", {"code": "000000"}).status_code == 429


def test_the_admin_login_asks_for_the_code(staff: User) -> None:
    device = enrol(staff)
    client = Client()
    data = {"username": staff.username, "password": PASSWORD, "otp_token": "000000"}
    assert client.post("/admin/login/?next=/admin/", data).status_code == 200
    assert throttle.failures(username=staff.username) == 1
    time.sleep(DEVICE_BACKOFF)
    data["otp_token"] = code_now(device)
    response = client.post("/admin/login/?next=/admin/", data)
    assert response.status_code == 302 and response["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200


def test_the_admin_login_sends_the_unenrolled_to_enrol(staff: User) -> None:
    data = {"username": staff.username, "password": PASSWORD, "otp_token": "123456"}
    response = Client().post("/admin/login/", data)
    assert response.status_code == 200
    assert "aún no tiene autenticador" in response.content.decode()


def test_a_password_only_session_of_staff_is_ended(staff: User) -> None:
    client = Client()
    client.force_login(staff)  # e.g. a session from before two-factor, or a newly made staff
    response = client.get("/customers/")
    assert response.status_code == 302 and response["Location"].startswith("/login/")
    assert "_auth_user_id" not in client.session
    assert client.get("/admin/").status_code == 302


@pytest.mark.parametrize("role", ["admin", "privacy_officer"])
def test_the_admin_and_privacy_officer_roles_owe_a_code_too(db: Any, role: str) -> None:
    user = User.objects.create_user("ada", password=PASSWORD)
    user.groups.add(Group.objects.get_or_create(name=role)[0])
    client = Client()
    assert (
        client.post("/login/", {"username": "ada", "password": PASSWORD})["Location"]
        == "/login/enrol/"
    )


def test_other_roles_sign_in_with_the_password_alone(agent: User) -> None:
    client = Client()
    response = _password_step(client, agent)
    assert response.status_code == 302 and response["Location"] == "/"
    assert client.get("/customers/").status_code == 200


def test_an_agent_may_choose_to_enrol_from_the_account_page(agent: User) -> None:
    client = Client()
    _password_step(client, agent)
    assert "Desactivado" in client.get("/account/two-factor/").content.decode()
    page = client.get("/login/enrol/").content.decode()
    secret = re.search(r'id="totp-secret">([A-Z2-7]+)<', page).group(1)  # type: ignore[union-attr]
    assert client.post("/login/enrol/", {"code": _code_from_secret(secret)}).status_code == 302
    assert "Activado" in client.get("/account/two-factor/").content.decode()
    later = Client()
    assert _password_step(later, agent)["Location"] == "/login/verify/"


def test_cli_resets_a_lost_authenticator(staff: User) -> None:
    client = Client()
    verified_login(client, staff)
    assert client.get("/admin/").status_code == 200
    result = CliRunner().invoke(app, ["users", "reset-2fa", staff.username])
    assert result.exit_code == 0, result.output
    assert not TOTPDevice.objects.filter(user=staff).exists()
    assert client.get("/customers/").status_code == 302  # the verified session lost its device
    assert _password_step(Client(), staff)["Location"] == "/login/enrol/"
    assert CliRunner().invoke(app, ["users", "reset-2fa", "nobody"]).exit_code == 2
