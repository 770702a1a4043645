from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SalesConfig(AppConfig):
    name = "lealtad.sales"
    label = "sales"
    verbose_name = _("Sales")

    def ready(self) -> None:
        from lealtad.sales import events  # noqa: F401  (hub wiring)
        from lealtad.sales.services import scoring_feed, telesales_outcomes  # noqa: F401
