from lealtad.service.models.cases import Attachment, Case, CaseEntry
from lealtad.service.models.desk import BusinessCalendar, GroupMember, SlaPolicy, SupportGroup
from lealtad.service.models.field import *  # noqa: F403  (RMA, field service: its __all__)
from lealtad.service.models.knowledge import *  # noqa: F403  (the knowledge base: its __all__)
from lealtad.service.models.mail import InboundMail, Mailbox, OutboundMail
from lealtad.service.models.portal import *  # noqa: F403  (portal links, community: its __all__)
from lealtad.service.models.surveys import *  # noqa: F403  (CSAT/NPS surveys: its __all__)

__all__ = [
    "Attachment",
    "BusinessCalendar",
    "Case",
    "CaseEntry",
    "GroupMember",
    "InboundMail",
    "Mailbox",
    "OutboundMail",
    "SlaPolicy",
    "SupportGroup",
]
from lealtad.service.models.costing import CaseCharge  # noqa: F401  (handling charges)
from lealtad.service.models.sla import CaseClock  # noqa: F401  (the SLA snapshot)
