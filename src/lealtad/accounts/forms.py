"""Forms of the sign-in pages and the admin's two-factor login."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from django_otp.admin import OTPAdminAuthenticationForm

from lealtad.accounts import throttle, two_factor
from lealtad.core.client_address import client_address


class CodeForm(forms.Form):
    code = forms.CharField(
        label=_("Code"),
        max_length=12,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}
        ),
    )

    def clean_code(self) -> str:
        code = "".join(self.cleaned_data["code"].split())
        if not code.isdigit() or len(code) != 6:
            raise ValidationError(_("Type the 6 digits your authenticator app shows."))
        return code


class AdminSignInForm(OTPAdminAuthenticationForm):
    """The admin's login: password and the code of the user's one authenticator.

    django-otp's form makes the user pick a device in a second round; Lealtad enrols exactly
    one per user, so it is chosen here. A wrong or missing code after a right password counts
    as a failed sign-in for the throttle, as a wrong password does.
    """

    error_messages = {
        **OTPAdminAuthenticationForm.error_messages,
        "not_enrolled": _(
            "This account has no authenticator yet: sign in on the main sign-in page to set "
            "one up, then come back."
        ),
    }

    def _chosen_device(self, user: Any) -> Any:
        return super()._chosen_device(user) or two_factor.confirmed_device(user)

    def clean(self) -> dict[str, Any]:
        try:
            return super().clean()
        except ValidationError:
            user = self.get_user()
            if user is None or not user.is_staff:
                raise  # a wrong password (already counted) or not an admin user at all
            if two_factor.confirmed_device(user) is None:
                raise ValidationError(
                    self.error_messages["not_enrolled"], code="not_enrolled"
                ) from None
            throttle.record_failure(user.get_username(), client_address(self.request))
            raise
