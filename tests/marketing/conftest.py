"""The marketing tests read its messages in English (the installation's default
language is Spanish, whose catalog is compiled); a test about Spanish switches explicitly."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.utils import translation


@pytest.fixture(autouse=True)
def _english() -> Iterator[None]:
    with translation.override("en"):
        yield


@pytest.fixture(autouse=True)
def _offer_program_forgotten() -> Iterator[None]:
    """Each process keeps the offer program for 2 s; a test's rolled-back offers must not be
    what the next test (of any context) ranks."""
    from lealtad.marketing.selectors import offer_program

    offer_program.forget()
    yield
    offer_program.forget()
