"""The PostgreSQL run skips the tests that reach no database (tests/conftest.py): a test that
reaches it only through processes it starts must say so, or it would run on SQLite alone."""

from __future__ import annotations

import inspect

import pytest

from tests.conftest import _reaches_a_database

SIGNS = ('environ.get("LEALTAD_DATABASE_URL")', "_database_url()")


def test_every_test_that_hands_the_database_to_a_process_is_kept(request: pytest.FixtureRequest):
    missed, handing = [], {}
    for item in request.session.items:
        module = getattr(item, "module", None)
        if module is None or module.__name__ == __name__:  # this file names the signs
            continue
        if module not in handing:
            handing[module] = any(sign in inspect.getsource(module) for sign in SIGNS)
        if not handing[module]:
            continue
        if not _reaches_a_database(item):
            missed.append(item.nodeid)
    assert missed == []


def test_a_test_of_pure_code_is_not_kept(request: pytest.FixtureRequest):
    assert not _reaches_a_database(request.node)
