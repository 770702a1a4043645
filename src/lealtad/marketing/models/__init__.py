"""The context's tables, one module per area; every model is imported here so Django sees it."""

from lealtad.marketing.models.campaigns import *  # noqa: F403  (campaigns and sending: its __all__)
from lealtad.marketing.models.offers import *  # noqa: F403  (next-best-offer: its __all__)
from lealtad.marketing.models.preferences import *  # noqa: F403  (preference center: its __all__)
from lealtad.marketing.models.responses import *  # noqa: F403  (responses: its __all__)
from lealtad.marketing.models.segments import *  # noqa: F403  (segments: its __all__)
