"""API tokens: created once, shown once, stored as a SHA-256 hash.

A server process remembers a token it has checked, with what it resolved to, for
``LEALTAD_TOKEN_CACHE_SECONDS`` (5 s by default; 0 turns the cache off) so that a client
making many requests does not cost a token query and a roles query on each. Revoking a token,
or changing a token, a user or its groups, forgets everything remembered in the process
doing it; other processes (the other server workers, or the server when ``lealtad token
revoke`` runs in a shell) stop accepting a revoked token within those seconds.
"""

from __future__ import annotations

import hashlib
import secrets
import time
from collections.abc import Callable
from typing import Any, TypeVar

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from lealtad.core.errors import DomainError
from lealtad.core.models import ApiToken
from lealtad.core.roles import valid_scope

TOKEN_PREFIX = "lt_"


class InvalidScope(DomainError):
    """A token asked for a scope Lealtad does not know (docs/cli.md lists them)."""

    code = "invalid_scope"


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def create_token(user: Any, name: str, scopes: list[str]) -> str:
    bad = [s for s in scopes if not valid_scope(s)]
    if bad:
        raise InvalidScope(_("unknown scope(s): %(scopes)s"), field="scope", scopes=", ".join(bad))
    key = TOKEN_PREFIX + secrets.token_urlsafe(32)
    ApiToken.objects.create(
        user=user, name=name, prefix=key[:10], key_hash=_hash(key), scopes=sorted(set(scopes))
    )
    return key


def authenticate(key: str) -> ApiToken | None:
    return _authenticate(_hash(key))


def _authenticate(key_hash: str) -> ApiToken | None:
    token = (
        ApiToken.objects.select_related("user")
        .filter(key_hash=key_hash, revoked_at=None, user__is_active=True)
        .first()
    )
    if token is not None:
        now = timezone.now()
        if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
            ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token


def revoke(token_id: int) -> None:
    ApiToken.objects.filter(pk=token_id).update(revoked_at=timezone.now())
    forget()


T = TypeVar("T")
_MAX_REMEMBERED = 10_000
# key hash -> (monotonic expiry, what the token resolved to); only valid tokens are kept.
_remembered: dict[str, tuple[float, Any]] = {}


def authenticate_cached(key: str, resolve: Callable[[ApiToken], T]) -> T | None:
    """``resolve(token)`` for a valid key, remembered for ``LEALTAD_TOKEN_CACHE_SECONDS``."""
    key_hash = _hash(key)
    now = time.monotonic()
    hit = _remembered.get(key_hash)
    if hit is not None and hit[0] > now:
        return hit[1]  # type: ignore[no-any-return]
    token = _authenticate(key_hash)
    if token is None:
        _remembered.pop(key_hash, None)
        return None
    resolved = resolve(token)
    ttl = float(getattr(settings, "LEALTAD_TOKEN_CACHE_SECONDS", 5.0))
    if ttl > 0:
        if len(_remembered) >= _MAX_REMEMBERED:
            _remembered.clear()
        _remembered[key_hash] = (now + ttl, resolved)
    return resolved


def forget(*_args: Any, **_kwargs: Any) -> None:
    """Drop every remembered token (also a signal receiver)."""
    _remembered.clear()


_User = get_user_model()
for _model in (ApiToken, _User, Group):
    post_save.connect(forget, sender=_model, dispatch_uid=f"lealtad-token-forget-{_model}")
    post_delete.connect(forget, sender=_model, dispatch_uid=f"lealtad-token-forget-d-{_model}")
m2m_changed.connect(forget, sender=_User.groups.through, dispatch_uid="lealtad-token-forget-m2m")
