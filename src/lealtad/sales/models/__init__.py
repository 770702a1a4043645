"""The context's tables, one module per area; every model is imported here so Django sees it."""

from lealtad.sales.models.acquisition import *  # noqa: F403
from lealtad.sales.models.activities import *  # noqa: F403
from lealtad.sales.models.commissions import *  # noqa: F403
from lealtad.sales.models.leads import *  # noqa: F403
from lealtad.sales.models.opportunities import *  # noqa: F403
from lealtad.sales.models.pipelines import *  # noqa: F403
from lealtad.sales.models.quotas import *  # noqa: F403
from lealtad.sales.models.quotes import *  # noqa: F403
from lealtad.sales.models.teams import *  # noqa: F403
from lealtad.sales.models.telesales import *  # noqa: F403
from lealtad.sales.models.webforms import *  # noqa: F403
