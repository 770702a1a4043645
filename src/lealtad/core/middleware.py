"""Refuse NUL characters at the edge.

PostgreSQL text cannot hold U+0000 and no customer datum needs it, so a request carrying one
(in the query string, a form or a JSON body) is answered 400 before any view runs, the same
on SQLite and PostgreSQL. Multipart uploads are left to their importers, which report such
bytes by line.
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, JsonResponse

_BODY_MARKERS = (b"\x00", b"\\u0000", b"%00")


def _has_nul(request: HttpRequest) -> bool:
    if "%00" in request.META.get("QUERY_STRING", "").lower():
        return True
    if request.content_type == "multipart/form-data":
        return False
    body = request.body.lower()
    return any(marker in body for marker in _BODY_MARKERS)


class RejectNulMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if _has_nul(request):
            return JsonResponse({"detail": "NUL characters are not accepted"}, status=400)
        return self.get_response(request)
