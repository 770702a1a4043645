from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "lealtad.core"
    label = "core"
    verbose_name = "Lealtad core"

    def ready(self) -> None:
        from lealtad.core import admin_audit, subscriptions

        subscriptions.load_all()
        # The admin site discovered every app's admin module already (django.contrib.admin
        # comes first in INSTALLED_APPS): each model admin now audits its writes.
        admin_audit.audit_every_model_admin()
