"""Reads of the cross-sell rules: the rule list, and the offers for one customer."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from lealtad.analytics.models import AssociationRule
from lealtad.commerce import selectors as commerce_selectors
from lealtad.customer_value import upsell

MAX_LIMIT = 1000


def rules(limit: int = 100, min_lift: float = 0.0, item: str = "") -> list[AssociationRule]:
    """The stored rules, highest lift first; ``item``: only rules naming that product code
    on either side."""
    found: QuerySet[AssociationRule] = AssociationRule.objects.filter(lift__gte=min_lift)
    if item:
        key = f"|{item}|"
        found = found.filter(Q(antecedent_key__contains=key) | Q(consequent_key__contains=key))
    return list(found.order_by("-lift", "-confidence", "id")[: max(0, min(limit, MAX_LIMIT))])


def cross_sell_for(customer_id: int, limit: int = 10) -> list[upsell.Offer]:
    """What to offer this customer: the rules whose antecedent they bought and consequent
    they have not, one offer per product set, highest lift x confidence first. The rule set
    is bounded (``max_rules`` when mined), so it is read whole and matched in memory."""
    bought = commerce_selectors.customer_products(customer_id)
    if not bought:
        return []
    stored = AssociationRule.objects.only("antecedent", "consequent", "confidence", "lift")
    return upsell.cross_sell(bought, stored.iterator(chunk_size=2000), limit=limit)
