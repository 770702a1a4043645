"""``Cache-Control: no-store`` on everything dynamic: pages and API answers carry personal data.

A shared proxy or the browser's disk cache must never keep a customer's record, a search
result or an export. Static files are served before this middleware runs (WhiteNoise) and
keep their long cache lifetimes; the public API documentation and its schema stay cacheable.
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils.cache import add_never_cache_headers

CACHEABLE_PATHS = frozenset({"/api/docs", "/api/v1/docs", "/api/v1/openapi.json"})


class NoStoreMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if request.path not in CACHEABLE_PATHS:
            add_never_cache_headers(response)  # no-store, no-cache, must-revalidate, private
        return response
