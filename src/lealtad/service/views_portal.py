"""The customer portal under ``/portal/``: no password, a link by e-mail signs a customer in
(see ``services.portal``). Every page but the sign-in ones needs that session; every record
shown is the signed-in customer's own (another's case answers 404).

Supervisors (staff sign-in, ``SERVICE_SUPERVISE``) accept community answers and turn them
into FAQs from the same question page.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from lealtad.core.access import principal, require
from lealtad.core.audit import Actor
from lealtad.core.refusals import shown_as_message
from lealtad.core.roles import Capability
from lealtad.service.choices import SUBTYPES, CaseCategory
from lealtad.service.selectors import mail as mail_reads
from lealtad.service.selectors import portal as reads
from lealtad.service.services import attachments, community, portal
from lealtad.service.services.portal import PortalNotFound
from lealtad.service.views_cases import download

T = "service/portal/"
SESSION_CUSTOMER, SESSION_LINK = "portal_customer", "portal_link"


def _language() -> str:
    return "en" if (translation.get_language() or "es").startswith("en") else "es"


def signed_in(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
    """The portal's own check: a customer signed in by an e-mailed link."""

    @wraps(view)
    def inner(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        customer_id = request.session.get(SESSION_CUSTOMER)
        if not customer_id:
            return redirect(reverse("portal:login") + "?next=" + request.path)
        return view(request, int(customer_id), *args, **kwargs)

    return inner


@require_http_methods(["GET", "POST"])
def login_page(request: HttpRequest) -> HttpResponse:
    sent = False
    if request.method == "POST":
        with shown_as_message(request) as outcome:
            portal.request_link(request.POST.get("email", ""), _language())
        sent = not outcome.refused  # the same answer for a stranger's address (no leak)
    return render(request, T + "login.html", {"sent": sent})


@require_GET
def link_page(request: HttpRequest, secret: str) -> HttpResponse:
    try:
        link = portal.redeem(secret)
    except portal.PortalLinkInvalid as exc:
        return render(request, T + "login.html", {"problem": exc.message}, status=exc.status)
    request.session.cycle_key()  # a fresh session id: no fixation
    request.session[SESSION_CUSTOMER], request.session[SESSION_LINK] = link.customer_id, link.pk
    return redirect("portal:home")


@require_POST
def logout_page(request: HttpRequest) -> HttpResponse:
    request.session.pop(SESSION_CUSTOMER, None)
    request.session.pop(SESSION_LINK, None)
    return redirect("portal:login")


@require_GET
@signed_in
def home(request: HttpRequest, customer_id: int) -> HttpResponse:
    q = request.GET.get("q", "")[:200]
    context = {
        "cases": reads.my_cases(customer_id),
        "orders": reads.my_orders(customer_id, limit=20),
        "q": q,
        "faqs": reads.faqs(q, _language()),
    }
    return render(request, T + "home.html", context)


@require_http_methods(["GET", "POST"])
@signed_in
def new_case(request: HttpRequest, customer_id: int) -> HttpResponse:
    if request.method == "POST":
        category, _sep, subtype = request.POST.get("topic", "").partition("/")
        with shown_as_message(request) as outcome:
            case = portal.open_case(
                customer_id,
                request.POST.get("subject", ""),
                request.POST.get("description", ""),
                category,
                subtype,
            )
        if not outcome.refused:
            messages.success(request, _("We opened case %(n)s.") % {"n": case.number})
            return redirect("portal:case", case_id=case.pk)
    topics = [
        (f"{c}/{s}", f"{CaseCategory(c).label} · {label}")
        for c, subs in SUBTYPES.items()
        if c != CaseCategory.INTERNAL
        for s, label in subs.items()
    ]
    return render(request, T + "new_case.html", {"topics": topics, "form": request.POST})


@require_http_methods(["GET", "POST"])
@signed_in
def case_page(request: HttpRequest, customer_id: int, case_id: int) -> HttpResponse:
    case = reads.my_case(customer_id, case_id)
    if case is None:
        raise PortalNotFound(_("There is no case %(id)s."), field="case", id=case_id)
    if request.method == "POST":
        with shown_as_message(request) as outcome:
            portal.reply(customer_id, case_id, request.POST.get("body", ""))
        if not outcome.refused:
            return redirect("portal:case", case_id=case_id)
    context = {"case": case, "thread": reads.public_thread(case)}
    return render(request, T + "case.html", context)


@require_GET
@signed_in
def attachment_file(
    request: HttpRequest, customer_id: int, case_id: int, attachment_id: int
) -> FileResponse:
    """A file on a public line of the customer's own case (an internal note's never)."""
    if reads.my_case(customer_id, case_id) is None:
        raise PortalNotFound(_("There is no case %(id)s."), field="case", id=case_id)
    found = mail_reads.attachment(case_id, attachment_id, public_only=True)
    path = attachments.path_of(found) if found is not None else None
    if found is None or path is None:
        raise PortalNotFound(_("There is no such file."), field="file")
    return download(found, path)


CONSENT_CHANNELS = ("email", "sms", "phone", "whatsapp")
CONSENT_PURPOSES = ("marketing", "surveys", "profiling")


@require_http_methods(["GET", "POST"])
@signed_in
def consents_page(request: HttpRequest, customer_id: int) -> HttpResponse:
    if request.method == "POST":
        channel, _sep, purpose = request.POST.get("choice", "").partition("/")
        with shown_as_message(request) as outcome:
            change = portal.set_consent(
                customer_id,
                int(request.session.get(SESSION_LINK) or 0),
                channel,
                purpose,
                request.POST.get("granted") == "1",
            )
        if not outcome.refused:
            pending = change is not None and change.status == "pending"
            messages.success(
                request,
                _("Check your mail to confirm.") if pending else _("Your choice was saved."),
            )
            return redirect("portal:consents")
    current = {(c["channel"], c["purpose"]): c["granted"] for c in reads.my_consents(customer_id)}
    rows = [(ch, pu, current.get((ch, pu))) for ch in CONSENT_CHANNELS for pu in CONSENT_PURPOSES]
    return render(request, T + "consents.html", {"rows": rows})


def _supervisor(request: HttpRequest) -> bool:
    return bool(request.user.is_authenticated) and principal(request).can(
        Capability.SERVICE_SUPERVISE
    )


@require_http_methods(["GET", "POST"])
@signed_in
def community_page(request: HttpRequest, customer_id: int) -> HttpResponse:
    if request.method == "POST":
        with shown_as_message(request) as outcome:
            asked = community.ask(
                customer_id,
                request.POST.get("title", ""),
                request.POST.get("body", ""),
                _language(),
            )
        if not outcome.refused:
            return redirect("portal:question", question_id=asked.pk)
    q = request.GET.get("q", "")[:200]
    return render(request, T + "community.html", {"questions": reads.questions(q), "q": q})


@require_http_methods(["GET", "POST"])
@signed_in
def question_page(request: HttpRequest, customer_id: int, question_id: int) -> HttpResponse:
    question = reads.question(question_id)
    if question is None:
        raise community.CommunityNotFound(_("There is no question."), field="question")
    if request.method == "POST":
        who = portal.actor(customer_id)
        with shown_as_message(request):
            if "accept" in request.POST:
                community.accept(
                    question_id, int(request.POST["accept"]), who, customer_id=customer_id
                )
            else:
                community.answer(question_id, request.POST.get("body", ""), who.label, customer_id)
        return redirect("portal:question", question_id=question_id)
    context = {
        "question": question,
        "answers": list(question.answers.order_by("created_at", "id")),
        "mine": question.customer_id == customer_id,
    }
    return render(request, T + "question.html", context)


@login_required
@require_GET
def staff_questions(request: HttpRequest) -> HttpResponse:
    """The supervisors' view of the community: accept, and turn an accepted answer into an FAQ."""
    require(request, Capability.SERVICE_SUPERVISE)
    return render(request, T + "staff.html", {"questions": reads.questions(limit=200)})


@login_required
@require_POST
def staff_decide(request: HttpRequest, question_id: int) -> HttpResponse:
    require(request, Capability.SERVICE_SUPERVISE)
    actor = Actor.for_user(request.user, channel="web")
    with shown_as_message(request) as outcome:
        if request.POST.get("accept"):
            community.accept(question_id, int(request.POST["accept"]), actor)
        else:
            key = community.make_faq(question_id, actor)
    if not outcome.refused and not request.POST.get("accept"):
        messages.success(request, _("Published as FAQ %(key)s.") % {"key": key})
    return redirect("portal:staff_questions")


app_name = "portal"
urlpatterns = [
    path("login/", login_page, name="login"),
    path("link/<str:secret>/", link_page, name="link"),
    path("logout/", logout_page, name="logout"),
    path("", home, name="home"),
    path("cases/new/", new_case, name="new_case"),
    path("cases/<int:case_id>/", case_page, name="case"),
    path("cases/<int:case_id>/files/<int:attachment_id>/", attachment_file, name="attachment"),
    path("consents/", consents_page, name="consents"),
    path("community/", community_page, name="community"),
    path("community/<int:question_id>/", question_page, name="question"),
    path("community/staff/", staff_questions, name="staff_questions"),
    path("community/staff/<int:question_id>/", staff_decide, name="staff_decide"),
]
