"""IVR flows: a caller's keys in, the next prompt or the call's fate out. Plain Python.

A flow is declared in YAML (one file per flow, see ``docs/contactcenter-ivr.md``) and
checked whole by :meth:`Flow.from_yaml`; a :class:`Session` walks one call through it::

    flow = Flow.from_yaml(text)
    session, step = Session.start(flow, {"caller_id": "+593991234567", "known_customer": True})
    step = session.input("1")        # or session.timeout()
    stored = session.to_dict()       # kept by the host between the PBX's requests
    session = Session.from_dict(flow, stored, host)

Each :class:`Step` carries prompts (text and an id for recorded audio) and either the input
to collect next (:class:`Expect`) or a terminal action (:class:`RouteToQueue`,
:class:`Voicemail`, :class:`Hangup`). Self-service questions go to a :class:`Host`.
"""

from lealtad.contact_engine.ivr.checks import CHECKS, cedula_ec, luhn, mod11
from lealtad.contact_engine.ivr.errors import FlowError, Problem, SessionError
from lealtad.contact_engine.ivr.flow import Flow
from lealtad.contact_engine.ivr.session import Host, Session
from lealtad.contact_engine.ivr.steps import (
    Action,
    Expect,
    Hangup,
    Prompt,
    RouteToQueue,
    Step,
    Voicemail,
    step_from_dict,
)

__all__ = [
    "CHECKS",
    "Action",
    "Expect",
    "Flow",
    "FlowError",
    "Hangup",
    "Host",
    "Problem",
    "Prompt",
    "RouteToQueue",
    "Session",
    "SessionError",
    "Step",
    "Voicemail",
    "cedula_ec",
    "luhn",
    "mod11",
    "step_from_dict",
]
