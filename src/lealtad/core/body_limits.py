"""How large a request body each path accepts, decided from the path alone.

The limit is known before routing and before a byte of the body is read, so the middleware
(``Content-Length``) and the ASGI server (bytes as they stream in) can both refuse early:

* most endpoints take a form or one JSON object: ``LEALTAD_MAX_BODY_BYTES`` (1 MiB);
* an events batch (up to 1,000 events) and a connector's webhook batch:
  ``LEALTAD_MAX_BATCH_BODY_BYTES`` (8 MiB; docs/security.md gives the measured size of a
  batch);
* the customer CSV upload: ``LEALTAD_MAX_UPLOAD_BYTES`` (32 MiB; larger files go through
  ``lealtad customers import``, which reads the file where it lies);
* a case reply with its files (the agent's page and the API): ``LEALTAD_MAX_UPLOAD_BYTES``
  too; each file is then held to its mailbox's attachment limit by the service desk. Those
  files are binary (a PDF, a photo) and are stored as files, never as text: the NUL guard
  (:mod:`lealtad.core.middleware`) reads their form fields but not their content.
"""

from __future__ import annotations

import re

from django.conf import settings
from django.http import JsonResponse

_BATCH_PATHS = re.compile(r"^/api/v1/(events|connectors/[^/]+/webhook)/?$")
_UPLOAD_PATHS = re.compile(r"^/api/v1/customers/import/?$")
_ATTACHMENT_PATHS = re.compile(r"^(/api/v1)?/service/cases/\d+/reply/?$")


def limit_for(path: str) -> int:
    """The most bytes a request to ``path`` may carry."""
    if _BATCH_PATHS.match(path):
        return int(settings.LEALTAD_MAX_BATCH_BODY_BYTES)
    if _UPLOAD_PATHS.match(path) or _ATTACHMENT_PATHS.match(path):
        return int(settings.LEALTAD_MAX_UPLOAD_BYTES)
    return int(settings.LEALTAD_MAX_BODY_BYTES)


def takes_binary_files(path: str) -> bool:
    """Whether files uploaded to ``path`` are kept as binary files (attachments)."""
    return bool(_ATTACHMENT_PATHS.match(path))


def too_large(limit: int) -> JsonResponse:
    """The 413 answer, in the API's error body."""
    return JsonResponse(
        {"detail": f"the request body is larger than {limit} bytes, the most this path accepts"},
        status=413,
    )
