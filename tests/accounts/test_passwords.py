"""Django's password validators wherever a password is set: CLI, admin, start-up, demo users."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.contrib.auth.password_validation import validate_password
from django.test import Client
from typer.testing import CliRunner

from lealtad.cli import app
from lealtad.customers.demo.users import DEMO_PASSWORD, DEMO_USERS
from tests.two_factor import verified_login

from .conftest import PASSWORD

pytestmark = pytest.mark.django_db(transaction=True)
runner = CliRunner()


@pytest.mark.parametrize("weak", ["12345678", "password", "short", "ana.agente1"])
def test_set_password_refuses_a_weak_one(agent: User, weak: str) -> None:
    result = runner.invoke(app, ["users", "set-password", agent.username, "--password", weak])
    assert result.exit_code == 2 and "password refused" in result.output
    agent.refresh_from_db()
    assert agent.check_password(PASSWORD)


def test_set_password_and_create_accept_a_strong_one(agent: User) -> None:
    strong = "Quito-Cuenca-2026-mar"
    result = runner.invoke(app, ["users", "set-password", agent.username, "--password", strong])
    assert result.exit_code == 0, result.output
    agent.refresh_from_db()
    assert agent.check_password(strong)
    made = runner.invoke(
        app, ["users", "create", "lucia.tienda", "--role", "store_clerk", "--password", strong]
    )
    assert made.exit_code == 0, made.output
    lucia = User.objects.get(username="lucia.tienda")
    assert lucia.groups.filter(name="store_clerk").exists() and lucia.check_password(strong)


def test_create_refuses_a_weak_password_and_makes_nobody(db: None) -> None:
    result = runner.invoke(app, ["users", "create", "pepe", "--password", "123456789"])
    assert result.exit_code == 2 and "password refused" in result.output
    assert not User.objects.filter(username="pepe").exists()
    bad_role = runner.invoke(app, ["users", "create", "pepe", "--role", "root", "--password", "x"])
    assert bad_role.exit_code == 2 and "unknown role" in bad_role.output


def test_init_refuses_a_weak_admin_password(monkeypatch) -> None:
    monkeypatch.setenv("LEALTAD_ADMIN_PASSWORD", "admin123")
    result = runner.invoke(app, ["init"])
    assert result.exit_code == 2 and "password refused" in result.output
    assert not User.objects.filter(username="admin").exists()


def test_init_generates_a_password_the_validators_accept(monkeypatch) -> None:
    monkeypatch.delenv("LEALTAD_ADMIN_PASSWORD", raising=False)
    result = runner.invoke(app, ["init"])
    assert result.exit_code == 0, result.output
    password = result.output.split("password: ")[1].split()[0]
    validate_password(password, User.objects.get(username="admin"))


def test_demo_users_password_passes_the_validators() -> None:
    for username, _, first, last in DEMO_USERS:
        validate_password(DEMO_PASSWORD, User(username=username, first_name=first, last_name=last))


def test_the_admin_refuses_a_weak_password_for_a_new_user(staff: User) -> None:
    staff.is_superuser = True
    staff.save()
    client = Client()
    verified_login(client, staff)
    form = {"username": "nuevo", "password1": "12345678", "password2": "12345678"}
    form["usable_password"] = "true"
    response = client.post("/admin/auth/user/add/", form)
    assert response.status_code == 200
    assert not User.objects.filter(username="nuevo").exists()
    target = User.objects.create_user("cambio", password=PASSWORD)
    change = client.post(
        f"/admin/auth/user/{target.pk}/password/",
        {"password1": "qwerty12", "password2": "qwerty12"},
    )
    assert change.status_code == 200
    target.refresh_from_db()
    assert target.check_password(PASSWORD)
