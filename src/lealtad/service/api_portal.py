"""The community's staff side over HTTP (``/api/v1/service/community/…``): list questions,
accept an answer and publish an accepted answer as an FAQ (supervisors). Customers use the
portal's pages, signed in by their e-mailed link; no API token stands for a customer."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Field, Router, Schema
from pydantic import ConfigDict

from lealtad.core.access import require
from lealtad.core.api_errors import errors
from lealtad.core.audit import Actor
from lealtad.core.roles import Capability
from lealtad.service.selectors import portal as reads
from lealtad.service.services import community

router = Router(tags=["service desk: community"])
PREFIX = "/service/community"


class AcceptIn(Schema):
    model_config = ConfigDict(extra="forbid")

    answer_id: int = Field(ge=1)


def _actor(request: HttpRequest) -> Actor:
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return Actor.for_user(user, channel="api")
    return Actor.system("api")


@router.get(f"{PREFIX}/questions", response={200: list[dict[str, Any]]})
def questions(request: HttpRequest, q: str = "") -> Any:
    require(request, Capability.SERVICE_HANDLE)
    return [
        {
            "id": x.pk,
            "title": x.title,
            "language": x.language,
            "answers": x.answers.count(),
            "accepted_answer_id": x.accepted_id,
            "faq_key": x.faq_key,
        }
        for x in reads.questions(q[:200], limit=200)
    ]


@router.post(
    f"{PREFIX}/questions/{{question_id}}/accept",
    response={200: dict[str, Any], **errors(404)},
)
def accept(request: HttpRequest, question_id: int, body: AcceptIn) -> Any:
    require(request, Capability.SERVICE_SUPERVISE)
    question = community.accept(question_id, body.answer_id, _actor(request))
    return {"id": question.pk, "accepted_answer_id": question.accepted_id}


@router.post(
    f"{PREFIX}/questions/{{question_id}}/faq",
    response={200: dict[str, Any], **errors(404, 409, 422)},
)
def make_faq(request: HttpRequest, question_id: int) -> Any:
    """Publishes the accepted answer as a public FAQ in the knowledge base, once."""
    require(request, Capability.SERVICE_SUPERVISE)
    return {"faq_key": community.make_faq(question_id, _actor(request))}
