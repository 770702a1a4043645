"""The signed links a message carries: one-click unsubscribe (RFC 8058), tracked clicks and
the preference center. Signed, so a customer needs no password and nobody can forge a link
for someone else or turn the click redirect into an open redirect (the target is signed too).

The sending side (campaigns) builds them; the public pages (``urls_public``) read them back.
"""

from __future__ import annotations

from functools import lru_cache

from django.conf import settings
from django.core import signing
from django.urls import reverse

UNSUBSCRIBE_SALT = "lealtad.marketing.unsubscribe"
CLICK_SALT = "lealtad.marketing.click"
PREFERENCES_SALT = "lealtad.marketing.preferences"
# A preference link in an old message still opens the center for a year; then the customer
# asks for a new one (a message, the portal). Unsubscribe and click links never expire: they
# act only on the one message they were made for.
PREFERENCES_MAX_AGE = 365 * 24 * 3600


class BadLink(Exception):
    """A link that was altered, made for another purpose, or has expired."""


def _signer(salt: str, *, dated: bool = False) -> signing.Signer:
    """Django's signer, made once per salt and key: making one reads four settings through
    the lazy settings object, about as long as the HMAC itself, for each of a million
    messages' three or more links. The tokens are Django's, byte for byte."""
    return _made(salt, dated, settings.SECRET_KEY, tuple(settings.SECRET_KEY_FALLBACKS))


@lru_cache(maxsize=16)
def _made(salt: str, dated: bool, key: str, fallbacks: tuple[str, ...]) -> signing.Signer:
    kind = signing.TimestampSigner if dated else signing.Signer
    return kind(salt=salt, key=key, fallback_keys=list(fallbacks))


def public_base() -> str:
    return str(getattr(settings, "LEALTAD_PUBLIC_URL", "http://localhost:8000")).rstrip("/")


def _absolute(name: str, token: str) -> str:
    return public_base() + reverse(f"marketing_public:{name}", args=[token])


def unsubscribe_token(message_id: int) -> str:
    return _signer(UNSUBSCRIBE_SALT).sign(str(message_id))


def message_of_unsubscribe(token: str) -> int:
    try:
        return int(_signer(UNSUBSCRIBE_SALT).unsign(token))
    except (signing.BadSignature, ValueError) as bad:
        raise BadLink(token) from bad


def unsubscribe_url(message_id: int) -> str:
    """The address for both the visible link and ``List-Unsubscribe`` (one POST unsubscribes)."""
    return _absolute("unsubscribe", unsubscribe_token(message_id))


def click_token(message_id: int, target: str) -> str:
    # Not compressed: zlib never shortens a message id and an address, and cost a third of
    # the token. Links already sent with a compressed token read back the same way.
    return _signer(CLICK_SALT, dated=True).sign_object([message_id, target])


def click_of(token: str) -> tuple[int, str]:
    try:
        message_id, target = _signer(CLICK_SALT, dated=True).unsign_object(token)
        return int(message_id), str(target)
    except (signing.BadSignature, ValueError, TypeError) as bad:
        raise BadLink(token) from bad


def click_url(message_id: int, target: str) -> str:
    return _absolute("click", click_token(message_id, target))


def preferences_token(customer_id: int) -> str:
    return _signer(PREFERENCES_SALT, dated=True).sign_object(customer_id)


def customer_of_preferences(token: str) -> int:
    try:
        signer = _signer(PREFERENCES_SALT, dated=True)
        return int(signer.unsign_object(token, max_age=PREFERENCES_MAX_AGE))
    except (signing.BadSignature, ValueError, TypeError) as bad:
        raise BadLink(token) from bad


def preferences_url(customer_id: int) -> str:
    return _absolute("preferences", preferences_token(customer_id))
