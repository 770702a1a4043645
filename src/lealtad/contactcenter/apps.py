from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ContactCenterConfig(AppConfig):
    name = "lealtad.contactcenter"
    label = "contactcenter"
    verbose_name = _("Contact center")

    def ready(self) -> None:
        from lealtad.contactcenter import events  # noqa: F401  (hub wiring)
