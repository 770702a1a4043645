"""The back-office page that shows who sees what (read-only): the same tables the code obeys.

Built from :mod:`lealtad.core.roles` and :mod:`lealtad.core.rules` at each request, so what an
administrator reads here is what every selector and presenter applies, never a copy.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from lealtad.core import rules
from lealtad.core.access import require
from lealtad.core.roles import ROLE_CAPABILITIES, SCOPE_CAPABILITIES, Capability, Role


def _capability_rows() -> list[dict[str, Any]]:
    return [
        {
            "capability": cap.value,
            "roles": [cap in ROLE_CAPABILITIES[role] for role in Role],
            "scopes": sorted(s for s, caps in SCOPE_CAPABILITIES.items() if cap in caps),
        }
        for cap in Capability
    ]


def _field_rows() -> list[dict[str, Any]]:
    return [
        {
            "rule": rule,
            "roles": [rule.for_role(role).label for role in Role],
        }
        for rule in rules.FIELD_RULES
    ]


@login_required
@require_GET
def access_rules(request: HttpRequest) -> HttpResponse:
    require(request, Capability.TOKENS)
    return render(
        request,
        "web/rules.html",
        {
            "roles": [role.value for role in Role],
            "capability_rows": _capability_rows(),
            "field_rows": _field_rows(),
            "record_rules": rules.RECORD_RULES,
        },
    )
