"""Whose rows a caller may see in the cube: the user's :class:`DataScope`, narrowed by the
channels an API token is limited to."""

from __future__ import annotations

from typing import Any

from lealtad.analytics.models import DataScope
from lealtad.olap.query import EVERYTHING, Scope


def _limit(values: list[str]) -> frozenset[str] | None:
    cleaned = frozenset(str(v) for v in values if str(v).strip())
    return cleaned or None


def scope_for(user: Any, token_channels: frozenset[str] = frozenset()) -> Scope:
    """The cube's forced filters for ``user``; no scope row means everything. A partner sees
    only the channels listed (none listed: nothing); a token limited to channels narrows
    further (it never widens what the user may see)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return Scope(stores=frozenset(), channels=frozenset(), regions=frozenset())
    row = DataScope.objects.filter(user_id=user.pk).first()
    scope = EVERYTHING
    if row is not None:
        channels = _limit(row.channels)
        if row.partner and channels is None:
            channels = frozenset()
        scope = Scope(stores=_limit(row.stores), channels=channels, regions=_limit(row.regions))
    if token_channels:
        allowed = scope.channels
        narrowed = token_channels if allowed is None else allowed & token_channels
        scope = Scope(stores=scope.stores, channels=frozenset(narrowed), regions=scope.regions)
    return scope


def scope_of(principal: Any) -> Scope:
    """The scope of a request's principal (:func:`lealtad.core.access.require`'s answer)."""
    return scope_for(principal.user, frozenset(getattr(principal, "channels", ()) or ()))


def describe(user: Any) -> dict[str, Any]:
    row = DataScope.objects.filter(user_id=user.pk).first()
    if row is None:
        return {
            "username": user.get_username(),
            "stores": [],
            "channels": [],
            "regions": [],
            "partner": False,
            "restricted": False,
        }
    return {
        "username": user.get_username(),
        "stores": list(row.stores),
        "channels": list(row.channels),
        "regions": list(row.regions),
        "partner": row.partner,
        "restricted": bool(row.stores or row.channels or row.regions or row.partner),
        "updated_at": row.updated_at,
        "updated_by": row.updated_by,
    }
