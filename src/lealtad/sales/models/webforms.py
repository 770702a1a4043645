"""The embeddable lead web form: one configuration per form a company puts on its site, and
the submissions it received (kept to count them per address and to recognise a repeat)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from lealtad.sales.models.leads import Lead
from lealtad.sales.models.teams import SalesTeam

__all__ = ["WebForm", "WebFormSubmission"]


class WebForm(models.Model):
    """A public form (``/forms/<slug>/``) whose submissions become leads of source web_form.
    ``frame_ancestors`` are the sites allowed to show it in an iframe (CSP)."""

    slug = models.SlugField(_("address"), max_length=60, unique=True)
    title = models.CharField(_("title"), max_length=120)
    intro = models.TextField(_("introduction"), blank=True)
    campaign = models.CharField(_("campaign"), max_length=80, blank=True)
    team = models.ForeignKey(
        SalesTeam, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    frame_ancestors = models.CharField(
        _("sites that may embed it"),
        max_length=500,
        blank=True,
        help_text=_("Origins separated by spaces, e.g. https://www.example.com.ec"),
    )
    consent_text = models.CharField(_("consent text"), max_length=300, blank=True)
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["slug"]
        verbose_name = _("lead web form")
        verbose_name_plural = _("lead web forms")

    def __str__(self) -> str:
        return self.slug


class WebFormSubmission(models.Model):
    """One accepted submission. ``digest`` hashes the form and what was typed: the same
    submission sent again (a double click, a reload) finds its row and captures nothing."""

    form = models.ForeignKey(WebForm, on_delete=models.CASCADE, related_name="submissions")
    digest = models.CharField(max_length=64)
    address = models.CharField(max_length=45, db_index=True)
    submitted_at = models.DateTimeField(db_index=True)
    lead = models.ForeignKey(Lead, null=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["-submitted_at"]
        constraints = [
            models.UniqueConstraint(fields=["form", "digest"], name="webform_submission_once")
        ]

    def __str__(self) -> str:
        return f"{self.form_id} {self.submitted_at}"
