"""The channels that hand a list to someone else: the call list goes to the contact center's
dialer (which asks for phone consent again before every attempt), the direct-mail batch is
a CSV of postal addresses downloaded from the campaign
(``selectors.campaigns.direct_mail_rows``)."""

from __future__ import annotations

from django.conf import settings

from lealtad.contactcenter.services import dialer
from lealtad.core.audit import Actor
from lealtad.marketing.channels.base import Handover, Outgoing, Send


class CallListAdapter:
    """Adds the chunk's customers to the campaign's call list (``campaign-<id>``)."""

    def hand_over(self, send: Send, items: list[Outgoing]) -> Handover:
        name = f"campaign-{send.campaign_id}"
        queue = str(getattr(settings, "LEALTAD_CAMPAIGN_CALL_QUEUE", "") or "")
        dialer.campaign_list(name, send.campaign_name, queue, Actor.system("campaigns"))
        dialer.add_customers(name, [item.customer_id for item in items])
        result = Handover()
        for item in items:
            send.journal.handed(item.message_id, name)
            result.handed[item.message_id] = name
        return result


class DirectMailAdapter:
    """Nothing leaves here: the messages are the rows of the export file."""

    def hand_over(self, send: Send, items: list[Outgoing]) -> Handover:
        result = Handover()
        for item in items:
            send.journal.handed(item.message_id, "export")
            result.handed[item.message_id] = "export"
        return result
