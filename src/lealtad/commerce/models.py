"""Commerce models: catalog, prices, taxes, promotions, stock, lists, orders, payments, returns.

Customers are referred to by id (``customer_id``): the customers context owns them. Amounts are
``Decimal`` in the order's currency, to the cent.
"""

from __future__ import annotations

from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _


def money(verbose_name: Any = None, **kw: Any) -> models.DecimalField:
    """An amount to the cent (up to 999,999,999,999.99)."""
    return models.DecimalField(verbose_name, max_digits=14, decimal_places=2, **kw)


class Category(models.Model):
    code = models.SlugField(_("code"), max_length=60, unique=True)
    name_es = models.CharField(_("name (Spanish)"), max_length=120)
    name_en = models.CharField(_("name (English)"), max_length=120, blank=True)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )

    class Meta:
        ordering = ["code"]
        verbose_name_plural = "categories"

    def __str__(self) -> str:
        return self.name_es


class Product(models.Model):
    """A product as the customer sees it; what is sold and stocked is a :class:`Variant`."""

    code = models.CharField(_("code"), max_length=40, unique=True)
    name_es = models.CharField(_("name (Spanish)"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=200, blank=True)
    description_es = models.TextField(_("description (Spanish)"), blank=True)
    description_en = models.TextField(_("description (English)"), blank=True)
    category = models.ForeignKey(
        Category, null=True, blank=True, on_delete=models.PROTECT, related_name="products"
    )
    image_url = models.URLField(_("image URL"), max_length=500, blank=True)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.name_es}"

    def name(self, language: str = "es") -> str:
        return (self.name_en if language.startswith("en") else "") or self.name_es

    def description(self, language: str = "es") -> str:
        return (self.description_en if language.startswith("en") else "") or self.description_es


class Variant(models.Model):
    """A sellable size/colour of a product: the SKU. ``price`` is the price on every channel."""

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="variants")
    sku = models.CharField(_("SKU"), max_length=60, unique=True)
    attributes = models.JSONField(_("attributes"), default=dict, blank=True)  # {"size": "M"}
    price = money(_("price before tax"))
    currency = models.CharField(_("currency"), max_length=3, default="USD")
    image_url = models.URLField(_("image URL"), max_length=500, blank=True)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["sku"]

    def __str__(self) -> str:
        return self.sku

    def label(self) -> str:
        return " / ".join(str(v) for v in self.attributes.values())


class ChannelPrice(models.Model):
    """The one exception to one price everywhere: a channel's own price, for a period."""

    variant = models.ForeignKey(Variant, on_delete=models.CASCADE, related_name="channel_prices")
    channel = models.CharField(_("channel"), max_length=40)
    price = money(_("price before tax"))
    starts_at = models.DateTimeField(_("from"), null=True, blank=True)
    ends_at = models.DateTimeField(_("until"), null=True, blank=True)
    reason = models.CharField(_("reason"), max_length=200, blank=True)

    class Meta:
        ordering = ["variant", "channel"]
        indexes = [models.Index(fields=["variant", "channel"], name="channel_price_idx")]

    def __str__(self) -> str:
        return f"{self.variant_id}@{self.channel}={self.price}"


class TaxRate(models.Model):
    """The rate for a country, or a region inside it (Mexico's northern border at 8%)."""

    country = models.CharField(_("country"), max_length=2)
    region = models.CharField(_("region"), max_length=100, blank=True)
    name = models.CharField(_("tax"), max_length=40)  # IVA, IGV
    rate = models.DecimalField(_("rate"), max_digits=6, decimal_places=4)  # 0.1500

    class Meta:
        ordering = ["country", "region"]
        constraints = [
            models.UniqueConstraint(fields=["country", "region"], name="tax_rate_once"),
            models.CheckConstraint(
                condition=models.Q(rate__gte=0) & models.Q(rate__lt=1), name="tax_rate_fraction"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} {self.country}{'/' + self.region if self.region else ''} {self.rate}"


class Promotion(models.Model):
    class Kind(models.TextChoices):
        PERCENT = "percent", _("Percent off")
        AMOUNT = "amount", _("Amount off")
        BUNDLE = "bundle", _("Bundle (percent off when bought together)")

    code = models.CharField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    value = money(_("value"))
    priority = models.PositiveIntegerField(_("priority"), default=100)
    coupon = models.CharField(_("coupon code"), max_length=40, blank=True)
    channels = models.JSONField(_("channels"), default=list, blank=True)
    segments = models.JSONField(_("segments"), default=list, blank=True)
    skus = models.JSONField(_("SKUs"), default=list, blank=True)
    products = models.JSONField(_("products"), default=list, blank=True)
    categories = models.JSONField(_("categories"), default=list, blank=True)
    starts_at = models.DateTimeField(_("from"), null=True, blank=True)
    ends_at = models.DateTimeField(_("until"), null=True, blank=True)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["priority", "code"]
        constraints = [
            models.CheckConstraint(condition=models.Q(value__gt=0), name="promotion_value_positive")
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class Location(models.Model):
    class Kind(models.TextChoices):
        STORE = "store", _("Store")
        WAREHOUSE = "warehouse", _("Warehouse")

    code = models.CharField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    address = models.CharField(_("address"), max_length=250, blank=True)
    city = models.CharField(_("city"), max_length=100, blank=True)
    country = models.CharField(_("country"), max_length=2, default="EC")
    tax_region = models.CharField(_("tax region"), max_length=100, blank=True)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class Stock(models.Model):
    """Units of a variant at a location. ``reserved`` units belong to open orders.

    Written only by :mod:`lealtad.commerce.services.stock`, with conditional updates.
    """

    variant = models.ForeignKey(Variant, on_delete=models.PROTECT, related_name="stock")
    location = models.ForeignKey(Location, on_delete=models.PROTECT, related_name="stock")
    on_hand = models.IntegerField(_("on hand"), default=0)
    reserved = models.IntegerField(_("reserved"), default=0)

    class Meta:
        ordering = ["variant", "location"]
        constraints = [
            models.UniqueConstraint(fields=["variant", "location"], name="stock_once"),
            models.CheckConstraint(
                condition=models.Q(reserved__gte=0) & models.Q(reserved__lte=models.F("on_hand")),
                name="stock_never_oversold",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.variant_id}@{self.location_id}: {self.on_hand}/{self.reserved}"

    @property
    def available(self) -> int:
        return self.on_hand - self.reserved


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


class Return(models.Model):
    """Goods brought back on any channel against an order from any channel."""

    number = models.CharField(max_length=20, unique=True)
    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="returns")
    customer_id = models.BigIntegerField(db_index=True)
    channel = models.CharField(max_length=40)
    location = models.ForeignKey(
        Location, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reason = models.CharField(max_length=250)
    refund_amount = money()
    exchange_order = models.ForeignKey(
        Order, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    idempotency_key = models.CharField(max_length=120, null=True, blank=True, unique=True)
    created_at = models.DateTimeField()
    created_by = models.CharField(max_length=150, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.number


class ReturnLine(models.Model):
    ret = models.ForeignKey(Return, on_delete=models.CASCADE, related_name="lines")
    order_line = models.ForeignKey(OrderLine, on_delete=models.PROTECT, related_name="+")
    quantity = models.PositiveIntegerField()
    refund = money()
    restocked = models.BooleanField(default=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.order_line_id} x{self.quantity}"


class Exchange(models.Model):
    """Goods brought back and replacements taken, as one operation: the return and the
    replacement order point at each other, and the price difference is charged or refunded
    on the original payment."""

    number = models.CharField(max_length=20, unique=True)
    customer_id = models.BigIntegerField(db_index=True)
    original_order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="exchanges")
    ret = models.OneToOneField(Return, on_delete=models.PROTECT, related_name="exchange")
    replacement = models.OneToOneField(Order, on_delete=models.PROTECT, related_name="exchange_of")
    channel = models.CharField(max_length=40)
    location = models.ForeignKey(Location, on_delete=models.PROTECT, related_name="+")
    reason = models.CharField(max_length=250)
    returned_value = money()  # what the goods brought back had cost
    replacement_value = money()  # the replacements at today's price
    difference = money()  # > 0 the customer paid more, < 0 the customer got money back
    idempotency_key = models.CharField(max_length=120, null=True, blank=True, unique=True)
    created_at = models.DateTimeField()
    created_by = models.CharField(max_length=150, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.number


class Transfer(models.Model):
    """Stock moving between locations (store ↔ warehouse).

    Requested: the units are reserved at the source, so no order takes them. Shipped: they
    left the source and are counted nowhere as available until received. Received: on the
    destination's shelf (what did not arrive is recorded as short).
    """

    class Status(models.TextChoices):
        REQUESTED = "requested", _("Requested")
        IN_TRANSIT = "in_transit", _("In transit")
        RECEIVED = "received", _("Received")
        CANCELLED = "cancelled", _("Cancelled")

    number = models.CharField(max_length=20, unique=True)
    from_location = models.ForeignKey(Location, on_delete=models.PROTECT, related_name="+")
    to_location = models.ForeignKey(Location, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(
        max_length=12, choices=Status.choices, default=Status.REQUESTED, db_index=True
    )
    note = models.CharField(max_length=250, blank=True)
    carrier = models.CharField(max_length=80, blank=True)
    tracking = models.CharField(max_length=120, blank=True)
    idempotency_key = models.CharField(max_length=120, null=True, blank=True, unique=True)
    requested_at = models.DateTimeField()
    requested_by = models.CharField(max_length=150, blank=True)
    shipped_at = models.DateTimeField(null=True, blank=True)
    received_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-requested_at", "-id"]

    def __str__(self) -> str:
        return self.number


class TransferLine(models.Model):
    transfer = models.ForeignKey(Transfer, on_delete=models.CASCADE, related_name="lines")
    variant = models.ForeignKey(Variant, on_delete=models.PROTECT, related_name="+")
    quantity = models.PositiveIntegerField()
    received = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["transfer", "variant"], name="transfer_line_once")
        ]

    def __str__(self) -> str:
        return f"{self.variant_id} x{self.quantity}"


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
