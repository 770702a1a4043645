"""The community: customers ask, customers answer each other, the asker or a supervisor
accepts an answer, and an accepted answer becomes a published FAQ with one click (through the
knowledge base's own service, so it is searched, versioned and edited like any article)."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from lealtad.core.audit import Actor
from lealtad.core.errors import DomainError
from lealtad.service.choices import CaseCategory
from lealtad.service.models import CommunityAnswer, CommunityQuestion
from lealtad.service.services import knowledge


class CommunityRefused(DomainError):
    code = "community_refused"
    kind = "invalid"


class CommunityNotFound(DomainError):
    code = "not_found"
    kind = "not_found"


class CommunityState(DomainError):
    code = "community_state"
    kind = "conflict"


def _text(value: str, field: str, most: int) -> str:
    value = value.strip()
    if not value:
        raise CommunityRefused(_("This cannot be empty."), field=field)
    if len(value) > most:
        raise CommunityRefused(_("At most %(n)s characters."), field=field, n=most)
    return value


def ask(customer_id: int, title: str, body: str, language: str = "es", category: str = "other"):
    if language not in ("es", "en"):
        raise CommunityRefused(_("Spanish or English."), field="language")
    if category not in CaseCategory.values or category == CaseCategory.INTERNAL:
        raise CommunityRefused(_("Unknown category."), field="category")
    return CommunityQuestion.objects.create(
        customer_id=customer_id,
        title=_text(title, "title", 200),
        body=_text(body, "body", 10000),
        language=language,
        category=category,
        created_at=timezone.now(),
    )


def _question(question_id: int, lock: bool = False) -> CommunityQuestion:
    rows = CommunityQuestion.objects.select_for_update() if lock else CommunityQuestion.objects
    found = rows.filter(pk=question_id).first()
    if found is None:
        raise CommunityNotFound(_("There is no question %(id)s."), field="question", id=question_id)
    return found


def answer(question_id: int, body: str, author: str, customer_id: int | None = None):
    question = _question(question_id)
    return CommunityAnswer.objects.create(
        question=question,
        customer_id=customer_id,
        author=author[:150],
        body=_text(body, "body", 10000),
        created_at=timezone.now(),
    )


def accept(question_id: int, answer_id: int, actor: Actor, *, customer_id: int | None = None):
    """The asker (``customer_id``) or a supervisor (``customer_id`` None: the caller checked
    the capability) accepts one answer; another customer may not."""
    with transaction.atomic():
        question = _question(question_id, lock=True)
        if customer_id is not None and customer_id != question.customer_id:
            raise CommunityNotFound(
                _("There is no question %(id)s."), field="question", id=question_id
            )
        chosen = question.answers.filter(pk=answer_id).first()
        if chosen is None:
            raise CommunityNotFound(_("There is no answer %(id)s."), field="answer", id=answer_id)
        question.accepted, question.accepted_by = chosen, actor.label[:150]
        question.save(update_fields=["accepted", "accepted_by"])
    return question


def make_faq(question_id: int, actor: Actor) -> str:
    """The accepted answer as a published public FAQ; returns its key. Once per question."""
    with transaction.atomic():
        question = _question(question_id, lock=True)
        if question.accepted is None:
            raise CommunityState(_("Accept an answer first."), field="question")
        if question.faq_key:
            raise CommunityState(
                _("This question is already FAQ %(key)s."), field="question", key=question.faq_key
            )
        key = f"community-{question.pk}-{slugify(question.title)[:40]}".strip("-")
        draft = knowledge.ArticleDraft(
            key=key,
            category=question.category,
            versions=[knowledge.Version(question.language, question.title, question.accepted.body)],
            status="published",
            is_faq=True,
            audience="public",
            tags=["community"],
        )
        knowledge.save_article(draft, actor)
        question.faq_key = key
        question.save(update_fields=["faq_key"])
    return key
