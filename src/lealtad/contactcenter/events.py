"""Hub wiring of the contact center: ended contacts go on the customer's timeline."""

from __future__ import annotations

from lealtad.contactcenter.services import timeline
from lealtad.core import hub


@hub.subscriber("contact.ended", name="contactcenter.timeline")
def contact_on_timeline(message: hub.Message) -> None:
    """Offered, answered, abandoned, wrap-up, outcome and recording on the timeline."""
    if message.customer_id is not None:
        timeline.record_ended(message.customer_id, message.payload, message.event_id)
