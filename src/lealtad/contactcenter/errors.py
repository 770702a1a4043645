"""The contact center's refusals (docs/decisions/0011)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from lealtad.core.errors import DomainError


class CenterRefused(DomainError):
    code = "contact_center_refused"
    kind = "invalid"


class NotThere(DomainError):
    code = "not_found"
    kind = "not_found"
    template = _("There is no such record in the contact center.")


class WrongState(DomainError):
    """The contact or agent is not where the request assumes (already answered, logged out…)."""

    code = "wrong_state"
    kind = "conflict"
