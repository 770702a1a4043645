from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CommerceConfig(AppConfig):
    name = "lealtad.commerce"
    label = "commerce"
    verbose_name = _("Commerce")

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save

        from lealtad.commerce import selectors
        from lealtad.commerce.models import Location

        post_save.connect(selectors.forget_locations, sender=Location)
        post_delete.connect(selectors.forget_locations, sender=Location)
