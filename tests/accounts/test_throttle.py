"""One sign-in throttle for every login form, counted in the database per account and address."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core.cache import cache
from django.db import connection, connections
from django.test import Client, RequestFactory
from hypothesis import given
from hypothesis import strategies as st

from lealtad.accounts import throttle
from lealtad.accounts.models import LoginFailure
from lealtad.core.client_address import client_address

from .conftest import PASSWORD

pytestmark = pytest.mark.django_db


def _ui(client: Client, username: str, password: str) -> Any:
    return client.post("/login/", {"username": username, "password": password})


def _admin(client: Client, username: str, password: str, code: str = "000000") -> Any:
    return client.post(
        "/admin/login/?next=/admin/",
        {"username": username, "password": password, "otp_token": code},
    )


def test_failures_from_one_client_lock_the_account_for_another(agent: User, settings) -> None:
    settings.LEALTAD_LOGIN_ATTEMPTS = 3
    attacker = Client(REMOTE_ADDR="203.0.113.7")
    for _ in range(3):
        assert _ui(attacker, agent.username, "wrong-password").status_code == 200
    cache.clear()  # the count is not in a process's cache
    owner = Client(REMOTE_ADDR="198.51.100.20")  # another worker, another address
    locked = _ui(owner, agent.username, PASSWORD)
    assert locked.status_code == 429
    assert "Retry-After" in locked
    assert "_auth_user_id" not in owner.session
    assert throttle.failures(username=agent.username) == 3


def test_the_admin_login_is_throttled_too(staff: User, settings) -> None:
    settings.LEALTAD_LOGIN_ATTEMPTS = 2
    client = Client()
    for _ in range(2):
        assert _admin(client, staff.username, "wrong-password").status_code == 200
    response = _admin(client, staff.username, PASSWORD)
    assert response.status_code == 429
    assert "Demasiados intentos fallidos" in response.content.decode()


def test_ui_and_admin_failures_add_up(staff: User, settings) -> None:
    settings.LEALTAD_LOGIN_ATTEMPTS = 2
    _ui(Client(), staff.username, "wrong-password")
    _admin(Client(), staff.username, "wrong-password")
    assert _ui(Client(), staff.username, PASSWORD).status_code == 429


def test_one_address_trying_many_accounts_is_locked(db: Any, settings) -> None:
    settings.LEALTAD_LOGIN_ADDRESS_ATTEMPTS = 4
    for n in range(4):
        User.objects.create_user(f"user{n}", password=PASSWORD)
        _ui(Client(REMOTE_ADDR="192.0.2.9"), f"user{n}", "wrong-password")
    User.objects.create_user("fresh", password=PASSWORD)
    assert _ui(Client(REMOTE_ADDR="192.0.2.9"), "fresh", PASSWORD).status_code == 429
    assert _ui(Client(REMOTE_ADDR="192.0.2.10"), "fresh", PASSWORD).status_code == 302


def test_a_complete_sign_in_forgives_the_account(agent: User, settings) -> None:
    settings.LEALTAD_LOGIN_ATTEMPTS = 3
    client = Client()
    for _ in range(2):
        _ui(client, agent.username, "wrong-password")
    assert _ui(client, agent.username, PASSWORD).status_code == 302
    assert throttle.failures(username=agent.username) == 0


def test_failures_leave_the_window_and_are_deleted(agent: User, settings) -> None:
    settings.LEALTAD_LOGIN_ATTEMPTS = 1
    _ui(Client(), agent.username, "wrong-password")
    settings.LEALTAD_LOGIN_WINDOW_SECONDS = 0  # everything recorded is now outside the window
    assert _ui(Client(), agent.username, PASSWORD).status_code == 302
    _ui(Client(), "someone-else", "wrong-password")
    assert LoginFailure.objects.filter(username=agent.username).count() == 0


@pytest.mark.django_db(transaction=True)
def test_the_count_is_seen_from_another_database_connection(agent: User) -> None:
    for _ in range(2):
        _ui(Client(), agent.username, "wrong-password")
    seen: list[int] = []

    def other_connection() -> None:  # a thread has its own connection, as a worker would
        try:
            seen.append(throttle.failures(username=agent.username))
        finally:
            connections.close_all()

    worker = threading.Thread(target=other_connection)
    worker.start()
    worker.join()
    assert seen == [2]
    assert connection.vendor in {"sqlite", "postgresql"}


def _request(remote: str, forwarded: str | None = None) -> Any:
    extra = {"HTTP_X_FORWARDED_FOR": forwarded} if forwarded is not None else {}
    return RequestFactory().get("/", REMOTE_ADDR=remote, **extra)


def test_forwarded_for_is_ignored_from_an_untrusted_peer(settings) -> None:
    settings.LEALTAD_TRUSTED_PROXIES = ()
    assert client_address(_request("203.0.113.5", "10.9.9.9")) == "203.0.113.5"


def test_forwarded_for_is_read_from_a_trusted_proxy(settings) -> None:
    import ipaddress

    settings.LEALTAD_TRUSTED_PROXIES = (ipaddress.ip_network("10.0.0.0/8"),)
    # The client forged the first hop; the proxy appended the real peer it saw.
    assert client_address(_request("10.0.0.2", "1.2.3.4, 198.51.100.4")) == "198.51.100.4"
    assert client_address(_request("10.0.0.2", "198.51.100.4, 10.0.0.3")) == "198.51.100.4"
    assert client_address(_request("10.0.0.2", "not-an-ip")) == "10.0.0.2"


@given(forged=st.lists(st.ip_addresses().map(str), max_size=4))
def test_a_client_cannot_choose_its_address_behind_a_trusted_proxy(forged: list[str]) -> None:
    import ipaddress

    from django.test import override_settings

    with override_settings(LEALTAD_TRUSTED_PROXIES=(ipaddress.ip_network("10.0.0.0/8"),)):
        hops = ", ".join([*forged, "198.51.100.77"])
        assert client_address(_request("10.1.2.3", hops)) == "198.51.100.77"


def test_the_throttle_answers_through_a_real_server_process_boundary(agent: User) -> None:
    """The failure rows are plain table rows: a fresh query after a cache clear sees them."""
    _ui(Client(), agent.username, "wrong-password")
    cache.clear()
    assert LoginFailure.objects.filter(username=agent.username).count() == 1
