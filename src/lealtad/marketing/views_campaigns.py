"""Campaign pages: the list, a new campaign, its page (templates editor, preview as a chosen
customer, test send, launch/pause/resume/cancel and a progress bar that htmx refreshes while
it sends), the direct-mail file, and the suppression lists."""

from __future__ import annotations

import csv
from datetime import datetime
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from lealtad.core.access import require
from lealtad.core.errors import DomainError
from lealtad.core.roles import Capability
from lealtad.marketing.channels import rendering
from lealtad.marketing.models.campaigns import CampaignChannel, SuppressionReason
from lealtad.marketing.selectors import campaigns as read
from lealtad.marketing.selectors import segments as segment_reads
from lealtad.marketing.services import campaigns, sending, suppressions

T = "marketing/campaigns/"
SENDING = [(c.value, c.label) for c in CampaignChannel if c.value in read.SENDING_CHANNELS]
LANGUAGES = [("es", "Español"), ("en", "English")]


@login_required
@require_GET
def listing(request: HttpRequest) -> HttpResponse:
    require(request, Capability.MARKETING_VIEW)
    rows = [(c, read.progress(c.pk)) for c in read.listing(request.GET.get("status", ""))]
    return render(request, T + "list.html", {"rows": rows})


def _form_page(
    request: HttpRequest, form: dict[str, Any], refusal: DomainError | None = None
) -> HttpResponse:
    context = {
        "form": form,
        "refusal": refusal,
        "segments": segment_reads.listing(),
        "channels": CampaignChannel.choices,
    }
    return render(request, T + "new.html", context, status=refusal.status if refusal else 200)


def _when(value: str) -> datetime | None:
    return parse_datetime(value) if value else None


def _posted(request: HttpRequest) -> dict[str, Any]:
    p = request.POST
    return {
        "name": p.get("name", ""),
        "objective": p.get("objective", ""),
        "segment_id": p.get("segment_id", ""),
        "channels": p.getlist("channels"),
        "purpose": p.get("purpose", "marketing"),
        "topic": p.get("topic", ""),
        "control_share": p.get("control_share", "10"),
        "starts_at": p.get("starts_at", ""),
        "ends_at": p.get("ends_at", ""),
        "fixed_cost": p.get("fixed_cost", "0") or "0",
        "conversion_days": p.get("conversion_days", "14"),
    }


def _new(form: dict[str, Any]) -> campaigns.NewCampaign:
    def number(name: str, kind: type) -> Any:
        try:
            return kind(form[name])
        except ValueError:
            raise campaigns.CampaignRefused(
                _("%(v)s is not a number."), field=name, v=form[name]
            ) from None

    return campaigns.NewCampaign(
        name=form["name"],
        segment_id=number("segment_id", int),
        channels=form["channels"],
        objective=form["objective"],
        purpose=form["purpose"],
        topic=form["topic"],
        starts_at=_when(form["starts_at"]),
        ends_at=_when(form["ends_at"]),
        control_share=number("control_share", float) / 100,
        fixed_cost=form["fixed_cost"],
        conversion_days=number("conversion_days", int),
    )


@login_required
@require_http_methods(["GET", "POST"])
def new(request: HttpRequest) -> HttpResponse:
    who = require(request, Capability.MARKETING_MANAGE)
    if request.method == "GET":
        blank = {"name": "", "objective": "", "segment_id": "", "channels": ["email"]}
        blank |= {"purpose": "marketing", "topic": "", "control_share": "10"}
        blank |= {"starts_at": "", "ends_at": "", "fixed_cost": "0", "conversion_days": "14"}
        return _form_page(request, blank)
    form = _posted(request)
    try:
        [made] = campaigns.create([_new(form)], who.actor)
    except DomainError as refusal:
        return _form_page(request, form, refusal)
    messages.success(request, _("Campaign created: write its templates."))
    return redirect("marketing:campaign", campaign_id=made.pk)


def _found(campaign_id: int) -> Any:
    campaign = read.get(campaign_id)
    if campaign is None:
        raise Http404("no such campaign")
    return campaign


def _detail(
    request: HttpRequest, campaign_id: int, refusal: DomainError | None = None
) -> HttpResponse:
    who = require(request, Capability.MARKETING_VIEW)
    campaign = _found(campaign_id)
    saved = {(t.channel, t.language): t for t in read.templates(campaign_id)}
    editors = [
        {
            "channel": c,
            "channel_label": label,
            "language": lang,
            "language_label": lang_label,
            "template": saved.get((c, lang)),
        }
        for c, label in SENDING
        if c in campaign.channels and c in ("email", "sms")
        for lang, lang_label in LANGUAGES
    ]
    context = {
        "campaign": campaign,
        "editors": editors,
        "progress": read.progress(campaign_id),
        "skipped": read.skip_reasons(campaign_id),
        "can_manage": who.can(Capability.MARKETING_MANAGE),
        "refusal": refusal,
        "languages": LANGUAGES,
        "placeholders": ", ".join("{{ " + name + " }}" for name in sorted(rendering.PLACEHOLDERS)),
    }
    status = refusal.status if refusal else 200
    return render(request, T + "detail.html", context, status=status)


@login_required
@require_GET
def detail(request: HttpRequest, campaign_id: int) -> HttpResponse:
    return _detail(request, campaign_id)


@login_required
@require_POST
def save_template(request: HttpRequest, campaign_id: int) -> HttpResponse:
    who = require(request, Capability.MARKETING_MANAGE)
    p = request.POST
    row = campaigns.NewTemplate(
        channel=p.get("channel", ""),
        language=p.get("language", ""),
        subject=p.get("subject", ""),
        text_body=p.get("text_body", ""),
        html_body=p.get("html_body", ""),
    )
    try:
        campaigns.save_templates(campaign_id, [row], who.actor)
    except DomainError as refusal:
        return _detail(request, campaign_id, refusal)
    messages.success(request, _("Template saved."))
    return redirect("marketing:campaign", campaign_id=campaign_id)


@login_required
@require_GET
def preview(request: HttpRequest, campaign_id: int) -> HttpResponse:
    """The preview fragment: the message as the chosen customer would receive it."""
    require(request, Capability.MARKETING_VIEW)
    g = request.GET
    context: dict[str, Any] = {}
    try:
        customer_id = int(g.get("customer_id", ""))
        context["shown"] = sending.preview(
            campaign_id, g.get("channel", "email"), g.get("language", "es"), customer_id
        )
    except ValueError as error:
        context["refusal"] = error if isinstance(error, DomainError) else _("Choose a customer id.")
    return render(request, T + "_preview.html", context)


@login_required
@require_POST
def test_send(request: HttpRequest, campaign_id: int) -> HttpResponse:
    require(request, Capability.MARKETING_MANAGE)
    p = request.POST
    customer = p.get("customer_id", "").strip()
    try:
        sending.test_send(
            campaign_id,
            p.get("to", ""),
            p.get("language", "es"),
            int(customer) if customer.isdigit() else None,
        )
    except DomainError as refusal:
        return _detail(request, campaign_id, refusal)
    except OSError:
        messages.error(request, _("The mail server could not be reached."))
        return redirect("marketing:campaign", campaign_id=campaign_id)
    messages.success(request, _("Test message sent to %(to)s.") % {"to": p.get("to", "")})
    return redirect("marketing:campaign", campaign_id=campaign_id)


@login_required
@require_POST
def move(request: HttpRequest, campaign_id: int, action: str) -> HttpResponse:
    who = require(request, Capability.MARKETING_MANAGE)
    try:
        sending.steer(campaign_id, action, who.actor)
    except DomainError as refusal:
        return _detail(request, campaign_id, refusal)
    return redirect("marketing:campaign", campaign_id=campaign_id)


@login_required
@require_GET
def progress(request: HttpRequest, campaign_id: int) -> HttpResponse:
    """The progress fragment htmx polls while the campaign sends."""
    require(request, Capability.MARKETING_VIEW)
    campaign = _found(campaign_id)
    context = {
        "campaign": campaign,
        "progress": read.progress(campaign_id),
        "skipped": read.skip_reasons(campaign_id),
    }
    return render(request, T + "_progress.html", context)


class _Echo:
    def write(self, value: str) -> str:
        return value


@login_required
@require_GET
def direct_mail(request: HttpRequest, campaign_id: int) -> StreamingHttpResponse:
    """The direct-mail batch: one line per letter handed over (formula cells escaped)."""
    require(request, Capability.MARKETING_VIEW)
    _found(campaign_id)
    writer = csv.writer(_Echo())

    def lines() -> Any:
        yield writer.writerow(["message_id", "customer_id", "language", "address"])
        for message_id, customer_id, language, address in read.direct_mail_rows(campaign_id):
            safe = "'" + address if address[:1] in ("=", "+", "-", "@") else address
            yield writer.writerow([message_id, customer_id, language, safe])

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="direct-mail-{campaign_id}.csv"'
    return response


@login_required
@require_GET
def suppression_list(request: HttpRequest) -> HttpResponse:
    who = require(request, Capability.MARKETING_VIEW)
    return _suppressions(request, who.can(Capability.MARKETING_MANAGE))


def _suppressions(
    request: HttpRequest, can_manage: bool, refusal: DomainError | None = None
) -> HttpResponse:
    channel, query = request.GET.get("channel", ""), request.GET.get("q", "")
    context = {
        "rows": read.suppressions(channel, query),
        "channel": channel,
        "q": query,
        "channels": sorted(suppressions.CHANNELS),
        "reasons": SuppressionReason.choices,
        "can_manage": can_manage,
        "refusal": refusal,
    }
    return render(
        request,
        "marketing/suppressions/list.html",
        context,
        status=refusal.status if refusal else 200,
    )


@login_required
@require_POST
def suppression_add(request: HttpRequest) -> HttpResponse:
    who = require(request, Capability.MARKETING_MANAGE)
    p = request.POST
    row = suppressions.NewSuppression(
        channel=p.get("channel", ""),
        reason=p.get("reason", "manual"),
        address=p.get("address", ""),
        source=f"page:{who.actor.label}",
    )
    try:
        added = suppressions.suppress([row])
    except DomainError as refusal:
        return _suppressions(request, True, refusal)
    messages.success(request, _("Suppressed.") if added else _("Already suppressed."))
    return redirect("marketing:suppressions")


@login_required
@require_POST
def suppression_import(request: HttpRequest) -> HttpResponse:
    require(request, Capability.MARKETING_MANAGE)
    upload = request.FILES.get("file")
    try:
        if upload is None:
            raise suppressions.SuppressionRefused(_("Choose a CSV file."), field="file")
        try:
            text = upload.read().decode("utf-8-sig")
        except UnicodeDecodeError:
            raise suppressions.SuppressionRefused(
                _("The file is not UTF-8 text."), field="file"
            ) from None
        rows = suppressions.parse_csv(text, source=f"import:{upload.name}")
        added = suppressions.suppress(rows, indexed=True)
    except DomainError as refusal:
        return _suppressions(request, True, refusal)
    messages.success(
        request, _("%(n)s new suppressions of %(rows)s lines.") % {"n": added, "rows": len(rows)}
    )
    return redirect("marketing:suppressions")


@login_required
@require_POST
def suppression_remove(request: HttpRequest, suppression_id: int) -> HttpResponse:
    require(request, Capability.MARKETING_MANAGE)
    suppressions.remove([suppression_id])
    messages.success(request, _("Suppression lifted."))
    return redirect("marketing:suppressions")


urlpatterns = [
    path("campaigns/", listing, name="campaigns"),
    path("campaigns/new/", new, name="campaign_new"),
    path("campaigns/<int:campaign_id>/", detail, name="campaign"),
    path("campaigns/<int:campaign_id>/templates/", save_template, name="campaign_template"),
    path("campaigns/<int:campaign_id>/preview/", preview, name="campaign_preview"),
    path("campaigns/<int:campaign_id>/test-send/", test_send, name="campaign_test_send"),
    path("campaigns/<int:campaign_id>/progress/", progress, name="campaign_progress"),
    path("campaigns/<int:campaign_id>/direct-mail.csv", direct_mail, name="campaign_direct_mail"),
    *[
        path(
            f"campaigns/<int:campaign_id>/{action}/",
            move,
            {"action": action},
            name=f"campaign_{action}",
        )
        for action in ("launch", "pause", "resume", "cancel")
    ],
    path("suppressions/", suppression_list, name="suppressions"),
    path("suppressions/add/", suppression_add, name="suppression_add"),
    path("suppressions/import/", suppression_import, name="suppression_import"),
    path(
        "suppressions/<int:suppression_id>/remove/",
        suppression_remove,
        name="suppression_remove",
    ),
]
