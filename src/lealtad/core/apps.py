from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "lealtad.core"
    label = "core"
    verbose_name = "Lealtad core"

    def ready(self) -> None:
        from lealtad.core import subscriptions

        subscriptions.load_all()
