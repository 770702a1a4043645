"""ASGI entry point served by uvicorn (``lealtad serve``)."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lealtad.settings")
application = get_asgi_application()
