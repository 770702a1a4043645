"""SMS behind a gateway interface. ``LEALTAD_SMS_GATEWAY`` (a dotted path) names the class;
the default, :class:`SimulatedGateway`, accepts every message and keeps it in memory, the way
the payments' test gateway stands in for a real acquirer."""

from __future__ import annotations

import hashlib
import threading
from dataclasses import dataclass
from functools import lru_cache
from typing import Protocol

from django.conf import settings
from django.utils.module_loading import import_string

from lealtad.marketing.channels.base import Handover, Outgoing, Send

DEFAULT_GATEWAY = "lealtad.marketing.channels.sms.SimulatedGateway"


class GatewayRefused(Exception):
    """The gateway refused one message (a bad number, a blocked destination)."""


class SmsGateway(Protocol):
    def send(self, to: str, text: str, reference: str) -> str:
        """Send one SMS; answers the provider's id or raises :class:`GatewayRefused`."""
        ...


@dataclass(frozen=True)
class SentSms:
    to: str
    text: str
    reference: str
    provider_id: str


class SimulatedGateway:
    """Takes every message to a valid E.164 number and remembers it (``sent``)."""

    def __init__(self) -> None:
        self.sent: list[SentSms] = []
        self.lock = threading.Lock()

    def send(self, to: str, text: str, reference: str) -> str:
        if not to.startswith("+") or not to[1:].isdigit():
            raise GatewayRefused(f"not an E.164 number: {to}")
        provider_id = "sim-" + hashlib.sha256(reference.encode()).hexdigest()[:16]
        with self.lock:
            self.sent.append(SentSms(to, text, reference, provider_id))
        return provider_id


@lru_cache(maxsize=4)
def _load(path: str) -> SmsGateway:
    gateway: SmsGateway = import_string(path)()
    return gateway


def gateway() -> SmsGateway:
    return _load(getattr(settings, "LEALTAD_SMS_GATEWAY", DEFAULT_GATEWAY))


class SmsAdapter:
    def hand_over(self, send: Send, items: list[Outgoing]) -> Handover:
        result, sms = Handover(), gateway()
        for item in items:
            template = send.templates.get(item.language) or next(iter(send.templates.values()))
            text = template.text.render(item.values)
            try:
                provider_id = sms.send(
                    item.address, text, f"c{send.campaign_id}.m{item.message_id}"
                )
            except GatewayRefused as refused:
                send.journal.refused(item.message_id, str(refused))
                result.refused[item.message_id] = str(refused)[:300]
                continue
            send.journal.handed(item.message_id, provider_id)
            result.handed[item.message_id] = provider_id
        return result
