"""The engine is plain Python: importing and running it loads no Django (DESIGN.md)."""

from __future__ import annotations

import subprocess
import sys

CODE = """
import sys
from lealtad.lifetime_value import bgnbd, gamma_gamma, pareto_nbd, score, summarize
from lealtad.lifetime_value import cdnow, holdout, synthetic
base = synthetic.draw_bgnbd(500, (0.243, 4.414, 0.793, 2.426), seed=2)
bgnbd.fit(base.frequency, base.recency, base.age)
print(sorted(name for name in sys.modules if name.split(".")[0] == "django"))
"""


def test_engine_imports_no_django():
    done = subprocess.run(
        [sys.executable, "-c", CODE], capture_output=True, text=True, check=True, timeout=120
    )
    assert done.stdout.strip() == "[]"
