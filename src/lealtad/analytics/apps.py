from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AnalyticsConfig(AppConfig):
    name = "lealtad.analytics"
    label = "analytics"
    verbose_name = _("Analytics")

    def ready(self) -> None:
        from lealtad.analytics import events  # noqa: F401  (hub wiring)
