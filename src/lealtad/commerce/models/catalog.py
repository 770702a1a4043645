"""The catalog: categories, products, variants (the SKUs), channel prices, tax rates and
promotions."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from lealtad.commerce.models.fields import money


class Category(models.Model):
    code = models.SlugField(_("code"), max_length=60, unique=True)
    name_es = models.CharField(_("name (Spanish)"), max_length=120)
    name_en = models.CharField(_("name (English)"), max_length=120, blank=True)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )

    class Meta:
        verbose_name = _("category")
        verbose_name_plural = _("categories")
        ordering = ["code"]

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
        verbose_name = _("product")
        verbose_name_plural = _("products")
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
    # What one unit costs the company (purchase or production), in the variant's currency;
    # empty when unknown. The cube's margin is revenue minus this times the units sold.
    unit_cost = money(_("unit cost"), null=True, blank=True)
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
        verbose_name = _("channel price")
        verbose_name_plural = _("channel prices")
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
        verbose_name = _("tax rate")
        verbose_name_plural = _("tax rates")
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
        verbose_name = _("promotion")
        verbose_name_plural = _("promotions")
        ordering = ["priority", "code"]
        constraints = [
            models.CheckConstraint(condition=models.Q(value__gt=0), name="promotion_value_positive")
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"
