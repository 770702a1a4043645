"""Value rules of marketing's API bodies, stated in the schema (see
:mod:`lealtad.core.schema_values`): amounts as text, codes as the lists the services accept."""

from __future__ import annotations

from lealtad.core.schema_values import decimal_text, one_of
from lealtad.customers.choices import ChurnBand, LifecycleStage, ValueTier
from lealtad.marketing.models import CapPeriod, OfferKind, OfferPurpose

Money = decimal_text(10, 2, zero=True)
UnitCost = decimal_text(6, 4, zero=True)
OfferKindCode = one_of(OfferKind.values)
OfferPurposeCode = one_of(OfferPurpose.values)
CapPeriodCode = one_of(CapPeriod.values)
TierCode = one_of(ValueTier.values)
StageCode = one_of(LifecycleStage.values)
ChurnBandCode = one_of(v for v in ChurnBand.values if v)
