"""Roles and the capabilities each one grants.

A role is a Django group of the same name; capabilities are checked by every API endpoint and
page. Keeping the map in code (not in the database) makes it reviewable and testable: a store
clerk finds and registers customers but reads no contact history, consents or audit trail.

Commerce has three capabilities of its own, so that who may take money, move goods and give
money back can be told apart: ``commerce.sell`` (place orders, check carts out, take returns
and exchanges at the counter within policy, hand over pickup orders, cancel an unshipped
order), ``commerce.fulfil`` (ship, deliver, move stock between locations) and
``commerce.refund`` (money back at someone's discretion: price adjustments). None of the nine
roles is a warehouse crew: the technician role, field staff that already carry parts, fulfils.
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum
from typing import Any


class Capability(StrEnum):
    LOOKUP = "customers.lookup"
    VIEW = "customers.view"
    VIEW_HISTORY = "customers.view_history"
    VIEW_CONSENTS = "customers.view_consents"
    VIEW_AUDIT = "customers.view_audit"
    CREATE = "customers.create"
    EDIT = "customers.edit"
    # Record a consent the customer gave or withdrew (with its proof). EDIT_CONSENTS is the
    # older name of the same capability.
    CAPTURE_CONSENT = "customers.capture_consent"
    EDIT_CONSENTS = "customers.capture_consent"
    MERGE = "customers.merge"
    IMPORT = "customers.import"
    EXPORT = "customers.export"
    INGEST = "events.ingest"
    HUB_ADMIN = "hub.admin"
    TOKENS = "tokens.manage"
    SELL = "commerce.sell"
    FULFIL = "commerce.fulfil"
    REFUND = "commerce.refund"
    PRIVACY = "privacy.manage"
    # Dashboards, the cube and each customer's value; and what shapes them (cost rates,
    # scorecard targets, acquisition costs, who sees which stores, a manual refresh).
    ANALYTICS_VIEW = "analytics.view"
    ANALYTICS_MANAGE = "analytics.manage"
    # The contact center: take contacts at the agent desktop; watch and shape the center
    # (wallboard, reports, queues, skills, staffing, dialer lists); drive it from a PBX or IVR.
    CONTACT_HANDLE = "contactcenter.handle"
    CONTACT_SUPERVISE = "contactcenter.supervise"
    TELEPHONY = "contactcenter.telephony"
    # The service desk: work cases (reply, resolve, use the knowledge base); supervise it
    # (backlog, breaches, reassignment, SLA policies, groups, knowledge-base editing).
    SERVICE_HANDLE = "service.handle"
    SERVICE_SUPERVISE = "service.supervise"
    # Marketing: see segments, campaigns, offers and their results; build and run them
    # (segments, campaigns, templates, offers, suppressions).
    MARKETING_VIEW = "marketing.view"
    MARKETING_MANAGE = "marketing.manage"
    # Loyalty: programs, tiers, earning rules, manual point adjustments. Earning and
    # redeeming at a till is part of selling (SELL).
    LOYALTY_MANAGE = "loyalty.manage"
    # Sales: work leads and opportunities (capture, qualify, convert, move, log activities);
    # manage the sales force (pipelines, teams, territories, lead imports, reassignment).
    SALES_WORK = "sales.work"
    SALES_MANAGE = "sales.manage"


class Role(StrEnum):
    ADMIN = "admin"
    MANAGER = "manager"
    SUPERVISOR = "supervisor"
    AGENT = "agent"
    SALES_REP = "sales_rep"
    SALES_MANAGER = "sales_manager"
    MARKETER = "marketer"
    TECHNICIAN = "technician"
    STORE_CLERK = "store_clerk"
    API_CLIENT = "api_client"
    # An add-on role: the business gives it to store clerks (or others) who collect signed
    # consent forms, as only the roles whose work is to talk with customers capture consents.
    CONSENT_CAPTURER = "consent_capturer"
    PRIVACY_OFFICER = "privacy_officer"


C = Capability
_READ = {C.LOOKUP, C.VIEW, C.VIEW_HISTORY, C.VIEW_CONSENTS}
_COMMERCE = {C.SELL, C.FULFIL, C.REFUND}
ROLE_CAPABILITIES: dict[Role, frozenset[Capability]] = {
    Role.ADMIN: frozenset(Capability),
    Role.MANAGER: frozenset(set(Capability) - {C.TOKENS, C.HUB_ADMIN, C.PRIVACY}),
    Role.SUPERVISOR: frozenset(
        _READ
        | _COMMERCE
        | {C.VIEW_AUDIT, C.CREATE, C.EDIT, C.EDIT_CONSENTS, C.MERGE, C.INGEST, C.ANALYTICS_VIEW}
        | {C.CONTACT_HANDLE, C.CONTACT_SUPERVISE, C.SERVICE_HANDLE, C.SERVICE_SUPERVISE}
        | {C.MARKETING_VIEW}
    ),
    Role.AGENT: frozenset(
        _READ
        | {C.CREATE, C.EDIT, C.EDIT_CONSENTS, C.VIEW_AUDIT, C.SELL, C.CONTACT_HANDLE}
        | {C.SERVICE_HANDLE}
    ),
    Role.SALES_REP: frozenset(_READ | {C.CREATE, C.EDIT, C.SELL, C.CONTACT_HANDLE, C.SALES_WORK}),
    Role.SALES_MANAGER: frozenset(
        _READ
        | {C.CREATE, C.EDIT, C.SELL, C.CONTACT_HANDLE, C.ANALYTICS_VIEW}
        | {C.SALES_WORK, C.SALES_MANAGE}
    ),
    Role.MARKETER: frozenset(
        {C.LOOKUP, C.VIEW, C.VIEW_CONSENTS, C.EXPORT, C.ANALYTICS_VIEW}
        | {C.MARKETING_VIEW, C.MARKETING_MANAGE, C.LOYALTY_MANAGE}
    ),
    Role.TECHNICIAN: frozenset({C.LOOKUP, C.VIEW, C.VIEW_HISTORY, C.FULFIL, C.SERVICE_HANDLE}),
    Role.STORE_CLERK: frozenset({C.LOOKUP, C.VIEW, C.CREATE, C.SELL}),
    Role.API_CLIENT: frozenset(
        _READ | _COMMERCE | {C.CREATE, C.EDIT, C.INGEST, C.TELEPHONY, C.SALES_WORK}
    ),
    Role.CONSENT_CAPTURER: frozenset({C.CAPTURE_CONSENT}),
    # Answers data-subject requests (access, erasure …) and runs retention: nobody else does.
    Role.PRIVACY_OFFICER: frozenset(_READ | {C.VIEW_AUDIT, C.PRIVACY}),
}

# What each API token scope may unlock; the token never exceeds its user's role.
SCOPE_CAPABILITIES: dict[str, frozenset[Capability]] = {
    "customers:read": frozenset(_READ),
    "customers:write": frozenset({C.CREATE, C.EDIT, C.EDIT_CONSENTS, C.MERGE}),
    "customers:export": frozenset({C.EXPORT, C.IMPORT}),
    "audit:read": frozenset({C.VIEW_AUDIT}),
    "events:write": frozenset({C.INGEST}),
    "hub:admin": frozenset({C.HUB_ADMIN}),
    "commerce:sell": frozenset({C.SELL}),
    "commerce:fulfil": frozenset({C.FULFIL}),
    "commerce:refund": frozenset({C.REFUND}),
    "privacy:manage": frozenset({C.PRIVACY}),
    "analytics:read": frozenset({C.ANALYTICS_VIEW}),
    "analytics:manage": frozenset({C.ANALYTICS_VIEW, C.ANALYTICS_MANAGE}),
    "contactcenter:handle": frozenset({C.CONTACT_HANDLE}),
    "contactcenter:supervise": frozenset({C.CONTACT_SUPERVISE}),
    "telephony:write": frozenset({C.TELEPHONY}),
    "service:handle": frozenset({C.SERVICE_HANDLE}),
    "service:supervise": frozenset({C.SERVICE_HANDLE, C.SERVICE_SUPERVISE}),
    "marketing:read": frozenset({C.MARKETING_VIEW}),
    "marketing:manage": frozenset({C.MARKETING_VIEW, C.MARKETING_MANAGE}),
    "loyalty:manage": frozenset({C.LOYALTY_MANAGE}),
    "sales:work": frozenset({C.SALES_WORK}),
    "sales:manage": frozenset({C.SALES_WORK, C.SALES_MANAGE}),
}
CHANNEL_SCOPE_PREFIX = "channel:"


def role_names(user: Any) -> set[str]:
    cached = getattr(user, "_lealtad_roles", None)
    if cached is None:
        cached = set(user.groups.values_list("name", flat=True)) if user.is_authenticated else set()
        user._lealtad_roles = cached
    return cached


def user_capabilities(user: Any) -> frozenset[Capability]:
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return frozenset()
    if user.is_superuser:
        return frozenset(Capability)
    granted: set[Capability] = set()
    for name in role_names(user):
        if name in Role.__members__.values():
            granted |= ROLE_CAPABILITIES[Role(name)]
    return frozenset(granted)


def scope_capabilities(scopes: Iterable[str]) -> frozenset[Capability]:
    granted: set[Capability] = set()
    for scope in scopes:
        granted |= SCOPE_CAPABILITIES.get(scope, frozenset())
    return frozenset(granted)


def channel_scopes(scopes: Iterable[str]) -> frozenset[str]:
    """Channels a token may speak for; empty means any channel."""
    return frozenset(
        s.removeprefix(CHANNEL_SCOPE_PREFIX) for s in scopes if s.startswith(CHANNEL_SCOPE_PREFIX)
    )


def valid_scope(scope: str) -> bool:
    return scope in SCOPE_CAPABILITIES or (
        scope.startswith(CHANNEL_SCOPE_PREFIX) and len(scope) > len(CHANNEL_SCOPE_PREFIX)
    )
