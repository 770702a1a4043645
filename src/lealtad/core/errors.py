"""The one error type services raise when they refuse a request (docs/decisions/0011).

A service refuses for a handful of reasons — the input is wrong, the record's state forbids
it, the record is not there, the caller may not — and three kinds of callers must tell the
person why: the API (a status and a JSON body), the ``lealtad`` command (a red line and an
exit status) and the web pages (a form error or a message). Each caller used to catch every
service's own exception and choose a status itself, so the same refusal answered 400 here and
422 there. A :class:`DomainError` carries what all three need, so each caller maps it in one
place: ``lealtad.api`` (HTTP), ``core/cli_errors.py`` (CLI) and ``core/refusals.py`` (pages).

* ``code``: a stable machine name (``identifier_taken``) clients may branch on; it never
  changes with the wording or the language.
* ``message``: a sentence for a person, translated into the active language when it is read
  (a ``gettext_lazy`` template filled with named parameters).
* ``field``: the dotted path of the input at fault (``profile.consents.proof``), if one is.
* ``kind``: how callers treat it, one of :data:`KINDS`; :data:`HTTP_STATUS` is its status.

``str(error)`` is ``"field: message"`` (or the message alone), the wording the services'
refusals always had, so logs and existing callers read the same.
"""

from __future__ import annotations

from typing import Any, ClassVar, Literal

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

Kind = Literal[
    "invalid", "conflict", "not_found", "forbidden", "unauthenticated", "payment_declined"
]
KINDS: tuple[Kind, ...] = (
    "invalid",
    "conflict",
    "not_found",
    "forbidden",
    "unauthenticated",
    "payment_declined",
)

HTTP_STATUS: dict[Kind, int] = {
    "invalid": 422,  # a value fails a rule: the status ninja gives a body failing its schema
    "conflict": 409,  # the record's state forbids it (already decided, already erased…)
    "not_found": 404,
    "forbidden": 403,
    "unauthenticated": 401,  # a webhook's signature does not prove its sender
    "payment_declined": 402,  # the card's issuer or the gateway said no; nothing was written
}


class DomainError(ValueError):
    """A request a service refuses; nothing was written. Subclass it per context.

    A subclass sets ``code`` and ``kind`` (and may set a default ``template``); one raise may
    override either where the same refusal means another thing (a consent link that is not
    valid is ``not_found``). A ``ValueError`` still, so code that caught the services' old
    errors as ``ValueError`` keeps working.
    """

    code: str = "refused"
    kind: Kind = "invalid"
    template: ClassVar[str | Promise] = _("This request was refused.")

    def __init__(
        self,
        message: str | Promise | None = None,
        /,
        *,
        field: str = "",
        code: str | None = None,
        kind: Kind | None = None,
        **params: Any,
    ) -> None:
        self.text = self.template if message is None else message
        self.params = params
        self.field = field
        if code is not None:
            self.code = code  # one raise may name itself more precisely
        if kind is not None:
            if kind not in KINDS:
                raise TypeError(f"kind must be one of {KINDS}, not {kind!r}")
            self.kind = kind
        super().__init__(self.text)

    @property
    def message(self) -> str:
        """The sentence in the active language, its named parameters filled in."""
        text = str(self.text)
        return text % self.params if self.params else text

    @property
    def status(self) -> int:
        """The HTTP status of this refusal."""
        return HTTP_STATUS[self.kind]

    def under(self, prefix: str) -> DomainError:
        """The same refusal with its field placed under ``prefix`` (a nested part of a body)."""
        self.field = f"{prefix}.{self.field}" if self.field else prefix
        return self

    def __str__(self) -> str:
        return f"{self.field}: {self.message}" if self.field else self.message
