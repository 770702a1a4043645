"""RMAs, field-service work orders, spare parts and their purchase orders, quality defects.

Links to commerce (orders, returns) and to products are by their references, never foreign
keys across contexts."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from lealtad.service.models.cases import Case
from lealtad.service.models.contracts import Coverage, ServiceContract, SupportLevel

__all__ = [
    "Coverage",
    "Defect",
    "DefectAlert",
    "PartStock",
    "PurchaseOrder",
    "PurchaseOrderLine",
    "Rma",
    "RmaLine",
    "ServiceContract",
    "SparePart",
    "SupportLevel",
    "Technician",
    "WorkOrder",
    "WorkOrderPart",
]


class Rma(models.Model):
    class Status(models.TextChoices):
        AUTHORIZED = "authorized", _("Authorized")
        RECEIVED = "received", _("Received")
        INSPECTED = "inspected", _("Inspected")
        RESOLVED = "resolved", _("Resolved")
        CANCELLED = "cancelled", _("Cancelled")

    class Resolution(models.TextChoices):
        REPAIR = "repair", _("Repair")
        REPLACE = "replace", _("Replace")
        REFUND = "refund", _("Refund")

    number = models.CharField(max_length=20, unique=True)
    customer_id = models.BigIntegerField(db_index=True)
    case = models.ForeignKey(Case, null=True, blank=True, on_delete=models.SET_NULL)
    status = models.CharField(max_length=12, choices=Status.choices, default="authorized")
    return_required = models.BooleanField(_("the goods come back"), default=True)
    reason = models.CharField(_("reason"), max_length=250)
    channel = models.CharField(max_length=40, default="web")
    received_at = models.DateTimeField(null=True, blank=True)
    received_location = models.CharField(max_length=40, blank=True)
    inspection = models.TextField(_("inspection"), blank=True)
    faulty = models.BooleanField(null=True)
    resolution = models.CharField(max_length=10, choices=Resolution.choices, blank=True)
    refund_amount = models.DecimalField(default=0, max_digits=12, decimal_places=2)
    created_at = models.DateTimeField()
    resolved_at = models.DateTimeField(null=True, blank=True)
    created_by = models.CharField(max_length=150, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("RMA")
        verbose_name_plural = _("RMAs")

    def __str__(self) -> str:
        return self.number


class RmaLine(models.Model):
    rma = models.ForeignKey(Rma, on_delete=models.CASCADE, related_name="lines")
    order_number = models.CharField(max_length=40)
    sku = models.CharField(max_length=60)
    quantity = models.PositiveIntegerField()
    serial = models.CharField(max_length=80, blank=True)
    # What commerce answered: the return (DEV-…), exchange or price adjustment it made.
    commerce_reference = models.CharField(max_length=60, blank=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.order_number} {self.sku} x{self.quantity}"


class Technician(models.Model):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    name = models.CharField(_("name"), max_length=120)
    skills = models.JSONField(_("skills"), default=list, blank=True)
    zones = models.JSONField(_("zones"), default=list, blank=True)
    day_start = models.TimeField(_("day starts"), default="08:00")
    day_end = models.TimeField(_("day ends"), default="17:00")
    hourly_rate = models.DecimalField(_("hourly rate"), default=0, max_digits=12, decimal_places=2)
    location = models.CharField(_("van / stock location"), max_length=40, blank=True)
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("technician")

    def __str__(self) -> str:
        return self.name


class WorkOrder(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        SCHEDULED = "scheduled", _("Scheduled")
        DONE = "done", _("Done")
        CANCELLED = "cancelled", _("Cancelled")

    number = models.CharField(max_length=20, unique=True)
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="work_orders")
    skill = models.CharField(_("skill"), max_length=60)
    zone = models.CharField(_("zone"), max_length=60)
    address = models.CharField(_("address"), max_length=250, blank=True)
    minutes = models.PositiveIntegerField(_("planned minutes"), default=60)
    status = models.CharField(max_length=10, choices=Status.choices, default="open")
    technician = models.ForeignKey(
        Technician, null=True, blank=True, on_delete=models.PROTECT, related_name="work_orders"
    )
    starts_at = models.DateTimeField(null=True, blank=True, db_index=True)
    ends_at = models.DateTimeField(null=True, blank=True)
    minutes_worked = models.PositiveIntegerField(default=0)
    labour_cost = models.DecimalField(default=0, max_digits=12, decimal_places=2)
    parts_cost = models.DecimalField(default=0, max_digits=12, decimal_places=2)
    report = models.TextField(_("technician's report"), blank=True)
    created_at = models.DateTimeField()
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["starts_at", "id"]
        verbose_name = _("work order")

    def __str__(self) -> str:
        return self.number


class SparePart(models.Model):
    sku = models.CharField(max_length=60, unique=True)
    name = models.CharField(_("name"), max_length=200)
    supplier = models.CharField(_("supplier"), max_length=120)
    unit_cost = models.DecimalField(_("unit cost"), max_digits=12, decimal_places=2)
    reorder_quantity = models.PositiveIntegerField(_("order this many"), default=10)

    class Meta:
        ordering = ["sku"]
        verbose_name = _("spare part")

    def __str__(self) -> str:
        return f"{self.sku} {self.name}"


class PartStock(models.Model):
    part = models.ForeignKey(SparePart, on_delete=models.CASCADE, related_name="stock")
    location = models.CharField(max_length=40)
    on_hand = models.IntegerField(default=0)
    minimum = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["part", "location"], name="svc_part_stock_once"),
            models.CheckConstraint(condition=models.Q(on_hand__gte=0), name="svc_part_stock_ge0"),
        ]

    def __str__(self) -> str:
        return f"{self.part_id}@{self.location}: {self.on_hand}"


class WorkOrderPart(models.Model):
    work_order = models.ForeignKey(WorkOrder, on_delete=models.CASCADE, related_name="parts")
    part = models.ForeignKey(SparePart, on_delete=models.PROTECT)
    location = models.CharField(max_length=40)
    quantity = models.PositiveIntegerField()
    unit_cost = models.DecimalField(max_digits=12, decimal_places=2)

    def __str__(self) -> str:
        return f"{self.part_id} x{self.quantity}"


class PurchaseOrder(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SENT = "sent", _("Sent")
        RECEIVED = "received", _("Received")

    number = models.CharField(max_length=20, unique=True)
    supplier = models.CharField(max_length=120)
    location = models.CharField(max_length=40)
    status = models.CharField(max_length=10, choices=Status.choices, default="draft")
    created_at = models.DateTimeField()
    sent_at = models.DateTimeField(null=True, blank=True)
    received_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("purchase order")

    def __str__(self) -> str:
        return self.number


class PurchaseOrderLine(models.Model):
    order = models.ForeignKey(PurchaseOrder, on_delete=models.CASCADE, related_name="lines")
    part = models.ForeignKey(SparePart, on_delete=models.PROTECT)
    quantity = models.PositiveIntegerField()
    unit_cost = models.DecimalField(max_digits=12, decimal_places=2)

    def __str__(self) -> str:
        return f"{self.part_id} x{self.quantity}"


class Defect(models.Model):
    product_sku = models.CharField(max_length=60, db_index=True)
    case = models.ForeignKey(Case, null=True, blank=True, on_delete=models.SET_NULL)
    code = models.CharField(_("defect code"), max_length=60, blank=True)
    description = models.TextField(_("description"))
    serial = models.CharField(max_length=80, blank=True)
    found_at = models.DateTimeField(db_index=True)
    reported_by = models.CharField(max_length=150, blank=True)

    class Meta:
        ordering = ["-found_at", "-id"]
        verbose_name = _("quality defect")

    def __str__(self) -> str:
        return f"{self.product_sku} {self.code}"


class DefectAlert(models.Model):
    """Engineering was told: a product's defects passed the threshold within the window."""

    product_sku = models.CharField(max_length=60)
    count = models.PositiveIntegerField()
    window_days = models.PositiveIntegerField()
    threshold = models.PositiveIntegerField()
    raised_at = models.DateTimeField()
    acknowledged_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-raised_at", "-id"]

    def __str__(self) -> str:
        return f"{self.product_sku} {self.count}/{self.window_days}d"
