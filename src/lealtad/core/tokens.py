"""API tokens: created once, shown once, stored as a SHA-256 hash."""

from __future__ import annotations

import hashlib
import secrets
from typing import Any

from django.utils import timezone

from lealtad.core.models import ApiToken
from lealtad.core.roles import valid_scope

TOKEN_PREFIX = "lt_"


class InvalidScope(ValueError):
    pass


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def create_token(user: Any, name: str, scopes: list[str]) -> str:
    bad = [s for s in scopes if not valid_scope(s)]
    if bad:
        raise InvalidScope(f"unknown scope(s): {', '.join(bad)}")
    key = TOKEN_PREFIX + secrets.token_urlsafe(32)
    ApiToken.objects.create(
        user=user, name=name, prefix=key[:10], key_hash=_hash(key), scopes=sorted(set(scopes))
    )
    return key


def authenticate(key: str) -> ApiToken | None:
    token = (
        ApiToken.objects.select_related("user")
        .filter(key_hash=_hash(key), revoked_at=None, user__is_active=True)
        .first()
    )
    if token is not None:
        now = timezone.now()
        if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
            ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token


def revoke(token_id: int) -> None:
    ApiToken.objects.filter(pk=token_id).update(revoked_at=timezone.now())
