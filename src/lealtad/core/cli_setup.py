"""Django's start for the ``lealtad`` command groups.

Each command sets Django up inside itself rather than at import, so ``lealtad --help`` and
the pure commands answer without loading settings, apps and a database connection.
"""

from __future__ import annotations

import os


def django_ready() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lealtad.settings")
    import django

    django.setup()
