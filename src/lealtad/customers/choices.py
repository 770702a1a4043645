"""Value lists of the customer record ("ficha de cliente")."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Kind(models.TextChoices):
    PERSON = "person", _("Person")
    ORGANIZATION = "organization", _("Organization")


class Gender(models.TextChoices):
    FEMALE = "female", _("Female")
    MALE = "male", _("Male")
    OTHER = "other", _("Other")
    UNKNOWN = "", _("Not stated")


class MaritalStatus(models.TextChoices):
    SINGLE = "single", _("Single")
    MARRIED = "married", _("Married")
    UNION = "union", _("Civil union")
    DIVORCED = "divorced", _("Divorced")
    WIDOWED = "widowed", _("Widowed")
    UNKNOWN = "", _("Not stated")


class IncomeBand(models.TextChoices):
    LOW = "low", _("Low")
    LOWER_MIDDLE = "lower_middle", _("Lower middle")
    MIDDLE = "middle", _("Middle")
    UPPER_MIDDLE = "upper_middle", _("Upper middle")
    HIGH = "high", _("High")
    UNKNOWN = "", _("Not stated")


class LifecycleStatus(models.TextChoices):
    PROSPECT = "prospect", _("Prospect")
    CUSTOMER = "customer", _("Customer")
    FORMER = "former", _("Former customer")


class Channel(models.TextChoices):
    """Where a contact happens or an event comes from (seed 000's list of channels)."""

    WEB = "web", _("Web")
    POS = "pos", _("Store / point of sale")
    CALL_CENTER = "call_center", _("Contact center")
    KIOSK = "kiosk", _("Kiosk")
    IVR = "ivr", _("IVR")
    EMAIL = "email", _("Email")
    HANDHELD = "handheld", _("Store handheld")
    FAX = "fax", _("Fax")
    MOBILE = "mobile", _("Mobile")
    PARTNER = "partner", _("Partner")
    FIELD = "field", _("Field staff")
    MAIL = "mail", _("Direct mail")


class PhoneKind(models.TextChoices):
    MOBILE = "mobile", _("Mobile")
    HOME = "home", _("Home")
    WORK = "work", _("Work")
    OTHER = "other", _("Other")


class AddressKind(models.TextChoices):
    HOME = "home", _("Home")
    WORK = "work", _("Office")
    BILLING = "billing", _("Billing")
    SHIPPING = "shipping", _("Shipping")
    OTHER = "other", _("Other")


class IdentifierKind(models.TextChoices):
    """Keys that identify one person; a shared home landline is not one of them."""

    EMAIL = "email", _("Email")
    PHONE = "phone", _("Mobile phone")
    NATIONAL_ID = "national_id", _("National id")
    CARD = "card", _("Card")
    EXTERNAL = "external", _("External id")


class NationalIdType(models.TextChoices):
    CEDULA_EC = "cedula_ec", _("Cédula (Ecuador)")
    RUC_EC = "ruc_ec", _("RUC (Ecuador)")
    DNI_PE = "dni_pe", _("DNI (Peru)")
    RUC_PE = "ruc_pe", _("RUC (Peru)")
    CURP_MX = "curp_mx", _("CURP (Mexico)")
    RFC_MX = "rfc_mx", _("RFC (Mexico)")
    OTHER = "other", _("Other")


class ConsentChannel(models.TextChoices):
    EMAIL = "email", _("Email")
    SMS = "sms", _("SMS")
    PHONE = "phone", _("Phone call")
    WHATSAPP = "whatsapp", _("WhatsApp")
    MAIL = "mail", _("Postal mail")


class ConsentPurpose(models.TextChoices):
    MARKETING = "marketing", _("Marketing offers")
    SERVICE = "service", _("Service messages")
    SURVEYS = "surveys", _("Surveys")
    PROFILING = "profiling", _("Profiling and analytics")
    THIRD_PARTY = "third_party", _("Sharing with partners")


class Direction(models.TextChoices):
    INBOUND = "inbound", _("Inbound")
    OUTBOUND = "outbound", _("Outbound")
    INTERNAL = "internal", _("Internal")


class ReviewStatus(models.TextChoices):
    OPEN = "open", _("Open")
    MERGED = "merged", _("Merged")
    DISTINCT = "distinct", _("Not the same person")
    DEFERRED = "deferred", _("Decide later")


class PhoneValidity(models.TextChoices):
    """Whether libphonenumber knows the number's range as assigned: a flag, never a gate."""

    VALID = "valid", _("Valid")
    UNASSIGNED_RANGE = "unassigned_range", _("Range not known as assigned")


class IssueKind(models.TextChoices):
    SET_ASIDE = "set_aside", _("Set aside")
    FLAGGED = "flagged", _("Kept, flagged")


class IssueStatus(models.TextChoices):
    OPEN = "open", _("Open")
    FIXED = "fixed", _("Fixed")
    DISMISSED = "dismissed", _("Dismissed")


class ConsentProof(models.TextChoices):
    """What shows the customer really gave a consent (Ecuador's LOPDP: the controller must be
    able to prove it)."""

    SIGNED_FORM = "signed_form", _("Signed form")
    RECORDED_CALL = "recorded_call", _("Recorded call")
    DOUBLE_OPT_IN = "double_opt_in", _("Double opt-in (confirmed by email)")
    CHANNEL_EVENT = "channel_event", _("The channel's own record (event)")


class ConsentStatus(models.TextChoices):
    IN_FORCE = "in_force", _("In force")
    PENDING = "pending", _("Waiting for the customer's confirmation")


class ValueTier(models.TextChoices):
    """Seed 003's differentiation of customers by value (docs/analytics-value.md)."""

    MVC = "mvc", _("Most valuable")
    MGC = "mgc", _("Most growable")
    REGULAR = "regular", _("Regular")
    BELOW_ZERO = "below_zero", _("Below zero")
    UNKNOWN = "unknown", _("No purchases yet")


class LifecycleStage(models.TextChoices):
    """Where a customer is in their life with the company, computed from what they did."""

    PROSPECT = "prospect", _("Prospect")
    FIRST_PURCHASE = "first_purchase", _("First purchase")
    REPEAT = "repeat", _("Repeat")
    LOYAL = "loyal", _("Loyal")
    LAPSING = "lapsing", _("Lapsing")
    LAPSED = "lapsed", _("Lapsed")
    WON_BACK = "won_back", _("Won back")


class ChurnBand(models.TextChoices):
    LOW = "low", _("Low")
    MEDIUM = "medium", _("Medium")
    HIGH = "high", _("High")
    UNKNOWN = "", _("Not assessed")
