"""A campaign's results: who it was meant for, what went, what came back, what it earned and
cost, and whether it made a difference (lift over the random control group, with a 95 %
interval from :mod:`lealtad.marketing_engine.lift`).

The lift is intent-to-treat: everyone drawn into the treated group against everyone held
out, whether or not a message finally went (a consent withdrawn meanwhile, a full mailbox),
because the control group was drawn from the same audience before those checks. Revenue is
net of returns. A few aggregate queries per campaign, none per customer.
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from dataclasses import asdict, dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Count, Q

from lealtad.marketing.models import Bounce, Campaign, Click, Conversion, Message, Unsubscribe
from lealtad.marketing.models.campaigns import MessageStatus
from lealtad.marketing_engine.lift import MeanLift, Moments, RateLift, moments_lift, rate_lift

SENT = (MessageStatus.SENT, MessageStatus.DELIVERED, MessageStatus.BOUNCED)


@dataclass(frozen=True)
class Results:
    campaign_id: int
    name: str
    status: str
    audience: int
    treated: int
    control: int
    sent: int
    delivered: int
    bounced: int
    complaints: int
    unsubscribed: int
    clicks: int
    unique_clicks: int
    converted: int
    control_converted: int
    revenue: Decimal
    control_revenue: Decimal
    cost: Decimal
    roi: float | None  # (revenue - cost) / cost
    incremental_revenue: Decimal | None  # revenue beyond what the control's rate predicts
    conversion: RateLift
    revenue_per_recipient: MeanLift

    def as_dict(self) -> dict[str, Any]:
        found = asdict(self)
        found["conversion"] = {
            **asdict(self.conversion),
            "significant": self.conversion.significant,
        }
        found["revenue_per_recipient"] = {
            **asdict(self.revenue_per_recipient),
            "significant": self.revenue_per_recipient.significant,
        }
        return found


def _groups(campaign_id: int) -> tuple[int, int]:
    """Customers in the treated and the control group (one customer, several channels: once)."""
    rows = (
        Message.objects.filter(campaign_id=campaign_id)
        .values("is_control")
        .annotate(n=Count("customer_id", distinct=True))
    )
    found = {r["is_control"]: r["n"] for r in rows}
    return found.get(False, 0), found.get(True, 0)


def _sending(campaign_id: int) -> tuple[int, int, dict[str, int]]:
    """Messages sent, delivered (sent and not bounced) and sent per channel."""
    per_channel: dict[str, int] = defaultdict(int)
    bounced_status = 0
    for channel, status, n in (
        Message.objects.filter(campaign_id=campaign_id, status__in=SENT)
        .values_list("channel", "status")
        .annotate(n=Count("id"))
    ):
        per_channel[channel] += n
        if status == MessageStatus.BOUNCED:
            bounced_status += n
    sent = sum(per_channel.values())
    return sent, bounced_status, dict(per_channel)


def _cost(campaign: Campaign, per_channel: dict[str, int]) -> Decimal:
    cost = Decimal(campaign.fixed_cost)
    for channel, n in per_channel.items():
        unit = (campaign.unit_costs or {}).get(channel)
        if unit not in (None, ""):
            cost += Decimal(str(unit)) * n
    return cost.quantize(Decimal("0.01"))


def _conversions(campaign_id: int) -> dict[bool, dict[int, Decimal]]:
    """Net revenue per converted customer, per group."""
    found: dict[bool, dict[int, Decimal]] = {False: {}, True: {}}
    for is_control, customer_id, revenue, returned in Conversion.objects.filter(
        campaign_id=campaign_id
    ).values_list("is_control", "customer_id", "revenue", "returned"):
        group = found[is_control]
        group[customer_id] = group.get(customer_id, Decimal(0)) + revenue - returned
    return found


def _per_recipient(revenue: dict[int, Decimal], size: int) -> Moments:
    """Every customer of the group: what they spent, zeros for those who did not buy."""
    values = [float(v) for v in revenue.values()]
    return Moments.of(values, max(size, len(values)))


def results(campaign_id: int) -> Results | None:
    campaign = Campaign.objects.filter(pk=campaign_id).first()
    if campaign is None:
        return None
    treated, control = _groups(campaign_id)
    sent, bounced_status, per_channel = _sending(campaign_id)
    bounces = Bounce.objects.filter(campaign_id=campaign_id).aggregate(
        hard=Count("message_id", filter=Q(kind="hard"), distinct=True),
        complaints=Count("id", filter=Q(kind="complaint")),
    )
    bounced = max(bounced_status, bounces["hard"])
    clicks = Click.objects.filter(campaign_id=campaign_id).aggregate(
        all=Count("id"), unique=Count("id", filter=Q(first=True))
    )
    conversions = _conversions(campaign_id)
    revenue = sum(conversions[False].values(), Decimal(0))
    control_revenue = sum(conversions[True].values(), Decimal(0))
    cost = _cost(campaign, per_channel)
    rate = rate_lift(len(conversions[False]), treated, len(conversions[True]), control)
    per_recipient = moments_lift(
        _per_recipient(conversions[False], treated), _per_recipient(conversions[True], control)
    )
    incremental = None
    if control and treated:
        expected = control_revenue / control * treated
        incremental = (revenue - expected).quantize(Decimal("0.01"))
    return Results(
        campaign_id=campaign.pk,
        name=campaign.name,
        status=campaign.status,
        audience=treated + control,
        treated=treated,
        control=control,
        sent=sent,
        delivered=sent - bounced,
        bounced=bounced,
        complaints=bounces["complaints"],
        unsubscribed=Unsubscribe.objects.filter(campaign_id=campaign_id).count(),
        clicks=clicks["all"],
        unique_clicks=clicks["unique"],
        converted=len(conversions[False]),
        control_converted=len(conversions[True]),
        revenue=revenue.quantize(Decimal("0.01")),
        control_revenue=control_revenue.quantize(Decimal("0.01")),
        cost=cost,
        roi=float((revenue - cost) / cost) if cost > 0 else None,
        incremental_revenue=incremental,
        conversion=rate,
        revenue_per_recipient=per_recipient,
    )


CSV_FIELDS = (
    "campaign_id", "name", "status", "audience", "treated", "control", "sent", "delivered",
    "bounced", "complaints", "unsubscribed", "clicks", "unique_clicks", "converted",
    "control_converted", "revenue", "control_revenue", "cost", "roi", "incremental_revenue",
)  # fmt: skip
LIFT_FIELDS = ("treated_rate", "control_rate", "absolute", "relative", "ci_low", "ci_high")


def csv_rows(found: Results) -> list[tuple[str, Any]]:
    """The results as (measure, value) pairs: one line each in the CSV export."""
    flat = found.as_dict()
    rows: list[tuple[str, Any]] = [(name, flat[name]) for name in CSV_FIELDS]
    rows += [(f"conversion_{n}", flat["conversion"][n]) for n in LIFT_FIELDS]
    rows += [
        (f"revenue_per_recipient_{n}", flat["revenue_per_recipient"][n])
        for n in ("treated_mean", "control_mean", "absolute", "relative", "ci_low", "ci_high")
    ]
    return rows


def safe_cell(value: Any) -> Any:
    """A cell a spreadsheet will not run as a formula (a campaign named ``=HYPERLINK(…)``);
    numbers, negative ones included, stay numbers."""
    if value is None or isinstance(value, int | float | Decimal):
        return value
    text = str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def as_csv(found: Results) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["measure", "value"])
    writer.writerows((name, safe_cell(value)) for name, value in csv_rows(found))
    return out.getvalue()
