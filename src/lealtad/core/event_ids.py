"""The characters an event id may hold (plain Python, no Django).

An event id is the caller's idempotency key, and it travels on: into the ``webhook-id`` header
of outbound webhooks, file names, logs and URLs. So it holds ASCII letters, digits and a few
separators only - no spaces, quotes, CR/LF or other control characters that could split a
header or a log line.
"""

from __future__ import annotations

import re

EVENT_ID_CHARACTERS = "A-Za-z0-9._:/@|#+=~-"
EVENT_ID_PATTERN = f"^[{EVENT_ID_CHARACTERS}]+$"
_EVENT_ID = re.compile(EVENT_ID_PATTERN)


def is_safe_event_id(value: str) -> bool:
    return bool(_EVENT_ID.match(value))


def check_event_id(value: str) -> str:
    """``value`` if it is a safe event id; ``ValueError`` saying what is allowed otherwise."""
    if not is_safe_event_id(value):
        raise ValueError(
            "an event id holds ASCII letters, digits and - _ . : / @ | # + = ~ only "
            "(no spaces, quotes or control characters)"
        )
    return value
