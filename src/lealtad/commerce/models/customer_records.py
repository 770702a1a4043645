"""What commerce keeps per customer: cards on file (tokens), carts, shopping lists and gift
registries, and the record of customer merges it followed."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from lealtad.commerce.models.catalog import Variant


class PaymentMethod(models.Model):
    """A card on file, kept as the gateway's token and the last digits (never the number)."""

    customer_id = models.BigIntegerField(db_index=True)
    gateway = models.CharField(max_length=40)
    token = models.CharField(max_length=120)
    brand = models.CharField(max_length=20, blank=True)
    last4 = models.CharField(max_length=4)
    label = models.CharField(max_length=80, blank=True)
    is_default = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-is_default", "id"]

    def __str__(self) -> str:
        return f"{self.brand} ···{self.last4}"


class CustomerList(models.Model):
    """A cart, a shopping list or a gift registry: lines of variants kept for a customer."""

    class Kind(models.TextChoices):
        CART = "cart", _("Cart")
        SHOPPING_LIST = "shopping_list", _("Shopping list")
        GIFT_REGISTRY = "gift_registry", _("Gift registry")

    customer_id = models.BigIntegerField(db_index=True)
    kind = models.CharField(max_length=16, choices=Kind.choices)
    name = models.CharField(max_length=200, blank=True)
    channel = models.CharField(max_length=40, blank=True)
    event_date = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    order = models.ForeignKey(
        "Order", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )  # a cart checked out: the order it became (it can no longer change)
    checked_out_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-updated_at", "-id"]

    def __str__(self) -> str:
        return f"{self.kind} {self.name or self.pk}"


class ListItem(models.Model):
    owner = models.ForeignKey(CustomerList, on_delete=models.CASCADE, related_name="items")
    variant = models.ForeignKey(Variant, on_delete=models.PROTECT)
    quantity = models.PositiveIntegerField(default=1)
    purchased = models.PositiveIntegerField(default=0)  # gift registries: bought by guests

    class Meta:
        ordering = ["id"]
        constraints = [models.UniqueConstraint(fields=["owner", "variant"], name="list_item_once")]

    def __str__(self) -> str:
        return f"{self.variant_id} x{self.quantity}"


class CustomerRepoint(models.Model):
    """Commerce rows moved from one customer to another by a merge, so an unmerge moves them
    back exactly (the customers context announces both on the hub)."""

    merge_id = models.BigIntegerField(db_index=True)
    from_customer_id = models.BigIntegerField()
    to_customer_id = models.BigIntegerField()
    moved = models.JSONField(default=dict)
    undone = models.BooleanField(default=False)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["merge_id"], name="commerce_repoint_once_per_merge")
        ]

    def __str__(self) -> str:
        return f"merge {self.merge_id}: {self.from_customer_id} → {self.to_customer_id}"
