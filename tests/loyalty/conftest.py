"""The loyalty tests read its messages in English (the installation's default
language is Spanish, whose catalog is compiled); a test about Spanish switches explicitly."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.utils import translation


@pytest.fixture(autouse=True)
def _english() -> Iterator[None]:
    with translation.override("en"):
        yield
