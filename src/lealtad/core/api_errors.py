"""One error body for the whole API, and the statuses every operation declares.

A client generated from the OpenAPI document must be able to trust it: every status an
operation can answer is declared there, with its body. All of Lealtad's errors share one body,
:class:`ErrorOut` (``{"detail": "…"}``, or for a request that fails its schema
``{"detail": [{"loc": […], "msg": "…", "type": "…"}]}``).

Two layers keep routers from repeating themselves:

* :func:`declare_common_errors` runs over the generated document (``lealtad.api``) and gives
  every operation the statuses that come from the edge rather than from its handler: 400 (NUL
  characters, JSON nested too deep), 413 (body too large), 401/403 when it needs credentials,
  422 when it takes parameters or a body (ninja's schema validation), 404 when its path or
  body names a record.
* A router declares the statuses its own handler chooses with :func:`errors`::

      @router.post("/customers", response={201: dict, **errors(409)})

  A service's :class:`~lealtad.core.errors.DomainError` raised through the handler is then
  answered with the declared body by the one handler in ``lealtad.api``
  (``{"detail", "code", "message", "field"}``, the status its ``kind`` says); ``HttpError(409, …)``
  serves the edge's own refusals.
"""

from __future__ import annotations

from typing import Any

from ninja import Schema
from pydantic import ConfigDict

ERROR_COMPONENT = "ErrorOut"
_REF = f"#/components/schemas/{ERROR_COMPONENT}"

DESCRIPTIONS = {
    400: "Bad request: unreadable body, NUL characters, JSON nested too deeply, or a value "
    "the operation refuses",
    401: "No valid credentials (bearer token or session), or a bad webhook signature",
    402: "The payment was declined (by the card's issuer or the gateway); nothing was written",
    403: "The caller's role or token scope does not allow this",
    404: "No such record",
    409: "Conflicts with the current state (already exists, already decided, not enough "
    "stock, more than is left…), or breaks a rule between fields that JSON Schema cannot "
    "state (a transfer between two different locations)",
    413: "The request body is larger than this endpoint accepts, or the batch too long",
    422: "The request does not match the operation's schema, or a value fails a rule",
    429: "Too many attempts; try again later",
}


class ValidationIssue(Schema):
    """One field that failed validation: where (``loc``), why (``msg``) and a machine code."""

    model_config = ConfigDict(extra="allow")

    loc: list[str | int]
    msg: str
    type: str


class ErrorOut(Schema):
    """Every error the API answers: a sentence, or the list of fields that failed.

    A refusal of a service (:class:`lealtad.core.errors.DomainError`) adds its stable
    ``code``, its ``message`` (the sentence alone, in the request's language) and, when one
    input is at fault, its dotted ``field``; ``detail`` is then ``"field: message"`` in
    English, whatever the language asked.
    """

    detail: str | list[ValidationIssue]
    code: str | None = None
    message: str | None = None
    field: str | None = None


def errors(*statuses: int) -> dict[int, Any]:
    """Response declarations for the error statuses an operation's own handler chooses."""
    unknown = set(statuses) - DESCRIPTIONS.keys()
    if unknown:
        raise ValueError(f"no description for status {sorted(unknown)}")
    return {status: ErrorOut for status in statuses}


def _error_response(status: int) -> dict[str, Any]:
    return {
        "description": DESCRIPTIONS[status],
        "content": {"application/json": {"schema": {"$ref": _REF}}},
    }


def common_statuses(path: str, operation: dict[str, Any]) -> set[int]:
    """What any operation of this shape may answer, whatever its handler does."""
    statuses = {400, 413}
    if operation.get("security"):
        statuses |= {401, 403}
    if operation.get("parameters") or operation.get("requestBody"):
        statuses.add(422)
    if "{" in path or operation.get("requestBody"):
        statuses.add(404)  # the path or the body names a record (customer_id, sku…)
    return statuses


def declare_common_errors(schema: dict[str, Any]) -> dict[str, Any]:
    """Add the edge's error statuses to every operation of a generated OpenAPI document."""
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    error_schema = ErrorOut.model_json_schema(ref_template="#/components/schemas/{model}")
    components.update(error_schema.pop("$defs", {}))
    components[ERROR_COMPONENT] = error_schema
    for path, item in schema.get("paths", {}).items():
        for operation in item.values():
            # ninja keys a handler's own statuses by int; JSON turns every key into a string,
            # so 404 and "404" side by side would be one key written twice (a parser refuses
            # the document: Swagger UI showed nothing). One string key per status.
            responses = {str(k): v for k, v in operation.get("responses", {}).items()}
            for status in sorted(common_statuses(path, operation)):
                responses.setdefault(str(status), _error_response(status))
            operation["responses"] = responses
    return schema
