"""Helpers for tests that act as staff or administrators, who owe a second factor.

``verified_login`` is to two-factor what ``Client.force_login`` is to the password: it enrols a
real TOTP device and marks the session verified by it, for tests about something else. The
sign-in flow itself is tested with real codes (``code_now``) in tests/test_sign_in.py.
"""

from __future__ import annotations

import time
from typing import Any

from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice


def enrol(user: Any) -> TOTPDevice:
    """A confirmed authenticator for ``user``, as if set up at the enrolment page."""
    return TOTPDevice.objects.create(user=user, name="authenticator", confirmed=True)


def code_now(device: TOTPDevice, offset_steps: int = 0) -> str:
    """The 6 digits the user's authenticator app shows now (RFC 6238, computed, not mocked)."""
    clock = TOTP(device.bin_key, device.step, device.t0, device.digits)
    clock.time = int(time.time()) + offset_steps * device.step
    return f"{clock.token():0{device.digits}d}"


def verified_login(client: Client, user: Any) -> TOTPDevice:
    """Sign ``client`` in as ``user`` with a session verified by a freshly enrolled device."""
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first() or enrol(user)
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return device
