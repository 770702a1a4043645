"""Start-up objects out of the garbage collector's way.

What a process builds before it serves (the URL configuration, models, templates, the
identity index, the offer rules) lives as long as the process, yet each full collection
walks all of it: during the offers benchmark one took 353 ms in the middle of a request.
``gc.freeze()`` moves everything alive now into a generation the collector no longer
scans, so a collection during a request only walks what requests made (Instagram's and
CPython's documented use of it for pre-forked servers).
"""

from __future__ import annotations

import gc


def settle() -> None:
    """Call once start-up is done and before the first request."""
    gc.collect()
    gc.freeze()
