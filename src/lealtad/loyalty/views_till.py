"""Paying with points where the customer is served: the loyalty panel in the customer box of
the handheld (and of any channel whose user may sell) redeems part or all of the balance.

Two steps, as a charge to a stored card: the clerk asks for N points, the panel shows what
they are worth and asks for confirmation; only the confirmation spends them, under a key
drawn when the question was shown, so a double tap or a retried request spends once."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from lealtad.core.access import require
from lealtad.core.errors import DomainError
from lealtad.core.roles import Capability
from lealtad.loyalty import selectors
from lealtad.loyalty.models import Member
from lealtad.loyalty.services import movements
from lealtad.loyalty.services.common import LoyaltyConflict, LoyaltyRefused
from lealtad.loyalty.views_members import readable_member

TILL_CHANNELS = frozenset({"pos", "handheld", "call_center", "kiosk", "web"})
CENT = Decimal("0.01")


@login_required
@require_POST
def redeem(request: HttpRequest, member_id: int) -> HttpResponse:
    who = require(request, Capability.SELL)
    found = readable_member(request, member_id)
    channel = request.POST.get("channel", "")
    answer = request.POST.get("confirm", "")
    panel = _panel(found, channel)
    try:
        points = _points(request.POST.get("points", ""), channel)
        order = request.POST.get("order_reference", "").strip()[:80]
        if answer == "yes":
            row = movements.Redeem(
                found.pk,
                channel,
                request.POST.get("key", ""),
                points=points,
                order_reference=order,
            )
            [made] = movements.redeem([row], who.actor)
            fresh = selectors.member(found.pk)
            assert fresh is not None
            panel = {**_panel(fresh, channel), "done": {"points": made.points, "value": made.value}}
        elif answer != "no":
            panel["confirm"] = _question(found, points, order)
    except DomainError as error:
        panel["refusal"] = error.message
    return render(request, "loyalty/_panel.html", {"panel": panel})


def _panel(found: Member, channel: str) -> dict[str, Any]:
    return {**selectors.standing(found), "channel": channel, "can_redeem": found.balance > 0}


def _points(raw: str, channel: str) -> int:
    if channel not in TILL_CHANNELS:
        raise LoyaltyRefused(_("Points are redeemed at a till, a handheld or a call."))
    if not raw.strip().isdigit() or int(raw) < 1:
        raise LoyaltyRefused(_("Points are a whole number above zero."), field="points")
    return int(raw)


def _question(found: Member, points: int, order: str) -> dict[str, Any]:
    if points > found.balance:
        raise LoyaltyConflict(
            _("%(asked)s points asked but the balance is %(balance)s."),
            field="points",
            asked=points,
            balance=found.balance,
        )
    value = (points * found.program.point_value).quantize(CENT)
    return {"points": points, "value": value, "order_reference": order, "key": uuid.uuid4().hex}


urlpatterns = [path("members/<int:member_id>/redeem/", redeem, name="redeem")]
