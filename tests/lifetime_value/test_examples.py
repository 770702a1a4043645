"""The Examples: sections of the engine's docstrings run and print what they say."""

from __future__ import annotations

import doctest
import importlib

import pytest

MODULES = [
    "lealtad.lifetime_value",
    "lealtad.lifetime_value.bgnbd",
    "lealtad.lifetime_value.cdnow",
    "lealtad.lifetime_value.fitting",
    "lealtad.lifetime_value.gamma_gamma",
    "lealtad.lifetime_value.holdout",
    "lealtad.lifetime_value.hypergeometric",
    "lealtad.lifetime_value.inputs",
    "lealtad.lifetime_value.pareto_nbd",
    "lealtad.lifetime_value.summary",
    "lealtad.lifetime_value.synthetic",
    "lealtad.lifetime_value.value",
]


@pytest.mark.parametrize("name", MODULES)
def test_examples_run(name: str) -> None:
    module = importlib.import_module(name)
    flags = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE
    result = doctest.testmod(module, optionflags=flags, verbose=False)
    assert result.failed == 0, f"{result.failed} example(s) failed in {name}"
    assert name.endswith(("cdnow", "__init__")) or result.attempted > 0
