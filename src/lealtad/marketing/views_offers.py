"""Next-best-offer pages under ``/marketing/offers/``: the offers with their tallies per
channel, the create/edit form, the monthly uplift report, and the answer a panel's button
posts (any surface showing a customer: it swaps the panel)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from lealtad.core.access import require
from lealtad.core.errors import DomainError
from lealtad.core.roles import Capability
from lealtad.customers.choices import ChurnBand, LifecycleStage, ValueTier
from lealtad.marketing.models import CapPeriod, OfferChannel, OfferKind, OfferPurpose
from lealtad.marketing.selectors import offer_uplift
from lealtad.marketing.selectors import offers as reads
from lealtad.marketing.services import offer_catalog, offer_surfaces, offers


def _choices(values: Any) -> list[tuple[str, str]]:
    return [(v, label) for v, label in values.choices if v]


class OfferForm(forms.Form):
    code = forms.SlugField(label=_("Code"), max_length=40)
    name_es = forms.CharField(label=_("Name (Spanish)"), max_length=120)
    name_en = forms.CharField(label=_("Name (English)"), max_length=120)
    pitch_es = forms.CharField(label=_("Pitch (Spanish)"), max_length=300, required=False)
    pitch_en = forms.CharField(label=_("Pitch (English)"), max_length=300, required=False)
    kind = forms.ChoiceField(label=_("Kind"), choices=OfferKind.choices)
    purpose = forms.ChoiceField(label=_("Purpose"), choices=OfferPurpose.choices)
    product_sku = forms.CharField(label=_("Product SKU"), max_length=64, required=False)
    product_category = forms.CharField(label=_("Product category"), max_length=80, required=False)
    target_plan = forms.CharField(label=_("Target plan"), max_length=64, required=False)
    channels = forms.MultipleChoiceField(
        label=_("Channels"), choices=OfferChannel.choices, widget=forms.CheckboxSelectMultiple
    )
    segment_id = forms.IntegerField(label=_("Segment id"), required=False, min_value=1)
    tiers = forms.MultipleChoiceField(
        label=_("Value tiers"), choices=_choices(ValueTier), required=False,
        widget=forms.CheckboxSelectMultiple,
    )  # fmt: skip
    lifecycle_stages = forms.MultipleChoiceField(
        label=_("Lifecycle stages"), choices=_choices(LifecycleStage), required=False,
        widget=forms.CheckboxSelectMultiple,
    )  # fmt: skip
    churn_bands = forms.MultipleChoiceField(
        label=_("Churn bands"), choices=_choices(ChurnBand), required=False,
        widget=forms.CheckboxSelectMultiple,
    )  # fmt: skip
    min_clv = forms.DecimalField(label=_("Minimum lifetime value"), required=False)
    priority = forms.IntegerField(label=_("Business priority"), initial=50)
    value = forms.DecimalField(label=_("Value (margin)"), initial=0)
    starts_on = forms.DateField(label=_("Valid from"), required=False)
    ends_on = forms.DateField(label=_("Valid until"), required=False)
    max_shown = forms.IntegerField(label=_("Times shown per customer"), required=False)
    cap_period = forms.ChoiceField(label=_("Per"), choices=CapPeriod.choices, initial="week")
    max_accepted = forms.IntegerField(label=_("Acceptances in all"), required=False)
    daily_budget = forms.IntegerField(label=_("Showings per day"), required=False)
    active = forms.BooleanField(label=_("Active"), required=False, initial=True)


@login_required
@require_GET
def offer_list(request: HttpRequest) -> HttpResponse:
    who = require(request, Capability.MARKETING_VIEW)
    return render(
        request,
        "marketing/offers/list.html",
        {"rows": reads.offers_page(), "can_manage": who.can(Capability.MARKETING_MANAGE)},
    )


@login_required
@require_http_methods(["GET", "POST"])
def offer_form(request: HttpRequest, code: str = "") -> HttpResponse:
    who = require(request, Capability.MARKETING_MANAGE)
    stored = reads.offer_by_code(code) if code else None
    if code and stored is None:
        return HttpResponse(status=404)
    initial = vars(offer_catalog.as_input(stored)) if stored else None
    form = OfferForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items()}
        data["value"] = data["value"] or 0
        try:
            offer_catalog.save_offers([offer_catalog.OfferIn(**data)], by=who.actor.label)
        except DomainError as error:
            form.add_error(None, str(error))
        else:
            return redirect("marketing:offers")
    return render(request, "marketing/offers/form.html", {"form": form, "offer": stored})


@login_required
@require_GET
def offer_uplift_page(request: HttpRequest) -> HttpResponse:
    require(request, Capability.MARKETING_VIEW)
    month = request.GET.get("month") or reads.month_of(timezone.now())
    if not offer_uplift.MONTH.match(month):
        month = reads.month_of(timezone.now())
    return render(
        request,
        "marketing/offers/uplift.html",
        {"month": month, "report": offer_uplift.uplift(month)},
    )


@login_required
@require_POST
def offer_answer(request: HttpRequest, customer_id: int, code: str) -> HttpResponse:
    """A panel's button: record the answer, then show the panel again (next offers)."""
    who = require(request, Capability.VIEW)
    channel = request.POST.get("channel", "")
    answer = offers.Answer(
        customer_id,
        code,
        request.POST.get("outcome", ""),
        channel,
        request.POST.get("key", "")[:80],
    )
    try:
        recorded = offers.record_answers([answer], by=who.actor.label)[0]
    except DomainError as error:
        return HttpResponse(str(error), status=422 if error.kind == "invalid" else 404)
    panel = offer_surfaces.offers_panel(customer_id, channel, who.capabilities) or {}
    offer = reads.offer_by_code(recorded["code"])
    english = panel.get("language", request.LANGUAGE_CODE) == "en"
    name = (offer.name_en if english else offer.name_es) if offer else code
    panel = {
        "customer_id": customer_id,
        "channel": channel,
        "offers": [],
        "buttons": offer_surfaces.BUTTONS,
        **panel,
        "answered": {"name": name, "outcome": recorded["outcome"]},
    }
    return render(request, offer_surfaces.PANEL_TEMPLATE, {"panel": panel})


urlpatterns = [
    path("offers/", offer_list, name="offers"),
    path("offers/new/", offer_form, name="offer_new"),
    path("offers/uplift/", offer_uplift_page, name="offer_uplift"),
    path("offers/<slug:code>/", offer_form, name="offer_edit"),
    path(
        "offers/answer/<int:customer_id>/<slug:code>/",
        offer_answer,
        name="offer_answer",
    ),
]
