"""Commissions: the rules a sales manager sets, the sale lines they pay on (as commerce's
facts arrive on the hub), the commission lines earned and clawed back, and the statements
that settle a rep's period."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

__all__ = [
    "CommissionBasis",
    "CommissionEvent",
    "CommissionKind",
    "CommissionLine",
    "CommissionRule",
    "CommissionSale",
    "CommissionStatement",
    "CustomerKind",
]


def _money(verbose: Any, **kw: Any) -> models.DecimalField:
    return models.DecimalField(verbose, max_digits=14, decimal_places=2, **kw)


class CommissionBasis(models.TextChoices):
    INVOICE = "invoice", _("invoiced amount")
    PAYMENT = "payment", _("amount paid")
    MARGIN = "margin", _("margin")


class CustomerKind(models.TextChoices):
    NEW = "new", _("new customer")
    REPEAT = "repeat", _("repeat customer")


class CommissionKind(models.TextChoices):
    EARNED = "earned", _("earned")
    ADJUSTMENT = "adjustment", _("adjustment")
    CLAWBACK = "clawback", _("clawback")


class CommissionRule(models.Model):
    """What a sale pays its rep: ``rate`` (a fraction) of a basis, for the sales matching
    every dimension given (an empty one matches any) during the validity dates. Two rules
    on one basis that can match the same sale are refused when saved."""

    name = models.CharField(_("name"), max_length=120)
    basis = models.CharField(_("basis"), max_length=10, choices=CommissionBasis.choices)
    rate = models.DecimalField(_("rate"), max_digits=6, decimal_places=4)
    valid_from = models.DateField(_("valid from"))
    valid_to = models.DateField(_("valid to"), null=True, blank=True)
    product_line = models.CharField(_("product line"), max_length=60, blank=True)
    rep = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("rep"),
    )
    tier = models.CharField(_("customer value tier"), max_length=12, blank=True)
    customer_kind = models.CharField(
        _("new or repeat customer"), max_length=8, choices=CustomerKind.choices, blank=True
    )
    created_at = models.DateTimeField()
    created_by = models.CharField(max_length=150, blank=True)

    class Meta:
        ordering = ["valid_from", "id"]
        verbose_name = _("commission rule")
        verbose_name_plural = _("commission rules")

    def __str__(self) -> str:
        return self.name


class CommissionSale(models.Model):
    """A sold order line as commissions see it: whose sale it is, what it matches on, and
    its bases to date. ``returned`` is the quantity already clawed back for."""

    order_line_id = models.BigIntegerField(unique=True)  # commerce's line
    order_number = models.CharField(_("order"), max_length=20, db_index=True)
    sku = models.CharField(_("SKU"), max_length=60)
    rep = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("rep")
    )
    customer_id = models.BigIntegerField(_("customer"))
    sold_on = models.DateField(_("sold on"))
    product_line = models.CharField(_("product line"), max_length=60, blank=True)
    tier = models.CharField(_("customer value tier"), max_length=12, blank=True)
    customer_kind = models.CharField(max_length=8, choices=CustomerKind.choices)
    quantity = models.DecimalField(max_digits=12, decimal_places=3)
    invoiced = _money(_("invoiced"))
    paid = _money(_("paid"), default=0)
    margin = _money(_("margin"), default=0)
    returned = models.DecimalField(max_digits=12, decimal_places=3, default=0)
    # How the rep was found: "opportunity" (the won deal's owner) or "seller" (the order's).
    attributed_by = models.CharField(max_length=12)

    class Meta:
        ordering = ["sold_on", "id"]
        verbose_name = _("commissioned sale")
        verbose_name_plural = _("commissioned sales")

    def __str__(self) -> str:
        return f"{self.order_number} {self.sku}"


class CommissionStatement(models.Model):
    """A rep's settled period: its totals are final and its lines may not change; a second
    settlement of the same rep and period is refused."""

    rep = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("rep")
    )
    period_start = models.DateField(_("from"))
    period_end = models.DateField(_("to"))
    earned = _money(_("earned"))
    clawed_back = _money(_("clawed back"))
    net = _money(_("net"))
    settled_at = models.DateTimeField(_("settled at"))
    settled_by = models.CharField(_("settled by"), max_length=150)

    class Meta:
        ordering = ["-period_end", "rep_id"]
        verbose_name = _("commission statement")
        verbose_name_plural = _("commission statements")
        constraints = [
            models.UniqueConstraint(
                fields=["rep", "period_start", "period_end"], name="commission_statement_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.rep_id} {self.period_start}..{self.period_end}"


class CommissionLine(models.Model):
    """One movement of a rep's commission. A clawback is negative and names the lines it
    takes back from (``original`` the first of them); a line on a settled statement is
    never changed."""

    sale = models.ForeignKey(CommissionSale, on_delete=models.PROTECT, related_name="lines")
    rule = models.ForeignKey(CommissionRule, on_delete=models.PROTECT, related_name="lines")
    rep = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("rep")
    )
    on = models.DateField(_("date"), db_index=True)
    basis = models.CharField(_("basis"), max_length=10, choices=CommissionBasis.choices)
    base = _money(_("base"))
    rate = models.DecimalField(_("rate"), max_digits=6, decimal_places=4)
    amount = _money(_("amount"))
    kind = models.CharField(_("kind"), max_length=10, choices=CommissionKind.choices)
    reference = models.CharField(_("reference"), max_length=60, blank=True)
    original = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="clawbacks"
    )
    reverses = models.JSONField(default=list, blank=True)
    statement = models.ForeignKey(
        CommissionStatement,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="lines",
    )
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["on", "id"]
        verbose_name = _("commission line")
        verbose_name_plural = _("commission lines")
        indexes = [models.Index(fields=["rep", "statement", "on"])]

    def __str__(self) -> str:
        return f"{self.kind} {self.amount}"


class CommissionEvent(models.Model):
    """A hub message commissions applied: a replayed delivery finds it here and does nothing."""

    event_id = models.CharField(max_length=200, unique=True)
    event_type = models.CharField(max_length=40)
    applied_at = models.DateTimeField()

    def __str__(self) -> str:
        return self.event_id
