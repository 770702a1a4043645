"""Row-level security of the cube: which stores, channels and regions a user's questions,
filter lists and exports are limited to, set by an administrator (Django admin or
``PUT /api/v1/analytics/scopes/{username}``)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class DataScope(models.Model):
    """A user's slice of the cube. An empty list means every value of that dimension; a user
    with no scope row sees everything their capabilities allow. ``partner`` limits the user
    to the channels listed (a partner sees their own channel and nothing else): with it set
    and no channel listed, the user sees nothing."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="data_scope",
        verbose_name=_("user"),
    )
    stores = models.JSONField(_("stores"), default=list, blank=True)
    channels = models.JSONField(_("channels"), default=list, blank=True)
    regions = models.JSONField(_("regions"), default=list, blank=True)
    partner = models.BooleanField(
        _("partner"), default=False, help_text=_("Only the listed channels, nothing else.")
    )
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    updated_by = models.CharField(_("updated by"), max_length=150, blank=True)

    class Meta:
        verbose_name = _("data scope")
        verbose_name_plural = _("data scopes")

    def __str__(self) -> str:
        return f"{self.user} ({_('partner') if self.partner else _('scope')})"
