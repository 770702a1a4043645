"""A real HTTP server for tests: uvicorn in a thread, serving Lealtad's ASGI application.

Unlike pytest-django's ``live_server`` (Django's WSGI development server), this runs the
production entry point (``lealtad.asgi``), so what the ASGI layer does - reading the body as it
streams in, the thread pool - is under test. Use it in ``transaction=True`` tests: the server's
threads open their own connections to the test database and see only committed rows.

A pytest plugin (``tests/conftest.py``): any test may ask for ``asgi_server``.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator

import httpx
import pytest
import uvicorn


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def asgi_server(transactional_db: None) -> Iterator[str]:
    """The base URL of a uvicorn server running ``lealtad.asgi.application``."""
    from lealtad.asgi import application

    port = _free_port()
    config = uvicorn.Config(
        application, host="127.0.0.1", port=port, log_level="warning", lifespan="off"
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="uvicorn-test", daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the test server did not start")
        time.sleep(0.02)
    httpx.get(f"{url}/login/", timeout=5)
    try:
        yield url
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        _close_pool_connections(application)


def _close_pool_connections(application: object) -> None:
    """Each pool thread keeps a database connection; close them all, or PostgreSQL refuses to
    drop the test database at the end of the session. The barrier gives each thread one task."""
    from asgiref.sync import SyncToAsync
    from django.db import connections

    threads = application.threads  # type: ignore[attr-defined]
    barrier = threading.Barrier(threads)

    def close() -> None:
        connections.close_all()
        barrier.wait(timeout=10)

    for future in [application.pool.submit(close) for _ in range(threads)]:  # type: ignore[attr-defined]
        future.result(timeout=15)
    # Streamed answers (the CSV export) read the database from asgiref's one thread for
    # thread-sensitive work, outside the pool: close its connection too.
    SyncToAsync.single_thread_executor.submit(connections.close_all).result(timeout=15)
