from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MarketingConfig(AppConfig):
    name = "lealtad.marketing"
    label = "marketing"
    verbose_name = _("Marketing")

    def ready(self) -> None:
        from lealtad.marketing import events  # noqa: F401  (hub wiring)
