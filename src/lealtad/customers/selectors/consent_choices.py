"""What a customer's own preference center shows of them (marketing's signed-link page): a
greeting name, their language, whether the record is live, and their current consent choices
per channel and purpose. Read by a context that may not import customers' models."""

from __future__ import annotations

from dataclasses import dataclass, field

from lealtad.customers.models import Consent, Customer


@dataclass(frozen=True)
class ConsentChoices:
    customer_id: int
    first_name: str
    language: str  # 'es' or 'en'
    choices: dict[tuple[str, str], bool] = field(default_factory=dict)  # (channel, purpose)


def consent_choices(customer_id: int) -> ConsentChoices | None:
    """None for a customer that does not exist, was merged into another or erased."""
    found = (
        Customer.objects.filter(pk=customer_id, merged_into__isnull=True, erased_at__isnull=True)
        .values_list("given_names", "display_name", "language")
        .first()
    )
    if found is None:
        return None
    given, display, language = found
    code = (language or "").strip().lower()[:2]
    choices = {
        (channel, purpose): granted
        for channel, purpose, granted in Consent.objects.filter(
            customer_id=customer_id
        ).values_list("channel", "purpose", "granted")
    }
    return ConsentChoices(
        customer_id,
        (given or display or "").split(" ")[0],
        code if code in ("es", "en") else "es",
        choices,
    )
