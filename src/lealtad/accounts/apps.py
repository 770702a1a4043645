from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps


class AccountsConfig(AppConfig):
    default = True
    name = "lealtad.accounts"
    label = "accounts"
    verbose_name = "Sign-in"

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in, user_login_failed

        from lealtad.accounts import backends

        user_login_failed.connect(backends.on_login_failed, dispatch_uid="lealtad-login-failed")
        user_logged_in.connect(backends.on_logged_in, dispatch_uid="lealtad-logged-in")


class LealtadAdminConfig(admin_apps.AdminConfig):
    """Django's admin, served by a site that demands a verified two-factor sign-in."""

    default = False
    default_site = "lealtad.accounts.admin_site.LealtadAdminSite"
