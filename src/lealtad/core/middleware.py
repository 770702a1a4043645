"""Guards at the edge, before any view reads a request: body size, NUL characters, JSON depth.

* Body size: a request whose ``Content-Length`` exceeds its path's limit
  (:mod:`lealtad.core.body_limits`) is answered 413 before anything reads the body. Under the
  ASGI server the body is also capped while it streams in (``lealtad.asgi``), so a chunked
  upload with no length cannot fill memory or disk either.
* NUL characters: PostgreSQL text cannot hold U+0000 and no customer datum needs it, so a
  request carrying one (in the query string, a form, a JSON body, a multipart field or an
  uploaded file) is answered 400 naming where, the same on SQLite and PostgreSQL. A case
  reply's attachments are the exception: binary files kept as files, never as text
  (``body_limits.takes_binary_files``).
* JSON depth: a JSON body nested deeper than :data:`MAX_JSON_DEPTH` is answered 400. No event
  or record needs more than a handful of levels, and Python's parser fails with a
  ``RecursionError`` (a 500) long before the size limit is reached.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from itertools import accumulate

from django.core.files.uploadedfile import UploadedFile
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.http.multipartparser import MultiPartParserError

from lealtad.core import body_limits

MAX_JSON_DEPTH = 32
NEWLINE = b"\n"
_BODY_MARKERS = (b"\x00", b"\\u0000", b"%00")
# A JSON string literal, removed before counting brackets so "[[[" inside text is not depth.
# An unterminated one runs to the end, so every quote starts a match and the scan stays linear.
_JSON_STRING = re.compile(rb'"(?:[^"\\]|\\.)*+(?:"|\\?\Z)', re.DOTALL)
_NOT_BRACKETS = bytes(b for b in range(256) if b not in b"[]{}")
_STEP = {ord("["): 1, ord("{"): 1, ord("]"): -1, ord("}"): -1}


def json_depth(raw: bytes) -> int:
    """How deeply a JSON text nests arrays and objects, counted without parsing it."""
    brackets = _JSON_STRING.sub(b"", raw).translate(None, _NOT_BRACKETS)
    return max(accumulate(_STEP[b] for b in brackets), default=0)


def _is_json(request: HttpRequest) -> bool:
    kind = request.content_type or ""
    return kind == "application/json" or kind.endswith("+json")


def _refuse(status: int, detail: str) -> JsonResponse:
    return JsonResponse({"detail": detail}, status=status)


class BodyLimitMiddleware:
    """413 for a declared ``Content-Length`` over the path's limit, before the body is read."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        limit = body_limits.limit_for(request.path)
        try:
            declared = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            return _refuse(400, "Content-Length is not a number")
        if declared > limit:
            return body_limits.too_large(limit)
        return self.get_response(request)


def _multipart_nul(request: HttpRequest) -> str | None:
    """Where a multipart request carries a NUL: a field's name or value, or a file's content."""
    for name, values in request.POST.lists():
        if "\x00" in name or any("\x00" in v for v in values):
            return f"form field {name!r}"
    binary = body_limits.takes_binary_files(request.path)  # attachments, stored as files
    for name, uploads in request.FILES.lists():
        for upload in uploads:
            if "\x00" in (upload.name or ""):
                return f"the name of a file in {name!r}"
            if not binary and (where := _file_nul(upload)):
                return f"file {name!r} ({upload.name}), {where}"
    return None


def _file_nul(upload: UploadedFile) -> str | None:
    """The line of an uploaded file's first NUL byte; the file is left rewound either way."""
    line = 1
    try:
        for chunk in upload.chunks():
            at = chunk.find(b"\x00")
            if at >= 0:
                return f"line {line + chunk.count(NEWLINE, 0, at)}"
            line += chunk.count(NEWLINE)
        return None
    finally:
        upload.seek(0)


def _nul_in(request: HttpRequest) -> str | None:
    if "%00" in request.META.get("QUERY_STRING", "").lower():
        return "the query string"
    if request.content_type == "multipart/form-data":
        return _multipart_nul(request)
    body = request.body.lower()
    return "the body" if any(marker in body for marker in _BODY_MARKERS) else None


class RejectNulMiddleware:
    """400 for a NUL character anywhere in the request, naming the part that carries it."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            where = _nul_in(request)
        except MultiPartParserError as exc:
            return _refuse(400, f"the multipart body cannot be read: {exc}")
        if where:
            return _refuse(400, f"NUL characters are not accepted (in {where})")
        if _is_json(request) and json_depth(request.body) > MAX_JSON_DEPTH:
            return _refuse(400, f"the JSON body nests deeper than {MAX_JSON_DEPTH} levels")
        return self.get_response(request)
