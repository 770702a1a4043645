"""The payment-gateway adapter interface and the deterministic test gateway.

A real adapter (a card processor's API) implements :class:`PaymentGateway`; the setting
``LEALTAD_PAYMENT_GATEWAY`` (a dotted path, default the :class:`TestGateway`) chooses it.
Lealtad keeps only the gateway's tokens and references, never a card number.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from typing import Protocol

from django.conf import settings
from django.core import signing
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.module_loading import import_string

DEFAULT_GATEWAY = "lealtad.commerce.gateway.TestGateway"
HOSTED_SALT = "lealtad.commerce.test-gateway.hosted-card"


class PaymentDeclined(Exception):
    """The gateway refused: the order is not placed, nothing is written."""


@dataclass(frozen=True)
class CardToken:
    token: str
    brand: str
    last4: str


@dataclass(frozen=True)
class GatewayResult:
    reference: str
    amount: Decimal


class PaymentGateway(Protocol):
    name: str

    def tokenize(self, card_number: str) -> CardToken:
        """Exchange a card number for a reusable token (the number is not kept)."""

    def authorize(self, token: str, amount: Decimal, currency: str, key: str) -> GatewayResult:
        """Hold ``amount``; ``key`` makes a retried call return the same authorization."""

    def capture(
        self, reference: str, amount: Decimal, key: str = "", final: bool = False
    ) -> GatewayResult:
        """Take ``amount`` of the held money; an authorization may be captured in several
        parts (one per shipment). ``key`` makes a retried call return the same capture
        instead of taking the money twice; ``final`` says no other capture follows, so the
        gateway may release whatever is left of the hold."""

    def void(self, reference: str) -> None:
        """Release what is left of an authorization (all of it, or what no capture took)."""

    def refund(self, reference: str, amount: Decimal, key: str) -> GatewayResult:
        """Give back up to what the capture ``reference`` took, to the card it came from."""

    def hosted_form(self, return_url: str) -> str:
        """The gateway's own page where a new card is typed, so its number never reaches
        Lealtad; the page sends the browser back to ``return_url`` with ``hosted_card`` (a
        reference to the card it took) added to the query."""

    def hosted_card(self, reference: str) -> CardToken:
        """The card a hosted form took (its token and last digits); an unknown or forged
        reference raises :class:`PaymentDeclined`."""


class TestGateway:
    """Deterministic and offline: a card number ending in 0002 is declined, others pass.

    Tokens and references are hashes of their inputs, so the same call gives the same answer.
    """

    __test__ = False  # not a pytest test class, despite its name
    name = "test"
    DECLINED_SUFFIX = "0002"

    def tokenize(self, card_number: str) -> CardToken:
        digits = "".join(ch for ch in card_number if ch.isdigit())
        if not 12 <= len(digits) <= 19:
            raise PaymentDeclined("a card number has 12 to 19 digits")
        brand = {"4": "visa", "5": "mastercard", "3": "amex"}.get(digits[0], "card")
        token = "tok_" + hashlib.sha256(digits.encode()).hexdigest()[:24]
        if digits.endswith(self.DECLINED_SUFFIX):
            token += "_decline"
        return CardToken(token=token, brand=brand, last4=digits[-4:])

    def authorize(self, token: str, amount: Decimal, currency: str, key: str) -> GatewayResult:
        if token.endswith("_decline"):
            raise PaymentDeclined("card declined by the issuer (test card ending in 0002)")
        if amount < 0:
            raise PaymentDeclined("a negative amount cannot be charged")
        return GatewayResult(self._ref("auth", token, key), amount)

    def capture(
        self, reference: str, amount: Decimal, key: str = "", final: bool = False
    ) -> GatewayResult:
        if amount < 0:
            raise PaymentDeclined("a negative amount cannot be captured")
        return GatewayResult(self._ref("cap", reference, *([key] if key else [])), amount)

    def void(self, reference: str) -> None:
        return None

    def refund(self, reference: str, amount: Decimal, key: str) -> GatewayResult:
        return GatewayResult(self._ref("ref", reference, key), amount)

    def hosted_form(self, return_url: str) -> str:
        return f"{reverse('commerce:test_gateway_form')}?{urlencode({'return': return_url})}"

    def hosted_card(self, reference: str) -> CardToken:
        try:
            token, brand, last4 = signing.loads(reference, salt=HOSTED_SALT)
        except (signing.BadSignature, ValueError, TypeError) as exc:
            raise PaymentDeclined("the gateway has no card entry with this reference") from exc
        return CardToken(token=token, brand=brand, last4=last4)

    def hosted_reference(self, card: CardToken) -> str:
        """What the test gateway's page hands back: the card, signed (no state to keep)."""
        return signing.dumps([card.token, card.brand, card.last4], salt=HOSTED_SALT)

    @staticmethod
    def _ref(kind: str, *parts: str) -> str:
        return f"{kind}_" + hashlib.sha256("|".join(parts).encode()).hexdigest()[:20]


@lru_cache(maxsize=4)
def _load(path: str) -> PaymentGateway:
    gateway: PaymentGateway = import_string(path)()
    return gateway


def gateway() -> PaymentGateway:
    return _load(getattr(settings, "LEALTAD_PAYMENT_GATEWAY", DEFAULT_GATEWAY))
