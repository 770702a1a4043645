"""Who sees what: field rules per role and record rules per scope, in one readable place.

Capabilities (:mod:`lealtad.core.roles`) say which *kinds* of data a role reaches (the contact
history, consents, the audit trail). These rules go one step further, so that each reader sees
only what its work needs:

* **field rules** say how one field shows to each role: in full, masked to its last digits,
  with no digits at all, or not at all. No rule ever shows a card number in full.
* **record rules** say which records a reader reaches: a token bound to a channel
  (``channel:<name>`` scope) reaches only the customers that channel has dealt with, and in
  their 360 only that channel's rows; staff assigned to a store (group ``store:<code>``) see
  that store's orders.

Selectors and presenters ask here instead of carrying checks of their own; the back-office
page ``/rules/`` and ``docs/security.md`` show these same tables to administrators.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import IntEnum
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from lealtad.core.roles import Capability, Role, role_names

STORE_GROUP_PREFIX = "store:"
MASK = "••••"


class Show(IntEnum):
    """How a field shows, from least to most revealing (a reader with several roles gets the
    most revealing of them, as capabilities add up)."""

    HIDDEN = 0
    NO_DIGITS = 1
    LAST4 = 2
    FULL = 3

    @property
    def label(self) -> Promise:
        return _SHOW_LABELS[self]


_SHOW_LABELS = {
    Show.HIDDEN: _("not shown"),
    Show.NO_DIGITS: _("masked, no digits"),
    Show.LAST4: _("masked, last 4 digits"),
    Show.FULL: _("shown"),
}


@dataclass(frozen=True)
class FieldRule:
    """How one field shows: ``default`` to every role not named in ``per_role``."""

    name: str
    label: Promise
    default: Show
    why: Promise
    per_role: Mapping[Role, Show] = field(default_factory=dict)
    never_full: bool = False

    def for_role(self, role: Role) -> Show:
        return self.per_role.get(role, self.default)


FIELD_RULES: tuple[FieldRule, ...] = (
    FieldRule(
        "card_number",
        _("Loyalty card number"),
        Show.LAST4,
        _("The last digits are enough to confirm a card the customer holds; marketing needs none."),
        {Role.MARKETER: Show.NO_DIGITS},
        never_full=True,
    ),
    FieldRule(
        "payment_card",
        _("Payment card on file"),
        Show.LAST4,
        _("Lealtad keeps only the gateway's token and the last four digits; marketing needs none."),
        {Role.MARKETER: Show.NO_DIGITS},
        never_full=True,
    ),
    FieldRule(
        "channel_summary",
        _("Channel summary (contacts per channel)"),
        Show.FULL,
        _("How a customer spreads across channels is for service and marketing, not the counter."),
        {Role.STORE_CLERK: Show.HIDDEN},
    ),
)
_BY_NAME = {rule.name: rule for rule in FIELD_RULES}


@dataclass(frozen=True)
class RecordRule:
    """Which records a kind of reader reaches, and what it may write."""

    scope: str
    who: Promise
    reads: Promise
    writes: Promise


RECORD_RULES: tuple[RecordRule, ...] = (
    RecordRule(
        "channel:<name>",
        _("An API token bound to one or more channels or partners"),
        _(
            "Only the customers the channel has dealt with: an audited change or a contact "
            "made through it. In their 360, only that channel's contacts, orders, channel "
            "summary and audit entries. Lookup, search and export leave the others out; "
            "another customer's id answers 404."
        ),
        _(
            "Edits, contact points, consents and contacts only on those customers; creates "
            "customers and sends events only for its own channels."
        ),
    ),
    RecordRule(
        "store:<code>",
        _("Staff in the group store:<code> (a clerk assigned to a store)"),
        _(
            "In a customer's 360 and order list, only the orders placed, picked up or "
            "returned at their stores. An order opened by its number (the receipt in hand) "
            "stays readable to those who sell, for returns and pickups."
        ),
        _("The handheld offers only their stores."),
    ),
    RecordRule(
        "(none)",
        _("Signed-in staff and tokens without a channel scope"),
        _("Every customer, within their role's capabilities and the field rules."),
        _("Within their role's capabilities."),
    ),
)


@dataclass(frozen=True)
class Reader:
    """What the rules need to know about whoever is reading."""

    capabilities: frozenset[Capability]
    roles: frozenset[Role] = frozenset()
    channels: frozenset[str] = frozenset()
    stores: frozenset[str] = frozenset()
    superuser: bool = False

    def can(self, capability: Capability) -> bool:
        return capability in self.capabilities

    @property
    def channel_bound(self) -> bool:
        return bool(self.channels)

    def shows(self, name: str) -> Show:
        """How field ``name`` (a :data:`FIELD_RULES` entry) shows to this reader."""
        rule = _BY_NAME[name]
        roles = set(self.roles) | ({Role.ADMIN} if self.superuser else set())
        found = max((rule.for_role(r) for r in roles), default=rule.default)
        return min(found, Show.LAST4) if rule.never_full else found


def reader_of(principal: Any) -> Reader:
    """The reader behind a :class:`lealtad.core.access.Principal` (user or token)."""
    user = principal.user
    names = role_names(user) if getattr(user, "is_authenticated", False) else set()
    return Reader(
        capabilities=frozenset(principal.capabilities),
        roles=frozenset(Role(n) for n in names if n in Role.__members__.values()),
        channels=frozenset(principal.channels),
        stores=store_codes(names),
        superuser=bool(getattr(user, "is_superuser", False)),
    )


def store_codes(group_names: Iterable[str]) -> frozenset[str]:
    """Stores a user works at: the groups named ``store:<code>``."""
    return frozenset(
        n.removeprefix(STORE_GROUP_PREFIX)
        for n in group_names
        if n.startswith(STORE_GROUP_PREFIX) and len(n) > len(STORE_GROUP_PREFIX)
    )


def mask(value: str, show: Show) -> str:
    """``value`` as ``show`` allows; a hidden one is empty.

    Examples:
        >>> mask("7001234567", Show.LAST4)
        '••••4567'
        >>> mask("7001234567", Show.NO_DIGITS)
        '••••'
    """
    if show is Show.FULL:
        return value
    if show is Show.LAST4:
        return MASK + value[-4:] if len(value) > 4 else MASK
    if show is Show.NO_DIGITS:
        return MASK
    return ""


_LOCATION_KEYS = ("origin_location", "pickup_location", "location")


def keeps_row(section: str, row: Mapping[str, Any], reader: Reader) -> bool:
    """Whether a 360 section row (orders, cases …, as JSON) reaches the reader.

    A channel-bound reader keeps only rows of its channels; store staff keep only orders of
    their stores (placed, picked up or returned there).
    """
    if reader.channel_bound and "channel" in row and row["channel"] not in reader.channels:
        return False
    if section == "orders" and reader.stores:
        places = {row.get(k) for k in _LOCATION_KEYS} | {
            r.get("location") for r in row.get("returns", ())
        }
        return bool(places & reader.stores)
    return True


def keep_rows(section: str, rows: list[dict[str, Any]], reader: Reader) -> list[dict[str, Any]]:
    return [row for row in rows if keeps_row(section, row, reader)]
