"""The basket, up-sell and churn-model engines are plain Python: importing and running them
loads no Django (DESIGN.md's pure cores; lint-imports checks the imports, this the run)."""

from __future__ import annotations

import subprocess
import sys

CODE = """
import sys
from lealtad.customer_value import basket, churn_model, upsell
mined = basket.mine(basket.draw_baskets(200, items=20, bundles=3, seed=1))
model = churn_model.fit({"x": [1.0, 2.0, 3.0, 4.0], "k": ["a", "b", "a", "b"]}, [0, 1, 0, 1])
model.score({"x": [2.0], "k": ["a"]})
upsell.usage_signals(["a"], [40], [[90, 90, 90]], [upsell.Plan("100h", 100)])
upsell.cross_sell(["P0001"], mined.rules)
print(sorted(name for name in sys.modules if name.split(".")[0] == "django"))
"""


def test_engines_import_no_django():
    done = subprocess.run(
        [sys.executable, "-c", CODE], capture_output=True, text=True, check=True, timeout=120
    )
    assert done.stdout.strip() == "[]"
