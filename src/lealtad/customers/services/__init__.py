"""Use cases of the customers context: the only code that writes its tables.

Every write leaves, in the same transaction, an audit entry (who, what, before → after) and an
outbox row announcing it, so the hub never tells of a change that rolled back nor misses one
that committed. One module per kind of use case: ``batch`` (canonical events), ``records``
(one record at a time), ``consents``, ``merges``; ``common`` holds what they share. The names
callers use are re-exported here, so ``services.add_phone`` reads the same as before.
"""

from lealtad.customers.services.batch import apply_events
from lealtad.customers.services.common import (
    EDITABLE_FIELDS,
    ChangeContext,
    _naming,
    _snapshot,
)
from lealtad.customers.services.consents import (
    ConsentNeedsEmail,
    ConsentRefused,
    confirm_consent,
    confirmation_path,
    confirmation_token,
    pending_confirmation,
    record_consent,
)
from lealtad.customers.services.merges import (
    MergeRefused,
    decide_review,
    merge_customers,
    unmerge,
)
from lealtad.customers.services.records import (
    AddressPeriodReversed,
    IdentifierTaken,
    add_address,
    add_email,
    add_phone,
    create_customer,
    customer_for,
    end_address,
    join_household,
    record_interaction,
    update_profile,
)

__all__ = [
    "EDITABLE_FIELDS",
    "AddressPeriodReversed",
    "ChangeContext",
    "ConsentNeedsEmail",
    "ConsentRefused",
    "IdentifierTaken",
    "MergeRefused",
    "_naming",
    "_snapshot",
    "add_address",
    "add_email",
    "add_phone",
    "apply_events",
    "confirm_consent",
    "confirmation_path",
    "confirmation_token",
    "create_customer",
    "customer_for",
    "decide_review",
    "end_address",
    "join_household",
    "merge_customers",
    "pending_confirmation",
    "record_consent",
    "record_interaction",
    "unmerge",
    "update_profile",
]
