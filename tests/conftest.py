import pytest


def pytest_configure(config):
    """Sign-ins are part of most tests; production-cost password hashing is not their subject."""
    from django.conf import settings

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
    """Each test's database starts over, so the in-memory matching index must too."""
    from lealtad.customers import realtime

    realtime.reset()
    yield
    realtime.reset()


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
