"""The analytics context's tables: one module per area, all re-exported here."""

from lealtad.analytics.models.basket import AssociationRule  # noqa: F401
from lealtad.analytics.models.cube import DataScope  # noqa: F401
from lealtad.analytics.models.economics import AcquisitionCost, MaturityAssessment  # noqa: F401
from lealtad.analytics.models.refresh import AnalyticsSettings, RefreshRun, TierChange  # noqa: F401
from lealtad.analytics.models.scorecard import ScorecardTarget, TargetDirection  # noqa: F401
from lealtad.analytics.models.usage import UsageReading  # noqa: F401
