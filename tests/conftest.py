import pytest

pytest_plugins = [
    "tests.browser_fixtures",
    "tests.api_fixtures",
    "tests.live_asgi",
    "tests.redis_server",
]


@pytest.fixture(autouse=True)
def _fresh_realtime_index():
    """Each test's database starts over, so the in-memory matching index must too."""
    from lealtad.customers import realtime

    realtime.reset()
    yield
    realtime.reset()
