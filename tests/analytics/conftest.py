"""What every analytics test shares."""

from __future__ import annotations

from typing import Any

import pytest


@pytest.fixture(autouse=True)
def _own_home(settings: Any, tmp_path: Any) -> None:
    """Each test's facts in their own directory (the cube is one per home), as the database
    starts over per test too; and no nightly refresh started behind the test's back."""
    settings.LEALTAD_HOME = tmp_path
    settings.LEALTAD_ANALYTICS_NIGHTLY = False
