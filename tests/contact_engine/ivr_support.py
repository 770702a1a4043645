"""Shared pieces of the IVR tests: the example flows and a host that answers from a dict."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from lealtad.contact_engine.ivr import Flow

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "ivr"


CARD = "4111111111111111"  # passes Luhn
CEDULA = "1710034065"  # a valid Ecuadorian cédula

BANK_BOOK = {
    CARD: {"account_status": {"balance": "1.234,50 USD", "status": "Activo"}},
}
TELECOM_BOOK = {
    CEDULA: {
        "billing_summary": {"amount_due": "$ 32,40", "due_date": "15 de marzo"},
        "account_status": {"status": "Activo", "open_orders": 1, "last_order_status": "Enviado"},
    },
    "+593991234567": {
        "billing_summary": {"amount_due": "$ 18,00", "due_date": "2 de abril"},
        "account_status": {
            "status": "Inactive",
            "open_orders": 0,
            "last_order_status": "Delivered",
        },
    },
}


def example(name: str) -> Flow:
    return Flow.from_yaml((EXAMPLES / f"{name}.yaml").read_text(encoding="utf-8"))


class BookHost:
    """A host that answers from an in-memory book of accounts, as the context's host
    answers from customer records; ``down`` makes it fail like a system that is offline."""

    def __init__(self, book: Mapping[str, Mapping[str, Any]], down: bool = False) -> None:
        self.book = book
        self.down = down
        self.asked: list[tuple[str, dict[str, str]]] = []

    def answer(
        self, question: str, variables: Mapping[str, str], facts: Mapping[str, Any]
    ) -> Mapping[str, Any] | None:
        self.asked.append((question, dict(variables)))
        if self.down:
            raise ConnectionError("billing system offline")
        for key in ("account_number", "cedula", "caller_id"):
            found = self.book.get(str(variables.get(key, "")))
            if found is not None:
                return found.get(question)
        return None
