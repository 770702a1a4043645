"""Who is calling and what they may do, for the API and the pages alike."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from ninja.security import APIKeyCookie, HttpBearer

from lealtad.core import rules, tokens
from lealtad.core.audit import Actor
from lealtad.core.models import ApiToken
from lealtad.core.roles import Capability, channel_scopes, scope_capabilities, user_capabilities


@dataclass(frozen=True)
class Principal:
    """A user, signed in or speaking through a token, with its effective capabilities."""

    user: Any
    capabilities: frozenset[Capability]
    channels: frozenset[str] = field(default_factory=frozenset)
    token: ApiToken | None = None

    def can(self, capability: Capability) -> bool:
        return capability in self.capabilities

    def may_speak_for(self, channel: str) -> bool:
        return not self.channels or channel in self.channels

    @property
    def reader(self) -> rules.Reader:
        """What the field and record rules (:mod:`lealtad.core.rules`) need of this caller."""
        return rules.reader_of(self)

    @property
    def actor(self) -> Actor:
        label = self.user.get_username()
        if self.token is not None:
            label = f"{label} (token {self.token.name})"
        return Actor(label=label, user_id=self.user.pk)


def principal_for_user(user: Any) -> Principal:
    return Principal(user=user, capabilities=user_capabilities(user))


def principal_for_token(token: ApiToken) -> Principal:
    caps = user_capabilities(token.user) & scope_capabilities(token.scopes)
    return Principal(
        user=token.user, capabilities=caps, channels=channel_scopes(token.scopes), token=token
    )


def principal(request: HttpRequest) -> Principal:
    found = getattr(request, "auth", None)
    if isinstance(found, Principal):
        return found
    return principal_for_user(request.user)


def require(request: HttpRequest, capability: Capability) -> Principal:
    who = principal(request)
    if not who.can(capability):
        raise PermissionDenied(f"missing capability {capability.value}")
    return who


class TokenAuth(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> Principal | None:
        # Remembered for a few seconds per process (see lealtad.core.tokens).
        return tokens.authenticate_cached(token, principal_for_token)


class SessionAuth(APIKeyCookie):
    """Session cookie auth for the UI's own calls, with Django's CSRF check."""

    param_name = "sessionid"

    def authenticate(self, request: HttpRequest, key: str | None) -> Principal | None:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            return principal_for_user(user)
        return None
