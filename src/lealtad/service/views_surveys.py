"""Survey pages: the customer's answer page (the signed link is the key, no sign-in) and the
supervisor's root-cause report with its CSV export.

The mail's one-click links carry the score; opening one shows the answer pre-filled and a
single Send button. Recording on the GET itself would let a mail scanner that follows links
answer for the customer.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from lealtad.core.access import require
from lealtad.core.roles import Capability
from lealtad.service.selectors import surveys as reads
from lealtad.service.services import surveys
from lealtad.service.services.surveys import SurveyRefused

T = "service/surveys/"


def _score(raw: str | None, field: str) -> int | None:
    if raw is None or raw.strip() == "":
        return None
    if not raw.strip().isdigit():
        raise SurveyRefused(_("%(v)r is not a number."), field=field, v=raw[:20])
    return int(raw)


@require_http_methods(["GET", "POST"])
def answer_page(request: HttpRequest, token: str) -> HttpResponse:
    survey = surveys.survey_for_token(token)  # a bad link: the refusal page with its status
    if request.method == "GET":
        context = {
            "survey": survey,
            "csat": _score(request.GET.get("csat"), "csat"),
            "nps": _score(request.GET.get("nps"), "nps"),
            "scores": range(1, 6),
            "nps_scores": range(0, 11),
        }
        status = 409 if survey.answered_at else 200
        return render(request, T + "answer.html", context, status=status)
    given = surveys.Answer(
        csat=_score(request.POST.get("csat"), "csat"),
        nps=_score(request.POST.get("nps"), "nps"),
        comment=request.POST.get("comment", ""),
        channel="email",
    )
    survey = surveys.answer(survey.pk, given)
    return render(request, T + "thanks.html", {"survey": survey})


@login_required
@require_GET
def report_page(request: HttpRequest) -> HttpResponse:
    require(request, Capability.SERVICE_SUPERVISE)
    rows = reads.root_causes()
    if request.GET.get("format") == "csv":
        response = HttpResponse(reads.root_causes_csv(rows), content_type="text/csv")
        response["Content-Disposition"] = 'attachment; filename="survey-root-causes.csv"'
        return response
    return render(request, T + "report.html", {"rows": rows, "recent": reads.recent(20)})


urlpatterns = [
    path("surveys/answer/<str:token>/", answer_page, name="survey_answer"),
    path("surveys/report/", report_page, name="survey_report"),
]
