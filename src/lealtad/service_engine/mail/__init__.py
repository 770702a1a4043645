"""Inbound mail: parse it, tell people from machines, find its case; outgoing mail that
threads back (docs/service-mail.md)."""

from lealtad.service_engine.mail.classify import (
    LOOP_HEADER,
    Classification,
    LoopGuard,
    MailKind,
    classify,
)
from lealtad.service_engine.mail.errors import MailRefused
from lealtad.service_engine.mail.html_text import html_to_text
from lealtad.service_engine.mail.outgoing import Mailbox, build_reply
from lealtad.service_engine.mail.parse import (
    Attachment,
    DeliveryReport,
    InboundMail,
    MailLimits,
    parse_message,
)
from lealtad.service_engine.mail.thread import (
    Action,
    CaseLookup,
    Decision,
    case_reference,
    conversation_of,
    decide,
)
from lealtad.service_engine.mail.token import case_token, reply_address, verified_case

__all__ = [
    "LOOP_HEADER",
    "Action",
    "Attachment",
    "CaseLookup",
    "Classification",
    "Decision",
    "DeliveryReport",
    "InboundMail",
    "LoopGuard",
    "MailKind",
    "MailLimits",
    "MailRefused",
    "Mailbox",
    "build_reply",
    "case_reference",
    "case_token",
    "classify",
    "conversation_of",
    "decide",
    "html_to_text",
    "parse_message",
    "reply_address",
    "verified_case",
]
