"""Surveys over HTTP (``/api/v1/service/surveys/…``): a survey, the answer an agent took by
phone (the dialer's survey call), the root-cause report (JSON or CSV). The customer's own
e-mail answer goes through the signed page (``views_surveys``), not here."""

from __future__ import annotations

from typing import Any, Literal

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema
from pydantic import ConfigDict

from lealtad.core.access import require
from lealtad.core.api_errors import errors
from lealtad.core.roles import Capability
from lealtad.service.models import Survey
from lealtad.service.selectors import surveys as reads
from lealtad.service.services import surveys
from lealtad.service.services.surveys import SurveyNotFound

router = Router(tags=["service desk: surveys"])
PREFIX = "/service/surveys"


class PhoneAnswerIn(Schema):
    model_config = ConfigDict(extra="forbid")

    csat: int | None = Field(default=None, ge=1, le=5)
    nps: int | None = Field(default=None, ge=0, le=10)
    comment: str = Field(default="", max_length=5000)


@router.get(f"{PREFIX}/report", response={200: list[dict[str, Any]]})
def report(request: HttpRequest, format: Literal["json", "csv"] = "json") -> Any:
    """Answers by category, subtype and product, the unhappiest first (``format=csv``: a file)."""
    require(request, Capability.SERVICE_SUPERVISE)
    rows = reads.root_causes()
    if format == "csv":
        response = HttpResponse(reads.root_causes_csv(rows), content_type="text/csv")
        response["Content-Disposition"] = 'attachment; filename="survey-root-causes.csv"'
        return response
    return [
        {
            "category": r.category,
            "subtype": r.subtype,
            "product_sku": r.product_sku,
            "answered": r.answered,
            "unhappy": r.unhappy,
            "csat_avg": r.csat_avg,
            "nps": r.nps,
        }
        for r in rows
    ]


def _survey(survey_id: int) -> Survey:
    found = Survey.objects.filter(pk=survey_id).first()
    if found is None:
        raise SurveyNotFound(_("There is no survey %(id)s."), field="survey", id=survey_id)
    return found


@router.get(f"{PREFIX}/{{survey_id}}", response={200: dict[str, Any], **errors(404)})
def get_survey(request: HttpRequest, survey_id: int) -> Any:
    require(request, Capability.SERVICE_HANDLE)
    return surveys.as_dict(_survey(survey_id))


@router.post(
    f"{PREFIX}/{{survey_id}}/phone-answer", response={200: dict[str, Any], **errors(404, 409)}
)
def phone_answer(request: HttpRequest, survey_id: int, body: PhoneAnswerIn) -> Any:
    """What the customer said on the survey call; a survey already answered is refused (409)
    and keeps its first answer."""
    require(request, Capability.SERVICE_HANDLE)
    given = surveys.Answer(csat=body.csat, nps=body.nps, comment=body.comment, channel="phone")
    return surveys.as_dict(surveys.answer(survey_id, given))
