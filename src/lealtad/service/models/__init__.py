from lealtad.service.models.cases import Attachment, Case, CaseEntry
from lealtad.service.models.desk import BusinessCalendar, GroupMember, SlaPolicy, SupportGroup

__all__ = [
    "Attachment",
    "BusinessCalendar",
    "Case",
    "CaseEntry",
    "GroupMember",
    "SlaPolicy",
    "SupportGroup",
]
