"""Customer pages: register, the customer 360 (agent desktop), edits, review queue.

Thin views: every page checks the reader's capability, reads through the selectors and writes
through the services, which validate, audit and announce.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from lealtad.core.access import principal, require
from lealtad.core.audit import Actor
from lealtad.core.errors import DomainError
from lealtad.core.refusals import add_to_form, shown_as_message
from lealtad.core.roles import Capability
from lealtad.customers import choices, forms, selectors, services
from lealtad.customers.models import Customer, Identifier, IdentityReview

UI_CHANNEL = "call_center"


def _context(request: HttpRequest, channel: str = UI_CHANNEL) -> services.ChangeContext:
    return services.ChangeContext(Actor.for_user(request.user, channel), channel=channel)


def _customer(customer_id: int) -> Customer:
    customer = selectors.get_customer(customer_id)
    if customer is None:
        raise Http404(_("No such customer."))
    return customer


@login_required
@require_http_methods(["GET", "POST"])
def create(request: HttpRequest) -> HttpResponse:
    require(request, Capability.CREATE)
    form = forms.CustomerCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        built = form.build()
        if built is not None:
            profile, ref = built
            try:
                customer = services.create_customer(profile, ref, _context(request))
            except DomainError as exc:
                add_to_form(form, exc)
            else:
                messages.success(request, _("Customer registered."))
                return redirect("customers:detail", customer.pk)
    return render(
        request,
        "customers/form.html",
        {"form": form, "title": _("New customer"), "cancel": "customers:search"},
    )


def _label_channels(rows: list[Any]) -> list[Any]:
    """Give each row (interaction, channel activity) the translated name of its channel."""
    names = dict(choices.Channel.choices)
    for row in rows:
        row.channel_label = names.get(row.channel, row.channel)
    return rows


# The consent channels that reach each kind of contact point.
REACHES = {"phone": ("phone", "sms", "whatsapp"), "email": ("email",), "address": ("mail",)}


def _contact_points(view: dict[str, Any]) -> list[dict[str, Any]]:
    """Phones, emails and current addresses, each with the consents of the channels that
    reach it, so an agent sees at a glance whether it may call, text or write (consents
    only for a reader who may see them)."""
    consents = view.get("consents", [])

    def reach(kind: str) -> list[Any]:
        return [k for k in consents if k.channel in REACHES[kind]]

    points = [{"kind": "phone", "item": p, "consents": reach("phone")} for p in view["phones"]]
    points += [{"kind": "email", "item": e, "consents": reach("email")} for e in view["emails"]]
    points += [
        {"kind": "address", "item": a, "consents": reach("address")}
        for a in view["addresses"]
        if a.valid_to is None
    ]
    return points


def _channel_filter(request: HttpRequest) -> str:
    channel = request.GET.get("channel", "")
    return channel if channel in choices.Channel.values or channel.isidentifier() else ""


@login_required
@require_GET
def detail(request: HttpRequest, customer_id: int) -> HttpResponse:
    require(request, Capability.VIEW)
    customer = _customer(customer_id)
    if customer.merged_into_id:
        messages.info(request, _("This customer was merged into another record."))
        return redirect("customers:detail", customer.merged_into_id)
    who = principal(request)
    view = selectors.customer_360(customer, who.capabilities, who.reader)
    _label_channels(view.get("channels", []))
    channels_seen: list[tuple[str, str]] = []
    if "interactions" in view:
        _label_channels(view["interactions"])
        channels_seen = sorted({(i.channel, i.channel_label) for i in view["interactions"]})
    return render(
        request,
        "customers/detail.html",
        {
            "c": customer,
            "view": view,
            "channels_seen": channels_seen,
            "contact_points": _contact_points(view),
        },
    )


@login_required
@require_GET
def timeline(request: HttpRequest, customer_id: int) -> HttpResponse:
    """The contact history alone, filtered by channel (htmx)."""
    require(request, Capability.VIEW_HISTORY)
    customer = _customer(customer_id)
    channel = _channel_filter(request)
    rows = _label_channels(list(selectors.timeline(customer, channel=channel or None)))
    return render(
        request,
        "customers/_timeline.html",
        {
            "c": customer,
            "interactions": rows,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def edit(request: HttpRequest, customer_id: int) -> HttpResponse:
    require(request, Capability.EDIT)
    customer = _customer(customer_id)
    form = forms.ProfileForm(request.POST or None, initial=forms.ProfileForm.initial_for(customer))
    if request.method == "POST" and form.is_valid():
        changes = form.changes()
        if changes is not None:
            ctx = _context(request)
            with transaction.atomic():
                changed = services.update_profile(customer, changes, ctx)
                if phone := form.cleaned_data.get("new_phone"):
                    services.add_phone(customer, phone, ctx)
                    changed = True
            if changed:
                messages.success(request, _("Changes saved."))
            else:
                messages.info(request, _("Nothing changed."))
            return redirect("customers:detail", customer.pk)
    return render(
        request,
        "customers/form.html",
        {
            "form": form,
            "c": customer,
            "title": _("Edit %(name)s") % {"name": customer.display_name},
        },
    )


def _sub_form(
    request: HttpRequest,
    customer_id: int,
    capability: Capability,
    form_class: type[Any],
    title: str,
    save: Callable[[Any, Customer, services.ChangeContext], bool],
    success: str,
) -> HttpResponse:
    """A small form that adds one thing to the customer, then returns to the 360 page."""
    require(request, capability)
    customer = _customer(customer_id)
    form = form_class(request.POST or None)
    if request.method == "POST" and form.is_valid():
        channel = UI_CHANNEL
        if isinstance(form, forms.InteractionForm):  # a note says where the contact happened
            channel = form.cleaned_data["channel"]
        with transaction.atomic():
            saved = save(form, customer, _context(request, channel))
        if saved:
            messages.success(request, success)
            return redirect("customers:detail", customer.pk)
    return render(
        request,
        "customers/form.html",
        {"form": form, "c": customer, "title": f"{title} — {customer.display_name}"},
    )


def _save_phone(form: forms.PhoneForm, customer: Customer, ctx: services.ChangeContext) -> bool:
    phone = form.to_phone()
    if phone is None:
        return False
    services.add_phone(customer, phone, ctx)
    return True


def _save_email(form: forms.EmailForm, customer: Customer, ctx: services.ChangeContext) -> bool:
    address = form.cleaned_data["address"]
    owner = Identifier.objects.filter(kind="email", system="", value=address).first()
    if owner and owner.customer_id != customer.pk:
        form.add_error(
            "address",
            _("This address already belongs to customer #%(id)s.") % {"id": owner.customer_id},
        )
        return False
    services.add_email(customer, address, ctx)
    return True


def _save_address(form: forms.AddressForm, customer: Customer, ctx: services.ChangeContext) -> bool:
    address = form.to_address()
    if address is None:
        return False
    services.add_address(customer, address, ctx)
    return True


def _save_consent(form: forms.ConsentForm, customer: Customer, ctx: services.ChangeContext) -> bool:
    consent = form.to_consent()
    if consent is None:
        return False
    try:
        services.record_consent(customer, consent, ctx)
    except DomainError as exc:
        add_to_form(form, exc)
        return False
    return True


def _save_interaction(
    form: forms.InteractionForm, customer: Customer, ctx: services.ChangeContext
) -> bool:
    data = form.to_interaction(ctx.actor.label)
    if data is None:
        return False
    services.record_interaction(customer, data, ctx)
    return True


@login_required
@require_http_methods(["GET", "POST"])
def add_phone(request: HttpRequest, customer_id: int) -> HttpResponse:
    return _sub_form(
        request,
        customer_id,
        Capability.EDIT,
        forms.PhoneForm,
        _("Add phone"),
        _save_phone,
        _("Phone added."),
    )


@login_required
@require_http_methods(["GET", "POST"])
def add_email(request: HttpRequest, customer_id: int) -> HttpResponse:
    return _sub_form(
        request,
        customer_id,
        Capability.EDIT,
        forms.EmailForm,
        _("Add email"),
        _save_email,
        _("Email added."),
    )


@login_required
@require_http_methods(["GET", "POST"])
def add_address(request: HttpRequest, customer_id: int) -> HttpResponse:
    return _sub_form(
        request,
        customer_id,
        Capability.EDIT,
        forms.AddressForm,
        _("Add address"),
        _save_address,
        _("Address added."),
    )


@login_required
@require_http_methods(["GET", "POST"])
def add_consent(request: HttpRequest, customer_id: int) -> HttpResponse:
    return _sub_form(
        request,
        customer_id,
        Capability.CAPTURE_CONSENT,
        forms.ConsentForm,
        _("Record consent"),
        _save_consent,
        _("Consent recorded."),
    )


@login_required
@require_http_methods(["GET", "POST"])
def add_interaction(request: HttpRequest, customer_id: int) -> HttpResponse:
    require(request, Capability.VIEW_HISTORY)
    return _sub_form(
        request,
        customer_id,
        Capability.EDIT,
        forms.InteractionForm,
        _("Record a contact"),
        _save_interaction,
        _("Contact recorded."),
    )


@login_required
@require_GET
def reviews(request: HttpRequest) -> HttpResponse:
    """Each pair side by side, with what the matcher weighed field by field."""
    from lealtad.customers import review_explain

    require(request, Capability.MERGE)
    pending = list(selectors.open_reviews())
    ids = {r.customer_a_id for r in pending} | {r.customer_b_id for r in pending}
    keys: dict[int, list[Identifier]] = {}
    for row in Identifier.objects.filter(customer_id__in=ids):
        keys.setdefault(row.customer_id, []).append(row)
    explanations = review_explain.explain_many(
        [(r.customer_a_id, r.customer_b_id) for r in pending]
    )
    pairs = [
        {
            "review": r,
            "sides": [
                (r.customer_a, keys.get(r.customer_a_id, [])),
                (r.customer_b, keys.get(r.customer_b_id, [])),
            ],
            "explanation": explanation,
            "profile": _profile_rows(explanation),
        }
        for r, explanation in zip(pending, explanations, strict=True)
    ]
    return render(request, "customers/reviews.html", {"pairs": pairs})


def _profile_rows(explanation: Any) -> list[tuple[str, str, str]]:
    """(label, value of A, value of B) of the fields a person compares by eye."""
    by_name = {row.name: row for row in explanation.rows}
    out = []
    for name in ("given_name", "surnames", "birth_date", "national_id", "phone", "email"):
        row = by_name.get(name)
        if row is not None:
            out.append((row.label, row.value_a, row.value_b))
    address = [
        ", ".join(
            v
            for v in (
                by_name[n].value_a if side == 0 else by_name[n].value_b
                for n in ("street", "city", "postcode")
                if n in by_name
            )
            if v
        )
        for side in (0, 1)
    ]
    out.append((_("Current address"), address[0], address[1]))
    return out


@login_required
@require_POST
def decide_review(request: HttpRequest, review_id: int) -> HttpResponse:
    require(request, Capability.MERGE)
    review = get_object_or_404(IdentityReview, pk=review_id)
    decision = request.POST.get("decision", "")
    if decision not in forms.REVIEW_DECISIONS:
        messages.error(request, _("Unknown decision."))
        return redirect("customers:reviews")
    with shown_as_message(request) as outcome:
        services.decide_review(review, decision, _context(request))
    if not outcome.refused:
        labels = {
            "merged": _("Customers merged."),
            "distinct": _("Marked as different people."),
            "deferred": _("Left for later."),
        }
        messages.success(request, labels[decision])
    return redirect("customers:reviews")
