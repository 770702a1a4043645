"""HTTP API of the review queue's evidence: why the matcher paired two customers.

Listing the queue and deciding live in :mod:`lealtad.customers.api`
(``GET /identity/reviews``, ``POST /identity/reviews/{id}/decision``).
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Router

from lealtad.core.access import require
from lealtad.core.roles import Capability
from lealtad.customers import review_explain
from lealtad.customers.models import IdentityReview

router = Router(tags=["identity"])


@router.get(
    "/identity/reviews/{review_id}/explain",
    summary="A review's pair field by field: values, comparison levels and weights",
)
def explain(request: HttpRequest, review_id: int) -> dict[str, Any]:
    require(request, Capability.MERGE)
    review = get_object_or_404(IdentityReview, pk=review_id)
    explanation = review_explain.explain_pair(review.customer_a_id, review.customer_b_id)
    return {
        "id": review.pk,
        "status": review.status,
        "reason": review.reason,
        "evidence": review.evidence,
        **explanation.to_json(),
    }
