"""Setting a user's cube scope (row-level security), audited: who may see which stores,
channels and regions. Written by an administrator; read by :mod:`..selectors.scope`."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from lealtad.analytics.models import DataScope
from lealtad.core import audit
from lealtad.core.audit import Actor
from lealtad.core.db import insert_new
from lealtad.core.errors import DomainError

MAX_VALUES = 500
MAX_LENGTH = 100


class ScopeRefused(DomainError):
    code = "data_scope_invalid"
    template = _("This data scope cannot be set.")


def _clean(values: Sequence[Any], field: str) -> list[str]:
    if len(values) > MAX_VALUES:
        raise ScopeRefused(_("At most %(n)s values."), field=field, n=MAX_VALUES)
    out: list[str] = []
    for index, value in enumerate(values):
        text = str(value).strip() if isinstance(value, str) else None
        if not text or len(text) > MAX_LENGTH or any(ord(c) < 32 for c in text):
            raise ScopeRefused(
                _("Each value is a code of 1 to %(n)s characters."),
                field=f"{field}.{index}",
                n=MAX_LENGTH,
            )
        if text not in out:
            out.append(text)
    return sorted(out)


def user_named(username: str) -> Any:
    user = get_user_model().objects.filter(username=username).first()
    if user is None:
        raise ScopeRefused(
            _("No user %(username)s."), field="username", kind="not_found", username=username
        )
    return user


def set_scope(
    username: str,
    *,
    stores: Sequence[Any] = (),
    channels: Sequence[Any] = (),
    regions: Sequence[Any] = (),
    partner: bool = False,
    actor: Actor,
) -> DataScope:
    """Replace the user's scope. Empty lists mean every value; ``partner`` keeps the user to
    the channels listed."""
    user = user_named(username)
    wanted = {
        "stores": _clean(stores, "stores"),
        "channels": _clean(channels, "channels"),
        "regions": _clean(regions, "regions"),
        "partner": bool(partner),
    }
    with transaction.atomic():
        row, _created = DataScope.objects.select_for_update().get_or_create(user=user)
        before = {k: getattr(row, k) for k in wanted}
        for key, value in wanted.items():
            setattr(row, key, value)
        row.updated_by = actor.label[:150]
        row.save()
        changes = audit.diff(before, wanted)
        if changes:
            insert_new([audit.build(actor, "set_data_scope", "data_scope", user.pk, changes)])
    return row
