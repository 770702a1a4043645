"""What the portal shows a signed-in customer: only their own records."""

from __future__ import annotations

from typing import Any

from lealtad.commerce import selectors as commerce
from lealtad.customers.selectors.subject import customer_record
from lealtad.service.models import Case, CaseEntry, CommunityQuestion


def my_cases(customer_id: int, limit: int = 100) -> list[Case]:
    return list(Case.objects.filter(customer_id=customer_id).order_by("-created_at")[:limit])


def my_case(customer_id: int, case_id: int) -> Case | None:
    return Case.objects.filter(pk=case_id, customer_id=customer_id).first()


def public_thread(case: Case) -> list[CaseEntry]:
    """What the customer may read: public lines only, never an agent's internal note."""
    return list(case.entries.filter(public=True).order_by("at", "id"))


def my_orders(customer_id: int, limit: int = 50) -> list[Any]:
    return list(commerce.customer_orders(customer_id, limit=limit))


def my_consents(customer_id: int) -> list[dict[str, Any]]:
    return list(customer_record(customer_id).get("consents", []))


def faqs(query: str, language: str) -> list[Any]:
    """Helper K's published FAQs; an empty list while the knowledge base is not there."""
    try:
        from lealtad.service.selectors.knowledge import published_faqs
    except ImportError:  # pragma: no cover - the knowledge base ships with the service desk
        return []
    return list(published_faqs(query, language))


def questions(query: str = "", limit: int = 50) -> list[CommunityQuestion]:
    rows = CommunityQuestion.objects.order_by("-created_at")
    if query.strip():
        rows = rows.filter(title__icontains=query.strip())
    return list(rows[:limit])


def question(question_id: int) -> CommunityQuestion | None:
    return CommunityQuestion.objects.filter(pk=question_id).first()
