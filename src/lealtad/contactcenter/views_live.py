"""The center's journal as a live topic (lealtad.core.live): what the desktop and the
wallboard follow.

Every change of a contact or an agent is a journal row committed in id order (services.journal),
so a stream is the journal after an id: a screen rendered at id N connects with ``?after=N`` and
misses nothing between the page and its stream. The event's data carries what a stream needs
to choose its events without a query (the agent and the contact); the screens re-read the rows
themselves through the selectors when they render.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.template.loader import render_to_string
from django.utils import translation

from lealtad.contactcenter import selectors
from lealtad.contactcenter.services import journal
from lealtad.core import live

TOPIC_NAME = journal.LIVE_TOPIC


def _since(after: int, limit: int) -> list[live.Event]:
    return [
        live.Event(
            row.pk,
            row.kind,
            {"agent": row.agent_id, "contact": row.contact_id, "queue": row.queue},
        )
        for row in selectors.journal_since(after, limit)
    ]


# The router commits offers in its own process: the feed's poll is the wake-up, so it is
# short (an indexed ``id >`` probe that finds nothing costs well under a millisecond).
CENTER = live.Topic(TOPIC_NAME, _since, selectors.last_journal_id, poll_interval=0.02)


def fragment_renderer(
    request: Any, build: Callable[[list[live.Event]], list[tuple[int, str, str, dict[str, Any]]]]
) -> live.Render:
    """A ``render`` for :func:`live.stream` that renders templates in the viewer's language.

    ``build`` turns a batch into ``(id, event name, template, context)``; the request is the
    stream's own (CSRF token, user), the language the one its page was shown in.
    """
    language = translation.get_language()

    def render(events: list[live.Event]) -> list[live.Event]:
        with translation.override(language):
            return [
                live.Event(event_id, name, render_to_string(template, context, request=request))
                for event_id, name, template, context in build(events)
            ]

    return render
