import os

import pytest

# What puts a test on the database: pytest-django's marker or fixtures, or (for tests whose
# database work happens in processes they start) the ``database`` marker.
DATABASE_FIXTURES = {
    "_django_db_helper",
    "db",
    "transactional_db",
    "django_db_setup",
    "django_db_reset_sequences",
    "django_db_serialized_rollback",
    "live_server",
}


def _reaches_a_database(item: pytest.Item) -> bool:
    if item.get_closest_marker("django_db") or item.get_closest_marker("database"):
        return True
    return bool(DATABASE_FIXTURES & set(getattr(item, "fixturenames", ())))


def pytest_collection_modifyitems(config, items):
    """With LEALTAD_TEST_DATABASE_ONLY=1 (scripts/test.sh's second run, on PostgreSQL) only
    the tests that reach a database run: pytest-django refuses the others any database
    access, so they already ran whole on SQLite (a third of the suite: the pure engines,
    catalogs, contracts)."""
    if os.environ.get("LEALTAD_TEST_DATABASE_ONLY") != "1":
        return
    kept = [item for item in items if _reaches_a_database(item)]
    if len(kept) < len(items):
        config.hook.pytest_deselected(items=[i for i in items if not _reaches_a_database(i)])
        items[:] = kept


def pytest_configure(config):
    """Sign-ins are part of most tests; production-cost password hashing is not their subject.
    Nor is PostgreSQL's TRUNCATE of every table after each transactional test (fast_flush)."""
    from django.conf import settings

    from tests import fast_flush

    fast_flush.install()

    settings.PASSWORD_HASHERS = [
        "tests.cheap_hashing.CheapArgon2PasswordHasher",
        *settings.PASSWORD_HASHERS,
    ]


pytest_plugins = [
    "tests.browser_fixtures",
    "tests.api_fixtures",
    "tests.live_asgi",
    "tests.redis_server",
    "tests.dovecot_server",
]


@pytest.fixture(autouse=True)
def _fresh_realtime_index():
    """Each test's database starts over, so the in-memory matching index and every copy a
    process keeps for a moment (core.kept: prices, locations, offers, loyalty rules) too."""
    from lealtad.core import kept
    from lealtad.customers import realtime

    realtime.reset()
    kept.forget_all()
    yield
    realtime.reset()
    kept.forget_all()


@pytest.fixture(autouse=True)
def _no_nightly_analytics(settings):
    """The dispatcher's ticker would start the nightly analytics refresh in a thread that
    outlives the test (it is due whenever the test database has no run today)."""
    settings.LEALTAD_ANALYTICS_NIGHTLY = False


@pytest.fixture(autouse=True)
def _cubes_closed():
    """Each test has its own home, so its own cube: closed with the test, or every test's
    DuckDB worker threads stay (nine each; forking among hundreds of threads hung a run)."""
    yield
    from lealtad.analytics import cube_store

    cube_store.close_all()
