"""Worker processes start by fork only when no other thread runs in the parent."""

from __future__ import annotations

import threading

import pytest

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


@pytest.mark.django_db(transaction=True)  # the child reads this test's database
def test_a_spawned_worker_sets_the_app_up_before_it_loads_its_target():
    """The target's module defines models: importing it before the app is set up fails."""
    from lealtad.marketing.services import send_job

    done = threading.Event()
    thread = threading.Thread(target=done.wait)
    thread.start()
    try:
        context = processes.context()
        assert context.get_start_method() == "spawn"
        results = context.Queue()
        worker = processes.start(send_job._sender, (424242, 10, results), context)
        report = results.get(timeout=120)
        worker.join(30)
    finally:
        done.set()
        thread.join()
    assert worker.exitcode == 0
    assert report.campaign_id == 424242 and report.stopped.startswith("error:")
