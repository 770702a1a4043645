"""Entering what the channel economics cannot read from the data (ANALYTICS_MANAGE): the
acquisition costs per campaign, channel and segment, and maturity assessments.

Every input is checked before anything is written; a refusal names the field at fault
(``period_end``, ``amount``, ``answers.unified_view``) and leaves the tables as they were.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from lealtad.analytics.models import AcquisitionCost, MaturityAssessment
from lealtad.channels import services as channel_services
from lealtad.core.errors import DomainError
from lealtad.olap import maturity

MAX_AMOUNT = Decimal("1e13")
_CURRENCY = re.compile(r"^[A-Z]{3}$")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


class EconomicsError(DomainError):
    code = "economics_input_invalid"


def _date(value: Any, field: str) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value).strip())
    except ValueError:
        raise EconomicsError(_("Give a date as YYYY-MM-DD."), field=field) from None


def _text(value: Any, field: str, longest: int) -> str:
    text = "" if value is None else str(value).strip()
    if _CONTROL.search(text):
        raise EconomicsError(_("Control characters are not allowed."), field=field)
    if len(text) > longest:
        raise EconomicsError(_("At most %(longest)s characters."), field=field, longest=longest)
    return text


def _amount(value: Any) -> Decimal:
    try:
        amount = Decimal(str(value).strip().replace(",", "."))
    except (InvalidOperation, ValueError):
        raise EconomicsError(_("The amount must be a number."), field="amount") from None
    if not amount.is_finite() or abs(amount) >= MAX_AMOUNT:
        raise EconomicsError(_("The amount must be a number."), field="amount")
    if amount < 0:
        raise EconomicsError(_("An acquisition cost cannot be negative."), field="amount")
    if amount != amount.quantize(Decimal("0.01")):
        raise EconomicsError(_("At most two decimals."), field="amount")
    return amount


def checked_cost(data: Mapping[str, Any]) -> dict[str, Any]:
    """The cost's fields, cleaned, or the refusal naming the first field at fault."""
    start = _date(data.get("period_start"), "period_start")
    end = _date(data.get("period_end"), "period_end")
    if end < start:
        # A rule between two fields (JSON Schema cannot state it): a conflict, as elsewhere.
        raise EconomicsError(
            _("The period cannot end before it starts."), field="period_end", kind="conflict"
        )
    channel = _text(data.get("channel"), "channel", 60)
    if channel not in channel_services.known_channels():
        raise EconomicsError(_("Unknown channel."), field="channel", kind="not_found")
    currency = _text(data.get("currency"), "currency", 3).upper()
    if not _CURRENCY.match(currency):
        raise EconomicsError(
            _("Give the currency as its three-letter code (USD)."), field="currency"
        )
    return {
        "period_start": start,
        "period_end": end,
        "channel": channel,
        "segment": _text(data.get("segment"), "segment", 60),
        "campaign": _text(data.get("campaign"), "campaign", 120),
        "amount": _amount(data.get("amount")),
        "currency": currency,
    }


def record_acquisition_cost(data: Mapping[str, Any], *, user: Any = None) -> AcquisitionCost:
    """Keep what a campaign (or a channel's spend in a period) cost to win customers."""
    fields = checked_cost(data)
    return AcquisitionCost.objects.create(
        **fields, entered_by=user if getattr(user, "pk", None) else None
    )


def withdraw_acquisition_cost(cost_id: int, *, user: Any = None) -> AcquisitionCost:
    """Take a cost out of the figures (entered wrong); the row stays for the record."""
    with transaction.atomic():
        cost = AcquisitionCost.objects.select_for_update().filter(pk=cost_id).first()
        if cost is None:
            raise EconomicsError(_("No such acquisition cost."), field="id", kind="not_found")
        if cost.withdrawn_at is not None:
            raise EconomicsError(
                _("This acquisition cost was already withdrawn."), field="id", kind="conflict"
            )
        cost.withdrawn_at = timezone.now()
        cost.save(update_fields=["withdrawn_at"])
    return cost


def checked_answers(answers: Any) -> maturity.Reading:
    if not isinstance(answers, Mapping):
        raise EconomicsError(_("Answer every question with 0 to 4."), field="answers")
    for question in maturity.QUESTIONS:
        if question not in answers:
            raise EconomicsError(
                _("Answer every question with 0 to 4."), field=f"answers.{question}"
            )
    try:
        return maturity.score_answers(dict(answers))
    except KeyError as exc:
        raise EconomicsError(_("Unknown question."), field=f"answers.{exc.args[0]}") from None
    except ValueError as exc:
        raise EconomicsError(
            _("An answer is a whole number from 0 to 4."), field=f"answers.{exc.args[0]}"
        ) from None


def record_maturity_assessment(
    answers: Any, note: Any = "", *, user: Any = None
) -> MaturityAssessment:
    """Keep a manager's answers to the maturity questionnaire with its score and stage."""
    reading = checked_answers(answers)
    return MaturityAssessment.objects.create(
        answers={q: int(answers[q]) for q in maturity.QUESTIONS},
        score=round(reading.score, 4),
        stage=reading.stage,
        fractions={str(s): round(f, 4) for s, f in reading.fractions.items()},
        note=_text(note, "note", 2000),
        assessed_by=user if getattr(user, "pk", None) else None,
    )
