"""The context's tables, one module per area; every model is imported here so Django sees it."""

from lealtad.loyalty.models.members import *  # noqa: F403
from lealtad.loyalty.models.programs import *  # noqa: F403
