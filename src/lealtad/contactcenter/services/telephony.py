"""Lealtad's commands to the switches that carry its calls, sent after the change commits.

A contact that came from a switch (``Contact.source`` is the switch id) is moved on that
switch when the agent acts at the desktop: answer, hold, retrieve, transfer, conference,
release. The command goes out only once the contact's change has committed, never while the
database is locked (the switch may be slow, or call back into Lealtad with a CTI event). A
switch that refuses at once is logged and journalled; what happens later arrives as CTI
events. Switches register here by id: the built-in simulator for the demo and tests, a real
PBX's adapter (any object implementing ``contact_engine.telephony.adapter.TelephonyAdapter``)
in a deployment.
"""

from __future__ import annotations

import logging
from typing import Any

from django.db import transaction

from lealtad.contact_engine.telephony.adapter import TelephonyAdapter, TelephonyError

log = logging.getLogger(__name__)
_SWITCHES: dict[str, TelephonyAdapter] = {}


def register_switch(adapter: TelephonyAdapter) -> None:
    _SWITCHES[adapter.switch_id] = adapter


def unregister_switch(switch_id: str) -> None:
    _SWITCHES.pop(switch_id, None)


def switch(switch_id: str) -> TelephonyAdapter | None:
    return _SWITCHES.get(switch_id)


def _call_of(source: str, external_ref: str) -> tuple[TelephonyAdapter, str] | None:
    """The switch and its call id for a contact the CTI feed created: its ``source`` is
    ``cti:<switch id>`` and its ``external_ref`` ``<epoch>:<call ref>`` (``cti_handlers``). A
    call of an earlier life of the switch (it restarted since) is gone: nothing to command."""
    if not source.startswith("cti:") or ":" not in external_ref:
        return None
    adapter = _SWITCHES.get(source.removeprefix("cti:"))
    epoch, _sep, call_ref = external_ref.partition(":")
    if adapter is None or str(adapter.epoch) != epoch or not call_ref:
        return None
    return adapter, call_ref


def after_commit(source: str, external_ref: str, verb: str, *args: Any, **kwargs: Any) -> None:
    """Send ``verb`` to the contact's switch once the caller's transaction commits."""
    found = _call_of(source, external_ref)
    if found is None:
        return  # not a switch's call (an e-mail, a chat, a call entered by hand)
    adapter, call_ref = found

    def send() -> None:
        try:
            getattr(adapter, verb)(call_ref, *args, **kwargs)
        except TelephonyError as exc:
            log.warning("switch %s refused %s of %s: %s", source, verb, call_ref, exc)

    transaction.on_commit(send)
