"""Template context: what the signed-in user may do, so pages hide what they cannot use."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from lealtad.core.roles import user_capabilities


def capabilities(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    caps = user_capabilities(user) if user is not None else frozenset()
    return {"can": {c.name.lower(): True for c in caps}}
