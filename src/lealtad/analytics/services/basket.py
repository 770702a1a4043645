"""Mining the cross-sell rules: what customers buy together, from commerce's orders.

The nightly refresh calls :func:`mine_rules` with no arguments: the baskets are every order
not cancelled (``commerce.selectors.order_baskets``, streamed in chunks) and the settings the
``basket`` section of the refresh's rules (``services.rules``; the engine's
``basket.Settings`` defaults while it has none). The whole rule set is replaced in one transaction,
so a reader sees the old rules or the new ones, never half of each; the mining itself (pyfim,
a fraction of a second for 100,000 baskets) runs before the transaction opens.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from lealtad.analytics.models import AssociationRule
from lealtad.analytics.services import rules as rule_book
from lealtad.commerce import selectors as commerce_selectors
from lealtad.core.db import insert_new, new_row
from lealtad.core.errors import DomainError
from lealtad.customer_value import basket

DEFAULTS = basket.Settings()


class BasketRulesRefused(DomainError):
    code = "basket_rules_invalid"
    kind = "invalid"
    template = _("These basket rules cannot be mined.")


def settings_from(given: basket.Settings | Mapping[str, Any] | None) -> basket.Settings:
    """The engine's settings from a dataclass, a mapping of knobs (a stored JSON section)
    or None (the refresh's rules' ``basket`` section when it has one, else :data:`DEFAULTS`);
    a bad knob is refused naming it."""
    if given is None:
        stored = getattr(rule_book.current(), "basket", None)
        return stored if isinstance(stored, basket.Settings) else DEFAULTS
    if isinstance(given, basket.Settings):
        return given
    known = set(basket.Settings.__dataclass_fields__)
    for name in given:
        if name not in known:
            raise BasketRulesRefused(
                _("Unknown setting %(name)s."), field=f"settings.{name}", name=name
            )
    try:
        return basket.Settings(**{**DEFAULTS.__dict__, **dict(given)})
    except (TypeError, ValueError) as exc:
        knob = str(exc).split(":", 1)[0].strip()
        raise BasketRulesRefused(str(exc), field=f"settings.{knob}") from exc


def _codes(row: Any) -> Sequence[Any]:
    products = getattr(row, "products", None)  # an OrderBasket from commerce
    return row if products is None else products


def mine_rules(
    baskets: Iterable[Any] | None = None,
    settings: basket.Settings | Mapping[str, Any] | None = None,
    *,
    run_id: str | None = None,
) -> int:
    """Mine the rules and make them the stored set; the number of rules stored.

    ``baskets``: lists of product codes or commerce's ``OrderBasket`` rows (default: every
    order not cancelled). No baskets at all stores no rules (the old ones go: they described
    orders that are no longer there). Bad input writes nothing and is refused naming it."""
    chosen = settings_from(settings)
    rows = commerce_selectors.order_baskets() if baskets is None else baskets
    try:
        given = [_codes(row) for row in rows]
        mined = basket.mine(given, chosen) if given else None
    except ValueError as exc:
        raise BasketRulesRefused(str(exc), field=str(exc).split(":", 1)[0]) from exc
    found, total = (mined.rules, mined.baskets) if mined else ([], 0)
    now = timezone.now()
    run = run_id or uuid.uuid4().hex
    new = [
        new_row(
            AssociationRule,
            antecedent=[str(code) for code in rule.antecedent],
            consequent=[str(code) for code in rule.consequent],
            antecedent_key=_key(rule.antecedent),
            consequent_key=_key(rule.consequent),
            support=rule.support,
            confidence=rule.confidence,
            lift=rule.lift,
            count=rule.count,
            baskets=total,
            computed_at=now,
            run_id=run,
        )
        for rule in found
    ]
    with transaction.atomic():
        AssociationRule.objects.all().delete()
        insert_new(new)
    return len(new)


def _key(codes: Sequence[Any]) -> str:
    return "|" + "|".join(str(code) for code in codes) + "|"
