"""ASGI entry point served by uvicorn (``lealtad serve``).

Django's own ``ASGIHandler`` runs every request in a new thread of its own (asgiref's
``ThreadSensitiveContext``) and hops between the event loop and that thread for each
middleware, the request signals, the view and the response close: about twenty thread
hand-offs per request. On a small, busy machine that cost 5-6 ms per request, against
1.5-3.5 ms for the whole request run synchronously. A new thread per request also means a new
database connection per request, so persistent connections (``CONN_MAX_AGE``) cannot help.

:class:`PooledASGIHandler` keeps Django's request and response objects (``ASGIRequest``, the
body read and the response sent on the event loop) but runs the synchronous part of each
request - signals, the middleware chain and the view, as a WSGI server would - in one call on a
fixed pool of threads. Each pool thread keeps its database connection between requests.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import os
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import django
from asgiref.sync import sync_to_async
from django.conf import settings
from django.core import signals
from django.core.exceptions import RequestAborted
from django.core.handlers.asgi import ASGIHandler, get_script_prefix
from django.http import FileResponse
from django.urls import get_resolver, set_script_prefix

from lealtad.core import body_limits

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lealtad.settings")
django.setup(set_prefix=False)


class BodyTooLarge(Exception):
    """The body streamed in past its path's limit (a chunked upload declares no length)."""


def _declared_length(scope: dict[str, Any]) -> int:
    for name, value in scope.get("headers", ()):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return 0  # Django's request answers a malformed length itself
    return 0


def _capped(receive: Any, limit: int) -> Any:
    """``receive`` that fails once more than ``limit`` body bytes have arrived, so a body
    without ``Content-Length`` is cut off before it is read whole (lealtad.core.body_limits)."""
    seen = 0

    async def capped() -> Any:
        nonlocal seen
        message = await receive()
        seen += len(message.get("body", b""))
        if seen > limit:
            raise BodyTooLarge
        return message

    return capped


class PooledASGIHandler(ASGIHandler):
    """Django over ASGI, with each request's synchronous work in one hop to a thread pool."""

    def __init__(self, threads: int | None = None) -> None:
        super().__init__()
        # The synchronous middleware chain, as under WSGI (the async one is not used).
        self.load_middleware(is_async=False)
        self.threads = threads or settings.LEALTAD_SERVER_THREADS
        self.pool = ThreadPoolExecutor(self.threads, thread_name_prefix="lealtad-http")
        # Import the URLconf (and with it every view and API router) now, not on the first
        # request, which otherwise took ~100 ms longer.
        get_resolver().url_patterns  # noqa: B018

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            raise ValueError(f"Django can only handle ASGI/HTTP connections, not {scope['type']}.")
        limit = body_limits.limit_for(scope.get("path", ""))
        if _declared_length(scope) > limit:
            await self.send_response(body_limits.too_large(limit), send)
            return
        try:
            body_file = await self.read_body(_capped(receive, limit))
        except RequestAborted:
            return
        except BodyTooLarge:
            await self.send_response(body_limits.too_large(limit), send)
            return
        loop = asyncio.get_running_loop()
        # A fresh copy of the loop's context per request, as sync_to_async would give.
        context = contextvars.copy_context()
        try:
            response = await loop.run_in_executor(
                self.pool, context.run, self._respond, scope, body_file
            )
            try:
                if response.streaming:
                    await self._send_until_disconnect(response, send, receive)
                else:
                    await self.send_response(response, send)
            finally:
                if response.streaming:
                    # Closing fires request_finished; a streamed body is done only now.
                    await sync_to_async(response.close, thread_sensitive=True)()
        finally:
            body_file.close()

    async def _send_until_disconnect(self, response: Any, send: Any, receive: Any) -> None:
        """Stream a body until it ends or the client goes. uvicorn drops writes to a closed
        connection silently, so a body that never ends by itself (a live screen's events,
        lealtad.core.live) would otherwise be iterated for ever: on disconnect the sending is
        cancelled, which closes the body's generator."""
        sending = asyncio.ensure_future(self.send_response(response, send))
        listening = asyncio.ensure_future(self.listen_for_disconnect(receive))
        try:
            await asyncio.wait({sending, listening}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            listening.cancel()
            sending.cancel()  # no-op when the body ended by itself
            with contextlib.suppress(asyncio.CancelledError, RequestAborted, AssertionError):
                await listening
        with contextlib.suppress(asyncio.CancelledError):
            await sending  # a failure while sending is raised here

    def _respond(self, scope: dict[str, Any], body_file: Any) -> Any:
        """Signals, request, middleware and view, in a pool thread (its own DB connection)."""
        set_script_prefix(get_script_prefix(scope))
        signals.request_started.send(sender=self.__class__, scope=scope)
        request, error = self.create_request(scope, body_file)
        response: Any = error
        if request is not None:
            response = self.get_response(request)
            response._handler_class = self.__class__
            if isinstance(response, FileResponse):
                response.block_size = self.chunk_size
        if not response.streaming:
            # The body is already rendered: close now, in the thread that owns the
            # connection, so request_finished (close_old_connections) acts on it.
            response.close()
        return response


application = PooledASGIHandler()

from lealtad.customers import realtime  # noqa: E402  (needs django.setup() above)

realtime.warm_up()

from lealtad.core import heap  # noqa: E402

heap.settle()
