"""Worker processes start by fork only when no other thread runs in the parent."""

from __future__ import annotations

import threading

from lealtad.core import processes


def test_a_lone_thread_forks_and_a_busy_process_spawns():
    assert processes.context().get_start_method() == (
        "fork" if threading.active_count() == 1 else "spawn"
    )
    done = threading.Event()
    thread = threading.Thread(target=done.wait)
    thread.start()
    try:
        assert processes.context().get_start_method() == "spawn"
    finally:
        done.set()
        thread.join()
