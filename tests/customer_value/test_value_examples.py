"""The Examples: sections of the customer-value modules run and print what they say; and the
modules load no Django (they are a pure core)."""

from __future__ import annotations

import doctest
import importlib
import subprocess
import sys

import pytest

MODULES = [
    "lealtad.customer_value.rfm",
    "lealtad.customer_value.cost_to_serve",
    "lealtad.customer_value.tiers",
    "lealtad.customer_value.lifecycle",
    "lealtad.customer_value.churn",
    "lealtad.customer_value.tier_check",
]


@pytest.mark.parametrize("name", MODULES)
def test_examples_run(name: str) -> None:
    module = importlib.import_module(name)
    flags = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE
    result = doctest.testmod(module, optionflags=flags, verbose=False)
    assert result.failed == 0, f"{result.failed} example(s) failed in {name}"
    assert result.attempted > 0


def test_the_value_modules_import_no_django():
    code = (
        "import sys\n"
        + "".join(f"import {name}\n" for name in MODULES)
        + ("print(sorted(n for n in sys.modules if n.split('.')[0] == 'django'))")
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )
    assert done.stdout.strip() == "[]"
