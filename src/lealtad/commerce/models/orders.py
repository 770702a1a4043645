"""Orders from any channel, their lines, payments (authorizations, captures, refunds),
shipments and price adjustments."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from lealtad.commerce.models.catalog import Variant
from lealtad.commerce.models.fields import money
from lealtad.commerce.models.stock import Location


class Order(models.Model):
    class Status(models.TextChoices):
        PLACED = "placed", _("Placed")
        PARTLY_SHIPPED = "partly_shipped", _("Partly shipped")
        SHIPPED = "shipped", _("Shipped")
        READY = "ready", _("Ready for pickup")
        DELIVERED = "delivered", _("Delivered")
        COMPLETED = "completed", _("Completed")
        CANCELLED = "cancelled", _("Cancelled")
        RETURNED = "returned", _("Returned")
        PARTLY_RETURNED = "partly_returned", _("Partly returned")

    class Fulfilment(models.TextChoices):
        SHIP = "ship", _("Ship to address")
        PICKUP = "pickup", _("Pick up in store")
        TAKE_NOW = "take_now", _("Take now")

    number = models.CharField(max_length=20, unique=True)
    customer_id = models.BigIntegerField(db_index=True)
    channel = models.CharField(max_length=40)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PLACED)
    fulfilment = models.CharField(max_length=10, choices=Fulfilment.choices)
    ship_address_id = models.BigIntegerField(null=True, blank=True)
    ship_to = models.JSONField(default=dict, blank=True)  # the address as it was when ordered
    pickup_location = models.ForeignKey(
        Location, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    origin_location = models.ForeignKey(
        Location, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    captured_elsewhere = models.BooleanField(default=False)  # a lost sale captured (seed 000)
    currency = models.CharField(max_length=3)
    tax_country = models.CharField(max_length=2)
    tax_region = models.CharField(max_length=100, blank=True)
    tax_rate = models.DecimalField(max_digits=6, decimal_places=4)
    subtotal = money()
    discount = money()
    tax = money()
    total = money()
    promotions = models.JSONField(default=list, blank=True)
    coupon = models.CharField(max_length=40, blank=True)
    idempotency_key = models.CharField(max_length=120, null=True, blank=True, unique=True)
    external_ref = models.CharField(max_length=120, blank=True)
    placed_at = models.DateTimeField(db_index=True)
    placed_by = models.CharField(max_length=150, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("order")
        verbose_name_plural = _("orders")
        ordering = ["-placed_at", "-id"]
        indexes = [models.Index(fields=["customer_id", "-placed_at"], name="order_customer_idx")]

    def __str__(self) -> str:
        return self.number


class OrderLine(models.Model):
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="lines")
    variant = models.ForeignKey(Variant, on_delete=models.PROTECT, related_name="+")
    sku = models.CharField(max_length=60)
    description = models.CharField(max_length=250)
    quantity = models.PositiveIntegerField()
    unit_price = money()
    discount = money()
    tax = money()
    total = money()
    location = models.ForeignKey(
        Location, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )  # where its units are reserved; null: not allocated (an external order on backorder)
    shipped = models.PositiveIntegerField(default=0)
    returned = models.PositiveIntegerField(default=0)
    cancelled = models.PositiveIntegerField(default=0)  # called off before leaving: never ship

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.sku} x{self.quantity}"

    @property
    def to_ship(self) -> int:
        """Units still to leave: a cancelled unit never will."""
        return self.quantity - self.shipped - self.cancelled

    @property
    def kept(self) -> int:
        """Units the customer pays for in the end, returns aside: all but the cancelled."""
        return self.quantity - self.cancelled


class Payment(models.Model):
    """A movement of money against an order through a gateway: a charge or a refund.

    A card is first *authorized*: a charge row ``authorized`` whose ``amount`` is the money
    held. Money is taken only for goods that leave: each shipment (or the pickup) captures its
    share as a charge row of its own, ``captured``, pointing at its ``authorization`` and its
    ``shipment``, with the gateway's capture reference. The authorization keeps its amount;
    once captures have taken all of it, it is ``settled``; when the order (or what is left of
    it) is cancelled, what no capture took is released and it is ``voided``. Refunds are
    rows of their own against the captured charge they give back (``original``). A take-now
    sale (captured as it is authorized) and an order another channel took are one captured
    charge. So the captured and refunded charges are the money taken, and the authorized ones
    (less their captures) the money still held.

    The card gateway is called only after the business transaction commits
    (:mod:`lealtad.commerce.services.gateway_calls`): a capture or a refund is written
    ``pending`` (a take-now sale's charge too) and becomes ``captured``/``refunded`` with the
    gateway's reference once the gateway answered; a capture the gateway refused is ``failed``.
    """

    class Kind(models.TextChoices):
        CHARGE = "charge", _("Charge")
        REFUND = "refund", _("Refund")

    POINTS_GATEWAY = "loyalty:points"  # loyalty points paid or given back (decision 0015)

    class Status(models.TextChoices):
        AUTHORIZED = "authorized", _("Authorized")
        CAPTURED = "captured", _("Captured")
        REFUNDED = "refunded", _("Refunded")
        VOIDED = "voided", _("Voided")
        SETTLED = "settled", _("Settled")  # an authorization its captures took all of
        PENDING = "pending", _("Pending at the gateway")  # asked, the answer not recorded yet
        FAILED = "failed", _("Refused by the gateway")  # a capture the card refused

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="payments")
    kind = models.CharField(max_length=8, choices=Kind.choices, default=Kind.CHARGE)
    status = models.CharField(max_length=12, choices=Status.choices)
    gateway = models.CharField(max_length=40)
    reference = models.CharField(max_length=120)
    method_label = models.CharField(max_length=80, blank=True)
    amount = money()
    refunded = money(default=0)
    original = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="refunds"
    )
    authorization = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="captures"
    )  # a capture: the authorization it took money from
    shipment = models.ForeignKey(
        "Shipment", null=True, blank=True, on_delete=models.PROTECT, related_name="captures"
    )  # a capture: the shipment whose goods it is paid for (none: a pickup handed over)
    channel = models.CharField(max_length=40, blank=True)
    # Points paid (a charge) or given back (a refund) when loyalty points are the tender
    # (gateway ``loyalty:points``; ``amount`` is their value): docs/decisions/0015.
    points = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=["shipment", "authorization"],
                condition=models.Q(shipment__isnull=False),
                name="payment_one_capture_per_shipment",
            )  # per authorization held: a shipment is never captured twice
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.amount} {self.status}"


class Shipment(models.Model):
    class Status(models.TextChoices):
        SHIPPED = "shipped", _("Shipped")
        DELIVERED = "delivered", _("Delivered")

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="shipments")
    from_location = models.ForeignKey(Location, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.SHIPPED)
    carrier = models.CharField(max_length=80, blank=True)
    tracking = models.CharField(max_length=120, blank=True)
    ship_to = models.JSONField(default=dict, blank=True)
    lines = models.JSONField(default=list)  # [{"sku": ..., "quantity": ...}]
    shipped_at = models.DateTimeField()
    delivered_at = models.DateTimeField(null=True, blank=True)
    idempotency_key = models.CharField(max_length=120, null=True, blank=True, unique=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.order_id} {self.tracking}"


class PriceAdjustment(models.Model):
    """Money given back after the sale (a price drop, a goodwill gesture) with its reason."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="adjustments")
    amount = money()
    reason = models.CharField(max_length=250)
    channel = models.CharField(max_length=40)
    created_at = models.DateTimeField()
    created_by = models.CharField(max_length=150, blank=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.order_id} -{self.amount}"
