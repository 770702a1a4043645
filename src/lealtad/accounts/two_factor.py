"""Time-based one-time codes (TOTP, RFC 6238) as the second factor.

Staff, superusers, the ``admin`` role and the privacy officer (who can export and erase a
person) hold the keys to every customer: their sign-in needs a code from an authenticator app
as well as the password. Any other user who enrolled a device
is asked for a code too. Devices are django-otp's ``TOTPDevice``; a device is *confirmed* only
once its owner has typed a code it produced, so a secret shown but never scanned does not count.
"""

from __future__ import annotations

import base64
from typing import Any

import segno
from django.db import transaction
from django_otp.plugins.otp_totp.models import TOTPDevice

from lealtad.core.roles import Role, role_names

DEVICE_NAME = "authenticator"
_ROLES_WITH_TWO_FACTOR = {Role.ADMIN.value, Role.PRIVACY_OFFICER.value}


def required_for(user: Any) -> bool:
    """Whether this user may not work without a verified second factor."""
    if not getattr(user, "is_authenticated", False):
        return False
    if user.is_staff or user.is_superuser:
        return True
    return bool(_ROLES_WITH_TWO_FACTOR & role_names(user))


def confirmed_device(user: Any) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).order_by("id").first()


def asks_for_code(user: Any) -> bool:
    """Whether sign-in goes on to a code step: required, or chosen by enrolling."""
    return required_for(user) or confirmed_device(user) is not None


def pending_device(user: Any) -> TOTPDevice:
    """The unconfirmed device being enrolled: the same secret until it is confirmed."""
    found = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("id").first()
    return found or TOTPDevice.objects.create(user=user, name=DEVICE_NAME, confirmed=False)


def confirm(device: TOTPDevice, code: str) -> bool:
    """Confirm an enrolment with a code the authenticator shows; others of the user go."""
    with transaction.atomic():
        if not device.verify_token(_digits(code)):
            return False
        TOTPDevice.objects.filter(user=device.user).exclude(pk=device.pk).delete()
        device.confirmed = True
        device.save(update_fields=["confirmed"])
    return True


def verify(user: Any, code: str) -> TOTPDevice | None:
    """The confirmed device that accepts ``code`` now (once: a code is never reused)."""
    device = confirmed_device(user)
    if device is None:
        return None
    with transaction.atomic():
        return device if device.verify_token(_digits(code)) else None


def reset(user: Any) -> int:
    """Forget every device of the user (a lost phone); the next sign-in enrols anew."""
    deleted, _ = TOTPDevice.objects.filter(user=user).delete()
    return deleted


def _digits(code: str) -> str:
    return "".join(code.split())


def secret(device: TOTPDevice) -> str:
    """The key as authenticator apps take it typed in: base32, no padding."""
    return base64.b32encode(device.bin_key).decode("ascii").rstrip("=")


def provisioning_uri(device: TOTPDevice) -> str:
    return str(device.config_url)


def qr_svg(device: TOTPDevice) -> str:
    """The otpauth:// address as an inline SVG QR code (no image request, no script)."""
    return segno.make(provisioning_uri(device), error="m").svg_inline(scale=4, border=2)
