"""A pickup order handed over at the store: who collected it, who gave it, where and when."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from lealtad.commerce.models.orders import Order
from lealtad.commerce.models.stock import Location


class PickupHandover(models.Model):
    """The proof a pickup order left the store with the right person (the customer or
    someone they sent), kept with the order."""

    order = models.OneToOneField(Order, on_delete=models.CASCADE, related_name="handover")
    location = models.ForeignKey(Location, on_delete=models.PROTECT, related_name="+")
    picked_up_by = models.CharField(_("picked up by"), max_length=150)
    id_document = models.CharField(_("identity document"), max_length=40, blank=True)
    handed_over_by = models.CharField(max_length=150, blank=True)
    handed_over_at = models.DateTimeField()

    class Meta:
        verbose_name = _("pickup hand-over")
        verbose_name_plural = _("pickup hand-overs")

    def __str__(self) -> str:
        return f"{self.order_id} → {self.picked_up_by}"
