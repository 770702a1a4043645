"""From Lealtad to the switch: what an agent does at the desktop becomes a switch command.

An agent answers, holds, transfers or hangs up in Lealtad (the desktop, the API); the switch
must do the same to the real call. :class:`SwitchMirror` follows the center's journal and
sends each such step to the switch the call is on. Steps that came from the switch in the
first place (a CTI event applied) are sent back too and the switch refuses them as already
done (``TelephonyError``), which is harmless: sending is idempotent by the switch's state,
so the mirror needs no memory beyond the journal position it has reached.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from lealtad.contact_engine.telephony import TelephonyAdapter, TelephonyError
from lealtad.contactcenter import selectors
from lealtad.contactcenter.models import Agent, CenterEvent, CtiCall
from lealtad.contactcenter.services import cti

log = logging.getLogger(__name__)


class SwitchMirror:
    """Sends Lealtad's call steps to one switch; call :meth:`step` as often as you like."""

    def __init__(self, adapter: TelephonyAdapter, last_id: int | None = None) -> None:
        self.adapter = adapter
        self.last_id = selectors.last_journal_id() if last_id is None else last_id
        self.sent = 0
        self.refused = 0

    def step(self, limit: int = 500) -> int:
        """Forward the journal's new steps; returns how many commands the switch took."""
        taken = 0
        for row in selectors.journal_since(self.last_id, limit):
            self.last_id = row.id
            command = self._command(row)
            if command is None:
                continue
            try:
                command()
            except TelephonyError as exc:  # already so on the switch, or the call is gone
                self.refused += 1
                log.debug("switch %s refused %s: %s", self.adapter.switch_id, row.kind, exc)
                continue
            taken += 1
        self.sent += taken
        return taken

    def _command(self, row: CenterEvent) -> Callable[[], None] | None:
        if row.contact_id is None or row.kind not in _STEPS:
            return None
        call = cti.call_for_contact(row.contact_id)
        if call is None or not self._ours(call):
            return None
        extension = _extension(row.agent_id)
        if not extension:
            return None
        a, ref = self.adapter, call.call_ref
        if row.kind == "contact.answered":
            return lambda: a.answer(ref, extension)
        if row.kind == "contact.held":
            return lambda: a.hold(ref, extension)
        if row.kind == "contact.retrieved":
            return lambda: a.retrieve(ref, extension)
        if row.kind == "contact.released":
            return lambda: a.release(ref, extension)
        to_queue = str(row.data.get("to_queue", ""))
        if not to_queue:
            return None
        return lambda: a.transfer(ref, extension, to_queue=to_queue)

    def _ours(self, call: CtiCall) -> bool:
        return call.switch_id == self.adapter.switch_id and call.epoch == self.adapter.epoch


_STEPS = {
    "contact.answered",
    "contact.held",
    "contact.retrieved",
    "contact.released",
    "contact.transferred",
}


def _extension(agent_id: int | None) -> str:
    if agent_id is None:
        return ""
    found = Agent.objects.filter(pk=agent_id).values_list("extension", flat=True).first()
    return found or ""
