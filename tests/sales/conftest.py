"""The sales tests read messages in English (the installation's default language is
Spanish); a test about Spanish switches explicitly."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.utils import translation


@pytest.fixture(autouse=True)
def _english() -> Iterator[None]:
    with translation.override("en"):
        yield


@pytest.fixture
def pipeline(db: object):
    from lealtad.sales.services import pipelines

    return pipelines.standard_pipeline()
