"""Which case an inbound mail belongs to, and why.

The evidence is weighed strongest first: our signed token (in the Message-IDs it answers or
in the plus-address it was sent to), the Message-IDs it answers that we know, Outlook's
``Thread-Index`` conversation, and last a typed reference such as ``[CASO-123]`` in the
subject. The subject alone is the weakest evidence and the easiest to fake or to carry by
accident into an unrelated mail (FreeScout and Zammad joined such mail to the named case
and showed it to the wrong customer), so it counts only when the sender is that case's
customer; otherwise the mail opens a new case and the decision says why.
"""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import Protocol

from lealtad.service_engine.mail.classify import Classification, MailKind
from lealtad.service_engine.mail.parse import InboundMail
from lealtad.service_engine.mail.token import verified_case


class CaseLookup(Protocol):
    """What threading asks the service context (which reads its tables)."""

    def case_by_message_id(self, message_id: str) -> int | None: ...

    def case_by_conversation(self, conversation: str) -> int | None: ...

    def is_customer_of(self, case_id: int, sender: str) -> bool: ...


class Action(StrEnum):
    JOIN = "join"
    NEW_CASE = "new_case"
    DROP = "drop"


@dataclass(frozen=True)
class Decision:
    """``reason`` is a stable code the page puts in words; ``detail`` the evidence as it came
    (a header, a Message-ID, an address), data in no language, so the page never shows a
    sentence in another language than the agent's. A dropped mail still names the case it
    belongs to, if any, so a bounce can be shown there."""

    action: Action
    case_id: int | None
    reason: str
    detail: str
    # On a join: is the sender that case's customer? A signed token also comes back from a
    # colleague the customer forwarded our mail to; the service shows such mail as a third
    # party's, and never sends the case's thread to that address unasked.
    sender_is_customer: bool | None = None


def conversation_of(thread_index: str) -> str | None:
    """Outlook's conversation: bytes 6-22 of the base64 ``Thread-Index`` (a GUID) are the
    same in every mail of one conversation; later 5-byte blocks mark each reply."""
    try:
        data = base64.b64decode("".join(thread_index.split()), validate=True)
    except (binascii.Error, ValueError):
        return None
    if len(data) < 22 or (len(data) - 22) % 5:
        return None
    return data[6:22].hex()


def case_reference(subject: str, prefix: str = "CASO") -> int | None:
    match = re.search(rf"\[\s*{re.escape(prefix)}[-#\s]?(\d{{1,18}})\s*\]", subject, re.I)
    return int(match.group(1)) if match else None


def decide(
    mail: InboundMail,
    classification: Classification,
    lookup: CaseLookup,
    *,
    secret: bytes,
    prefix: str = "CASO",
) -> Decision:
    found = _thread(mail, lookup, secret, prefix)
    if found.action is Action.JOIN and found.case_id is not None:
        owner = bool(mail.sender) and lookup.is_customer_of(found.case_id, mail.sender)
        found = replace(found, sender_is_customer=owner)
    if classification.kind is not MailKind.PERSON:
        case_id = found.case_id if found.action is Action.JOIN else None
        if mail.report and mail.report.original_message_id and case_id is None:
            case_id = verified_case(mail.report.original_message_id, secret)
        return Decision(Action.DROP, case_id, str(classification.kind), classification.reason)
    return found


def _thread(mail: InboundMail, lookup: CaseLookup, secret: bytes, prefix: str) -> Decision:
    answered = [*mail.in_reply_to, *reversed(mail.references)]
    for source, texts in (("In-Reply-To/References", answered), ("To", mail.recipients)):
        for text in texts:
            case_id = verified_case(text, secret)
            if case_id is not None:
                return Decision(Action.JOIN, case_id, "signed_token", f"{source}: {text}")
    for message_id in answered:
        case_id = lookup.case_by_message_id(message_id)
        if case_id is not None:
            return Decision(Action.JOIN, case_id, "message_id", f"<{message_id.strip('<>')}>")
    conversation = conversation_of(mail.headers.get("thread-index", ""))
    if conversation:
        case_id = lookup.case_by_conversation(conversation)
        if case_id is not None:
            return Decision(Action.JOIN, case_id, "thread_index", f"Thread-Index: {conversation}")
    return _by_subject(mail, lookup, prefix)


def _by_subject(mail: InboundMail, lookup: CaseLookup, prefix: str) -> Decision:
    case_id = case_reference(mail.subject, prefix)
    if case_id is None:
        return Decision(Action.NEW_CASE, None, "no_thread", "")
    if mail.sender and lookup.is_customer_of(case_id, mail.sender):
        return Decision(
            Action.JOIN, case_id, "subject_reference", f"[{prefix}-{case_id}] {mail.sender}"
        )
    return Decision(
        Action.NEW_CASE,
        None,
        "subject_reference_refused",
        f"[{prefix}-{case_id}] {mail.sender}".strip(),
    )
