"""The hub subscriber that re-scores a lead when something happens to it: captured, or an
activity (a call, a meeting, an e-mail) logged on it. Re-scoring is idempotent: a message
delivered twice scores the same lead twice with the same answer."""

from __future__ import annotations

from collections.abc import Sequence

from lealtad.core import hub
from lealtad.sales.services import scoring

RESCORED_ON = ("lead.captured", "activity.logged")


def lead_ids_of(messages: Sequence[hub.Message]) -> set[int]:
    """The leads the messages name (``lead_id`` or ``lead_ids`` in the payload)."""
    found: set[int] = set()
    for message in messages:
        payload = message.payload
        if isinstance(payload.get("lead_id"), int):
            found.add(payload["lead_id"])
        found.update(i for i in payload.get("lead_ids") or () if isinstance(i, int))
    return found


@hub.subscriber_many(*RESCORED_ON, name="sales.rescore_leads")
def rescore_leads(messages: Sequence[hub.Message]) -> None:
    ids = lead_ids_of(messages)
    if ids:
        scoring.score_open_leads(ids)
