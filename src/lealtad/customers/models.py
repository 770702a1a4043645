"""The customer record and everything attached to it."""

from __future__ import annotations

import re

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from lealtad.customers import choices


class Household(models.Model):
    """People who share a home (and often a landline, an address and a budget)."""

    name = models.CharField(_("name"), max_length=200)
    declared_size = models.PositiveSmallIntegerField(_("family size"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("household")
        verbose_name_plural = _("households")
        ordering = ["id"]

    def __str__(self) -> str:
        return self.name


class Customer(models.Model):
    """A person or organization the company knows: the ficha de cliente of seed 003.

    ``search_name`` holds the name without accents or case so "Juarez" finds "Juárez" on every
    database; the name as the customer wrote it is kept in the other fields.
    """

    kind = models.CharField(max_length=12, choices=choices.Kind.choices, default="person")
    given_names = models.CharField(_("given names"), max_length=120, blank=True)
    first_surname = models.CharField(_("first surname"), max_length=80, blank=True)
    second_surname = models.CharField(_("second surname"), max_length=80, blank=True)
    organization_name = models.CharField(_("organization name"), max_length=200, blank=True)
    display_name = models.CharField(max_length=250)
    search_name = models.CharField(max_length=250, db_index=True)
    national_id = models.CharField(_("national id"), max_length=20, blank=True)
    national_id_type = models.CharField(
        max_length=12, choices=choices.NationalIdType.choices, blank=True
    )
    national_id_valid = models.BooleanField(null=True)
    gender = models.CharField(_("gender"), max_length=8, choices=choices.Gender.choices, blank=True)
    language = models.CharField(_("language"), max_length=8, default="es")
    marital_status = models.CharField(
        _("marital status"), max_length=10, choices=choices.MaritalStatus.choices, blank=True
    )
    birth_date = models.DateField(_("birth date"), null=True, blank=True)
    income_band = models.CharField(
        _("income band"), max_length=14, choices=choices.IncomeBand.choices, blank=True
    )
    payment_methods = models.JSONField(_("payment methods"), default=list, blank=True)
    purchase_motives = models.JSONField(_("purchase motives"), default=list, blank=True)
    health_insurance = models.CharField(_("health insurance"), max_length=120, blank=True)
    preferred_channel = models.CharField(
        _("preferred channel"), max_length=20, choices=choices.Channel.choices, blank=True
    )
    lifecycle_status = models.CharField(
        _("status"),
        max_length=10,
        choices=choices.LifecycleStatus.choices,
        default=choices.LifecycleStatus.PROSPECT,
    )
    first_contact_at = models.DateTimeField(_("first contact"), null=True, blank=True)
    first_contact_channel = models.CharField(max_length=40, blank=True)
    merged_into = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="absorbed"
    )
    # Set when the person's data was erased (a data-subject request or a retention policy):
    # the row stays, nameless, so orders and counts keep their customer; nothing links to it.
    erased_at = models.DateTimeField(_("erased"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.CharField(_("captured by"), max_length=150, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("customer")
        verbose_name_plural = _("customers")
        ordering = ["id"]
        indexes = [models.Index(fields=["national_id"], name="customer_national_id_idx")]

    def __str__(self) -> str:
        return self.display_name


class HouseholdMember(models.Model):
    """A customer's place in a household."""

    class Role(models.TextChoices):
        HEAD = "head", _("Head of household")
        SPOUSE = "spouse", _("Spouse")
        CHILD = "child", _("Child")
        OTHER = "other", _("Other")

    household = models.ForeignKey(Household, on_delete=models.CASCADE, related_name="members")
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="households")
    role = models.CharField(max_length=10, choices=Role.choices, default=Role.OTHER)

    class Meta:
        verbose_name = _("household member")
        verbose_name_plural = _("household members")
        constraints = [
            models.UniqueConstraint(fields=["household", "customer"], name="household_member_once")
        ]

    def __str__(self) -> str:
        return f"{self.customer_id} in {self.household_id}"


class Phone(models.Model):
    """A phone number in E.164, with what the person typed and the line type it turned out to be."""

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="phones")
    e164 = models.CharField(max_length=20, db_index=True)
    raw = models.CharField(max_length=40, blank=True)
    kind = models.CharField(max_length=8, choices=choices.PhoneKind.choices, default="mobile")
    is_mobile = models.BooleanField(default=True)
    validity = models.CharField(
        max_length=16, choices=choices.PhoneValidity.choices, default=choices.PhoneValidity.VALID
    )
    is_primary = models.BooleanField(default=False)
    source = models.CharField(max_length=40, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("phone")
        verbose_name_plural = _("phones")
        ordering = ["-is_primary", "id"]
        constraints = [
            models.UniqueConstraint(fields=["customer", "e164"], name="phone_once_per_customer")
        ]

    def __str__(self) -> str:
        return self.e164


class Email(models.Model):
    """An email address, normalized for matching (lower-case domain, validated syntax)."""

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="emails")
    address = models.CharField(max_length=254, db_index=True)
    is_primary = models.BooleanField(default=False)
    source = models.CharField(max_length=40, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("e-mail")
        verbose_name_plural = _("e-mails")
        ordering = ["-is_primary", "id"]
        constraints = [
            models.UniqueConstraint(fields=["customer", "address"], name="email_once_per_customer")
        ]

    def __str__(self) -> str:
        return self.address


class Address(models.Model):
    """A postal address with its type and the period it is valid for (seed 002's screen)."""

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="addresses")
    kind = models.CharField(_("type"), max_length=10, choices=choices.AddressKind.choices)
    line1 = models.CharField(_("street"), max_length=200)
    line2 = models.CharField(_("reference"), max_length=200, blank=True)
    city = models.CharField(_("city"), max_length=100, blank=True)
    region = models.CharField(_("province / state"), max_length=100, blank=True)
    postal_code = models.CharField(_("postal code"), max_length=20, blank=True)
    country = models.CharField(_("country"), max_length=2, default="EC")
    valid_from = models.DateField(_("valid from"), null=True, blank=True)
    valid_to = models.DateField(_("valid to"), null=True, blank=True)
    source = models.CharField(max_length=40, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("address")
        verbose_name_plural = _("addresses")
        ordering = ["valid_to", "-valid_from", "id"]

    def __str__(self) -> str:
        return f"{self.line1}, {self.city}"


class Identifier(models.Model):
    """A key that names exactly one customer: deterministic identity resolution looks here.

    External ids carry their source system in ``system``; every other kind leaves it empty.
    """

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="identifiers")
    kind = models.CharField(max_length=12, choices=choices.IdentifierKind.choices)
    system = models.CharField(max_length=60, blank=True, default="")
    value = models.CharField(max_length=254)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("identifier")
        verbose_name_plural = _("identifiers")
        ordering = ["kind", "system", "value"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "system", "value"], name="identifier_unique")
        ]

    def __str__(self) -> str:
        return f"{self.kind}:{self.system + ':' if self.system else ''}{self.value}"


class Consent(models.Model):
    """The customer's current choice for one channel and purpose; history in ConsentChange."""

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="consents")
    channel = models.CharField(max_length=10, choices=choices.ConsentChannel.choices)
    purpose = models.CharField(max_length=12, choices=choices.ConsentPurpose.choices)
    granted = models.BooleanField()
    updated_at = models.DateTimeField()

    class Meta:
        verbose_name = _("consent")
        verbose_name_plural = _("consents")
        ordering = ["channel", "purpose"]
        constraints = [
            models.UniqueConstraint(
                fields=["customer", "channel", "purpose"], name="consent_once_per_purpose"
            )
        ]

    def __str__(self) -> str:
        return f"{self.channel}/{self.purpose}={'yes' if self.granted else 'no'}"


class ConsentChange(models.Model):
    """Every consent given or withdrawn: who recorded it, when, how, through which channel and
    with what proof. A double opt-in waits as ``pending`` (the current choice unchanged) until
    the customer confirms through the signed link."""

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="consent_log")
    channel = models.CharField(max_length=10, choices=choices.ConsentChannel.choices)
    purpose = models.CharField(max_length=12, choices=choices.ConsentPurpose.choices)
    granted = models.BooleanField()
    recorded_at = models.DateTimeField()
    recorded_by = models.CharField(max_length=150)
    method = models.CharField(max_length=120, blank=True)
    source_channel = models.CharField(max_length=40, blank=True)
    event_id = models.CharField(max_length=120, blank=True)
    proof = models.CharField(
        _("proof"), max_length=16, choices=choices.ConsentProof.choices, blank=True
    )
    proof_reference = models.CharField(_("proof reference"), max_length=200, blank=True)
    status = models.CharField(
        max_length=10, choices=choices.ConsentStatus.choices, default=choices.ConsentStatus.IN_FORCE
    )
    confirmed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("consent change")
        verbose_name_plural = _("consent changes")
        ordering = ["-recorded_at", "-id"]

    def __str__(self) -> str:
        return f"{self.customer_id} {self.channel}/{self.purpose}={self.granted}"


class Interaction(models.Model):
    """One contact with the customer on any channel: the timeline's unit."""

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="interactions")
    occurred_at = models.DateTimeField()
    channel = models.CharField(max_length=40)
    kind = models.CharField(max_length=40, default="contact")
    direction = models.CharField(max_length=10, choices=choices.Direction.choices, blank=True)
    subject = models.CharField(max_length=200, blank=True)
    summary = models.TextField(blank=True)
    agent = models.CharField(max_length=150, blank=True)
    location = models.CharField(max_length=150, blank=True)
    related_type = models.CharField(max_length=40, blank=True)
    related_id = models.CharField(max_length=80, blank=True)
    event_id = models.CharField(max_length=120, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("interaction")
        verbose_name_plural = _("interactions")
        ordering = ["-occurred_at", "-id"]
        indexes = [
            models.Index(fields=["customer", "-occurred_at"], name="timeline_idx"),
            # The cube's feed finds the interactions a pass of ingested events made by their
            # event ids: without it, a scan of every interaction per group of 200 messages
            # (40 deliveries a second at ten million interactions).
            models.Index(fields=["event_id"], name="interaction_event_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.occurred_at:%Y-%m-%d} {self.channel} {self.subject}"


class ChannelActivity(models.Model):
    """Read model kept by a hub subscriber: contacts per customer and channel, last contact."""

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="activity")
    channel = models.CharField(max_length=40)
    contacts = models.PositiveIntegerField(default=0)
    last_contact_at = models.DateTimeField(null=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["customer", "channel"], name="activity_per_channel")
        ]

    def __str__(self) -> str:
        return f"{self.customer_id}/{self.channel}: {self.contacts}"


class IdentityReview(models.Model):
    """Two customers one event named together: a person decides, nothing merges silently."""

    event_id = models.CharField(max_length=120, blank=True)
    customer_a = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="+")
    customer_b = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="+")
    reason = models.CharField(max_length=250)
    evidence = models.JSONField(default=dict)
    status = models.CharField(
        max_length=10, choices=choices.ReviewStatus.choices, default=choices.ReviewStatus.OPEN
    )
    created_at = models.DateTimeField(auto_now_add=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.CharField(max_length=150, blank=True)

    class Meta:
        verbose_name = _("identity review")
        verbose_name_plural = _("identity reviews")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.customer_a_id} ? {self.customer_b_id} ({self.status})"

    @property
    def reason_in_words(self) -> str:
        """The reason the matcher stored (English, kept as written for the audit) in the
        reader's language: a person deciding reads words, not the machine's note."""
        if self.reason == "one event named two customers":
            return str(_("One event named two customers"))
        found = re.fullmatch(r"probable match \(p=([0-9.]+)\)", self.reason)
        if found:
            share = f"{float(found.group(1)):.0%}"
            return str(_("Probable match (%(share)s likely)") % {"share": share})
        return self.reason


class Merge(models.Model):
    """A merge of one customer into another, with what moved, so it can be explained and undone."""

    survivor = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="merges_kept")
    absorbed = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="merges_gone")
    performed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    performed_by_label = models.CharField(max_length=150)
    reason = models.CharField(max_length=250)
    moved = models.JSONField(default=dict)
    snapshot = models.JSONField(default=dict)
    performed_at = models.DateTimeField(auto_now_add=True)
    undone_at = models.DateTimeField(null=True, blank=True)
    undone_by_label = models.CharField(max_length=150, blank=True)
    undo_reason = models.CharField(max_length=250, blank=True)

    class Meta:
        verbose_name = _("merge")
        verbose_name_plural = _("merges")
        ordering = ["-performed_at"]

    def __str__(self) -> str:
        return f"{self.absorbed_id} → {self.survivor_id}"


class DataQualityIssue(models.Model):
    """A contact point or profile field that looked odd at ingest, kept for a person to review.

    ``set_aside``: the value failed validation and was not written to the customer, who was
    written all the same (see docs/data-quality.md). ``flagged``: the value was written but
    deserves a look (a phone in a range libphonenumber does not know as assigned). Fixing one
    applies the corrected value through the customers services; both ways are audited.
    """

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="quality_issues")
    field = models.CharField(_("field"), max_length=40)
    path = models.CharField(max_length=120, blank=True)
    raw_value = models.TextField(_("value received"), blank=True)
    reason = models.CharField(_("reason"), max_length=300)
    kind = models.CharField(max_length=10, choices=choices.IssueKind.choices)
    source_channel = models.CharField(_("channel"), max_length=40, blank=True)
    event_id = models.CharField(max_length=120, blank=True)
    status = models.CharField(
        max_length=10, choices=choices.IssueStatus.choices, default=choices.IssueStatus.OPEN
    )
    created_at = models.DateTimeField(auto_now_add=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.CharField(max_length=150, blank=True)
    corrected_value = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["status", "field"], name="quality_status_field_idx"),
            models.Index(fields=["customer", "status"], name="quality_customer_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.customer_id} {self.field}: {self.reason} ({self.status})"


class CustomerStanding(models.Model):
    """What the analytics refresh learned of a customer: value tier, RFM, lifetime value,
    churn risk and lifecycle stage, written back here so routing, segments and offers read it
    with the record (one row per customer, replaced at each refresh through
    :mod:`lealtad.customers.services.standing`). Computed, never typed in: not audited per
    field; the changes that matter (tier, stage) are announced and put on the timeline.
    """

    customer = models.OneToOneField(
        Customer, on_delete=models.CASCADE, primary_key=True, related_name="standing"
    )
    value_tier = models.CharField(
        _("value tier"), max_length=12, choices=choices.ValueTier.choices, db_index=True
    )
    tier_since = models.DateField(_("tier since"), null=True)
    rfm_recency = models.PositiveSmallIntegerField(default=0)
    rfm_frequency = models.PositiveSmallIntegerField(default=0)
    rfm_monetary = models.PositiveSmallIntegerField(default=0)
    rfm_code = models.CharField(_("RFM"), max_length=8, blank=True, db_index=True)
    historic_value = models.DecimalField(max_digits=14, decimal_places=2, default=0)
    cost_to_serve = models.DecimalField(max_digits=14, decimal_places=2, default=0)
    clv = models.DecimalField(_("lifetime value"), max_digits=14, decimal_places=2, default=0)
    expected_purchases = models.FloatField(default=0)
    expected_spend = models.DecimalField(max_digits=14, decimal_places=2, default=0)
    p_alive = models.FloatField(_("P(alive)"), null=True)
    churn_risk = models.FloatField(_("churn risk"), null=True)
    churn_band = models.CharField(
        max_length=8, choices=choices.ChurnBand.choices, blank=True, db_index=True
    )
    churn_drivers = models.JSONField(default=list, blank=True)
    lifecycle_stage = models.CharField(
        _("lifecycle stage"), max_length=16, choices=choices.LifecycleStage.choices, db_index=True
    )
    lifecycle_since = models.DateField(null=True)
    orders = models.PositiveIntegerField(default=0)
    last_purchase_on = models.DateField(null=True)
    next_purchase_expected = models.DateField(null=True)
    computed_at = models.DateTimeField()
    run_id = models.BigIntegerField(null=True)

    def __str__(self) -> str:
        return f"{self.customer_id}: {self.value_tier}/{self.lifecycle_stage}"
