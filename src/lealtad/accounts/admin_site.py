"""The admin site: only staff verified by a second factor get in."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from django_otp.admin import OTPAdminSite

from lealtad.accounts.forms import AdminSignInForm


class LealtadAdminSite(OTPAdminSite):
    """django-otp's admin site under the usual name, so ``admin:`` URLs keep working.

    A staff user signed in through the main page with a code is already verified and goes
    straight in; at ``/admin/login/`` the password and the code are asked together.
    """

    # The product's name in the header and the tab, whatever the language; the index page says
    # what it is in the reader's words (Django's own "Site administration" read as a demo).
    site_header = "Lealtad"
    site_title = "Lealtad"
    index_title = _("Back office")
    login_form = AdminSignInForm
    login_template = "accounts/admin_login.html"

    def __init__(self, name: str = "admin") -> None:
        super().__init__(name)
