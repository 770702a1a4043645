"""Value lists of the analytics context, with their labels in Spanish and English."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class ChurnDriver(models.TextChoices):
    """Why a customer's churn risk is what it is (codes of ``customer_value.churn.DRIVERS``)."""

    LOW_P_ALIVE = "low_p_alive", _("Unlikely to be still buying (low P(alive))")
    LONG_SINCE_LAST_PURCHASE = "long_since_last_purchase", _("Long since the last purchase")
    FEWER_PURCHASES = "fewer_purchases_than_usual", _("Fewer purchases than usual lately")
    RECENT_RETURN = "recent_return", _("Returned goods lately")
    MANY_CONTACTS = "many_contacts", _("Many contacts lately")
    # The supervised model's drivers are the features it learned from.
    RECENCY_DAYS = "recency_days", _("Days since the last purchase")
    PURCHASES = "purchases", _("Number of purchases")
    SPEND = "spend", _("Spend")
    TENURE_DAYS = "tenure_days", _("Time as a customer")
    CHANNELS = "channels", _("Channels used")
    CONTACTS = "contacts", _("Contacts")
    RETURNS = "returns", _("Returns")
    RECENT_CONTACTS = "recent_contacts", _("Contacts lately")
    RECENT_RETURNS = "recent_returns", _("Returns lately")


def driver_label(code: str) -> str:
    try:
        return str(ChurnDriver(code).label)
    except ValueError:
        return code
