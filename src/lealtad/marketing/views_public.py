"""The pages a customer reaches from a message, with no account: the signed link is the key.

* ``/m/u/<token>/``: unsubscribe. A POST unsubscribes (RFC 8058 one-click: the mail client
  posts ``List-Unsubscribe=One-Click`` with no cookie, so this view alone is exempt from
  CSRF; the signature proves the link). A GET only shows the button: link scanners and
  previews open links on their own and must not unsubscribe anyone.
* ``/m/c/<token>/``: a tracked click, counted and sent on (302) to the signed target only.
* ``/m/p/<token>/``: the preference center in the customer's language (switchable).
"""

from __future__ import annotations

import hashlib
from typing import Any

from django.http import (
    HttpRequest,
    HttpResponse,
    HttpResponseBadRequest,
    HttpResponseNotFound,
    HttpResponseRedirect,
)
from django.shortcuts import render
from django.urls import path
from django.utils import translation
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from lealtad.customers.choices import ConsentChannel, ConsentPurpose
from lealtad.customers.selectors.consent_choices import ConsentChoices, consent_choices
from lealtad.marketing import links
from lealtad.marketing.models.preferences import Frequency
from lealtad.marketing.selectors import preferences as preference_reads
from lealtad.marketing.selectors.preferences import Preferences
from lealtad.marketing.services import clicks, unsubscribe
from lealtad.marketing.services.preferences import (
    CONSENT_CHANNELS,
    LANGUAGES,
    PURPOSES,
    TOPICS,
    PreferencesRefused,
    PreferenceUpdate,
    save_preferences,
)

SAFE_SCHEMES = ("http://", "https://")


def _bad_link(request: HttpRequest) -> HttpResponse:
    return render(request, "marketing/public/bad_link.html", status=404)


@csrf_exempt  # RFC 8058: the one-click POST carries no cookie; the signed token is the proof
@require_http_methods(["GET", "POST"])
def unsubscribe_view(request: HttpRequest, token: str) -> HttpResponse:
    try:
        message_id = links.message_of_unsubscribe(token)
    except links.BadLink:
        return _bad_link(request)
    if request.method == "GET":
        return render(request, "marketing/public/unsubscribe.html", {"token": token})
    one_click = request.POST.get("List-Unsubscribe") == "One-Click"
    method = unsubscribe.ONE_CLICK if one_click else unsubscribe.PAGE
    done = unsubscribe.unsubscribe([message_id], method)
    if not done:
        return _bad_link(request)
    return render(request, "marketing/public/unsubscribe.html", {"token": token, "done": done[0]})


@require_http_methods(["GET", "HEAD"])
def click_view(request: HttpRequest, token: str) -> HttpResponse:
    try:
        message_id, target = links.click_of(token)
    except links.BadLink:
        return HttpResponseNotFound("This link is not valid.")
    if not target.startswith(SAFE_SCHEMES):
        return HttpResponseBadRequest("This link does not lead to a web page.")
    if request.method == "GET":
        clicks.record_clicks([clicks.Followed(message_id, target)])
    return HttpResponseRedirect(target)


def _reference(token: str) -> str:
    """What proves a preference change: the signed link used (a digest, not the key)."""
    return "preference-link-" + hashlib.sha256(token.encode()).hexdigest()[:24]


@require_http_methods(["GET", "POST"])
def preferences_view(request: HttpRequest, token: str) -> HttpResponse:
    try:
        customer_id = links.customer_of_preferences(token)
    except links.BadLink:
        return _bad_link(request)
    facts = consent_choices(customer_id)
    if facts is None:
        return _bad_link(request)
    own = preference_reads.preferences_for(customer_id)
    language = _language(request, own.language or facts.language)
    with translation.override(language):
        saved, problem = False, None
        if request.method == "POST":
            try:
                save_preferences([_update(request, customer_id, facts.choices, token)])
                saved = True
            except PreferencesRefused as exc:
                problem = exc
            facts = consent_choices(customer_id) or facts
            own = preference_reads.preferences_for(customer_id)
        context = _context(token, facts, own, language, saved, problem)
        response = render(request, "marketing/public/preferences.html", context)
    response.headers["Content-Language"] = language
    return response


def _language(request: HttpRequest, default: str) -> str:
    asked = request.GET.get("lang") or request.POST.get("lang") or ""
    return asked if asked in LANGUAGES else default if default in LANGUAGES else "es"


def _update(
    request: HttpRequest, customer_id: int, current: dict[tuple[str, str], bool], token: str
) -> PreferenceUpdate:
    """The form as a change: a box ticked that was not granted grants, a box cleared that was
    granted withdraws; a box never answered and left clear records nothing."""
    consents = {}
    for channel in CONSENT_CHANNELS:
        for purpose in PURPOSES:
            ticked = request.POST.get(f"consent-{channel}-{purpose}") == "on"
            before = current.get((channel, purpose))
            if ticked and before is not True:
                consents[(channel, purpose)] = True
            elif not ticked and before is True:
                consents[(channel, purpose)] = False
    limit = request.POST.get("frequency_limit", "").strip()
    wanted = {t for t in TOPICS if request.POST.get(f"topic-{t}") == "on"}
    return PreferenceUpdate(
        customer_id=customer_id,
        consents=consents,
        refused_topics=frozenset(set(TOPICS) - wanted),
        frequency=request.POST.get("frequency") or None,
        frequency_limit=int(limit) if limit.isdigit() else None,
        language=request.POST.get("language") or None,
        reference=_reference(token),
    )


def _context(
    token: str,
    facts: ConsentChoices,
    own: Preferences,
    language: str,
    saved: bool,
    problem: PreferencesRefused | None,
) -> dict[str, Any]:
    channels = dict(ConsentChannel.choices)
    purposes = dict(ConsentPurpose.choices)
    rows = [
        {
            "channel": channel,
            "label": channels[channel],
            "cells": [
                {
                    "purpose": p,
                    "label": purposes[p],
                    "checked": facts.choices.get((channel, p)) is True,
                }
                for p in PURPOSES
            ],
        }
        for channel in CONSENT_CHANNELS
    ]
    return {
        "token": token,
        "name": facts.first_name,
        "language": language,
        "message_language": own.language or facts.language,
        "other_language": "en" if language == "es" else "es",
        "purposes": [(p, purposes[p]) for p in PURPOSES],
        "rows": rows,
        "topics": [(key, label, key not in own.refused_topics) for key, label in TOPICS.items()],
        "frequencies": Frequency.choices,
        "frequency": own.frequency,
        "limit": own.limit or "",
        "saved": saved and problem is None,
        "problem": problem,
    }


urlpatterns = [
    path("u/<str:token>/", unsubscribe_view, name="unsubscribe"),
    path("c/<str:token>/", click_view, name="click"),
    path("p/<str:token>/", preferences_view, name="preferences"),
]
