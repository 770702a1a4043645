from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ServiceConfig(AppConfig):
    name = "lealtad.service"
    label = "service"
    verbose_name = _("Service desk")

    def ready(self) -> None:
        from lealtad.service import events  # noqa: F401  (hub wiring)
        from lealtad.service.services import from_contacts  # noqa: F401  (contact.ended)
