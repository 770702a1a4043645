from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "lealtad.core"
    label = "core"
    verbose_name = _("Event hub and audit")

    def ready(self) -> None:
        from django.db.backends.signals import connection_created

        from lealtad.core import admin_audit, file_modes, subscriptions

        connection_created.connect(
            file_modes.restrict_sqlite_files, dispatch_uid="lealtad-sqlite-owner-only"
        )
        subscriptions.load_all()
        # The admin site discovered every app's admin module already (django.contrib.admin
        # comes first in INSTALLED_APPS): each model admin now audits its writes.
        admin_audit.audit_every_model_admin()
