from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps
from django.utils.translation import gettext_lazy as _
from django_otp.plugins.otp_totp.apps import DefaultConfig as TotpDefaultConfig


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


class AuthenticatorsConfig(TotpDefaultConfig):
    """django-otp's authenticator devices, named in the admin in the reader's language.

    The package names its app "Otp_Totp" and its model "TOTP device" in English only; the
    names are set here, on the model's options (display only: no migration follows).
    """

    default = False
    verbose_name = _("Two-factor sign-in")

    def ready(self) -> None:
        device = self.get_model("TOTPDevice")
        device._meta.verbose_name = _("authenticator app")
        device._meta.verbose_name_plural = _("authenticator apps")
