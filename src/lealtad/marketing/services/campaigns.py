"""Creating and steering campaigns: check and save a campaign and its templates, then move
it through draft → scheduled/running → paused → done or cancelled.

Batch-first like the rest of the context: ``create`` takes a list (a form's one campaign is a
batch of one) and refuses the whole batch naming the row and field at fault.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from lealtad.core.audit import Actor
from lealtad.core.db import new_row, reserve_ids
from lealtad.core.errors import DomainError
from lealtad.core.write_batch import WriteBatch
from lealtad.marketing.channels import rendering
from lealtad.marketing.models import Campaign, MessageTemplate, Offer, Segment
from lealtad.marketing.models.campaigns import CampaignChannel, CampaignStatus

CHANNELS = frozenset(CampaignChannel.values)
SENDING = ("email", "sms", "call_list", "direct_mail")
PURPOSES = frozenset({"marketing", "service", "surveys"})
LANGUAGES = ("es", "en")
MOVES = {
    "launch": ({CampaignStatus.DRAFT, CampaignStatus.SCHEDULED}, CampaignStatus.RUNNING),
    "pause": ({CampaignStatus.RUNNING, CampaignStatus.SCHEDULED}, CampaignStatus.PAUSED),
    "resume": ({CampaignStatus.PAUSED}, CampaignStatus.RUNNING),
    "cancel": (
        {
            CampaignStatus.DRAFT,
            CampaignStatus.SCHEDULED,
            CampaignStatus.RUNNING,
            CampaignStatus.PAUSED,
        },
        CampaignStatus.CANCELLED,
    ),
}


class CampaignRefused(DomainError):
    code = "campaign_refused"
    kind = "invalid"


class CampaignNotFound(DomainError):
    code = "not_found"
    kind = "not_found"


class CampaignState(DomainError):
    code = "campaign_state"
    kind = "conflict"


@dataclass
class NewCampaign:
    name: str
    segment_id: int
    channels: list[str]
    objective: str = ""
    offer_id: int | None = None
    purpose: str = "marketing"
    topic: str = ""
    starts_at: datetime | None = None
    ends_at: datetime | None = None
    control_share: float = 0.1
    fixed_cost: Decimal | str | int = 0
    unit_costs: dict[str, Any] = field(default_factory=dict)
    conversion_days: int = 14


@dataclass
class NewTemplate:
    channel: str
    language: str
    subject: str = ""
    text_body: str = ""
    html_body: str = ""


def check(new: NewCampaign, where: str = "") -> None:
    def refuse(message: Any, name: str, **params: Any) -> CampaignRefused:
        return CampaignRefused(message, field=f"{where}{name}", **params)

    if not new.name.strip() or len(new.name) > 120:
        raise refuse(_("A campaign needs a name of at most 120 characters."), "name")
    if not new.channels:
        raise refuse(_("Choose at least one channel."), "channels")
    for index, channel in enumerate(new.channels):
        if channel not in CHANNELS:
            raise refuse(_("There is no channel %(c)s."), f"channels[{index}]", c=channel)
    if new.purpose not in PURPOSES:
        raise refuse(_("There is no consent purpose %(p)s."), "purpose", p=new.purpose)
    if not 0 <= new.control_share <= 0.5:
        raise refuse(_("The control share is between 0 and 0.5."), "control_share")
    if new.starts_at and new.ends_at and new.ends_at <= new.starts_at:
        raise refuse(_("A campaign ends after it starts."), "ends_at", kind="conflict")
    if not 1 <= new.conversion_days <= 365:
        raise refuse(_("The conversion window is 1 to 365 days."), "conversion_days")
    if len(new.topic) > 40 or len(new.objective) > 300:
        raise refuse(_("The topic is at most 40 characters, the objective 300."), "topic")
    _money(new.fixed_cost, refuse, "fixed_cost")
    for channel, cost in new.unit_costs.items():
        if channel not in CHANNELS:
            raise refuse(_("There is no channel %(c)s."), f"unit_costs.{channel}", c=channel)
        _money(cost, refuse, f"unit_costs.{channel}")


def _money(value: Any, refuse: Any, name: str) -> Decimal:
    try:
        amount = Decimal(str(value))
    except InvalidOperation:
        raise refuse(_("%(v)s is not an amount."), name, v=value) from None
    if not amount.is_finite() or amount < 0:
        raise refuse(_("An amount is zero or more."), name)
    return amount


def create(batch: Sequence[NewCampaign], actor: Actor) -> list[Campaign]:
    """Create every campaign of ``batch`` as a draft, or none."""
    for index, new in enumerate(batch):
        check(new, f"campaigns[{index}]." if len(batch) > 1 else "")
    _references(batch)
    now = timezone.now()
    with transaction.atomic():
        ids = reserve_ids(Campaign, len(batch))
        rows = [_row(new, pk, now, actor) for new, pk in zip(batch, ids, strict=True)]
        write = WriteBatch()
        write.add(*rows)
        write.flush()
    return rows


def _row(new: NewCampaign, pk: int, now: datetime, actor: Actor) -> Campaign:
    return new_row(
        Campaign,
        id=pk,
        name=new.name.strip(),
        objective=new.objective,
        segment_id=new.segment_id,
        offer_id=new.offer_id,
        channels=list(dict.fromkeys(new.channels)),
        purpose=new.purpose,
        topic=new.topic.strip(),
        starts_at=new.starts_at,
        ends_at=new.ends_at,
        control_share=new.control_share,
        fixed_cost=Decimal(str(new.fixed_cost)),
        unit_costs={k: str(v) for k, v in new.unit_costs.items()},
        conversion_days=new.conversion_days,
        created_at=now,
        updated_at=now,
        updated_by=actor.label,
    )


def _references(batch: Sequence[NewCampaign]) -> None:
    """Unknown segments and offers refuse the batch, naming the row."""
    segments = set(
        Segment.objects.filter(pk__in={n.segment_id for n in batch}).values_list("pk", flat=True)
    )
    offers = set(
        Offer.objects.filter(pk__in={n.offer_id for n in batch if n.offer_id}).values_list(
            "pk", flat=True
        )
    )
    for index, new in enumerate(batch):
        where = f"campaigns[{index}]." if len(batch) > 1 else ""
        if new.segment_id not in segments:
            raise CampaignNotFound(
                _("There is no segment %(s)s."), field=f"{where}segment_id", s=new.segment_id
            )
        if new.offer_id and new.offer_id not in offers:
            raise CampaignNotFound(
                _("There is no offer %(o)s."), field=f"{where}offer_id", o=new.offer_id
            )


def access(campaign_id: int, *, lock: bool = False) -> Campaign:
    rows = Campaign.objects.select_for_update() if lock else Campaign.objects
    found = rows.filter(pk=campaign_id).first()
    if found is None:
        raise CampaignNotFound(_("There is no campaign %(c)s."), field="campaign", c=campaign_id)
    return found


EDITABLE = {CampaignStatus.DRAFT, CampaignStatus.SCHEDULED, CampaignStatus.PAUSED}


def update(campaign_id: int, new: NewCampaign, actor: Actor) -> Campaign:
    """Change a campaign not yet running (a paused one too: its messages already planned keep
    their customers; the new channels and costs apply to what is still to send)."""
    check(new)
    _references([new])
    with transaction.atomic():
        campaign = access(campaign_id, lock=True)
        if campaign.status not in EDITABLE:
            raise CampaignState(
                _("A %(s)s campaign cannot be changed."), field="status", s=campaign.status
            )
        fresh = _row(new, campaign.pk, campaign.created_at, actor)
        fresh.status, fresh.planned_at = campaign.status, campaign.planned_at
        fresh.updated_at = timezone.now()
        fresh.save(force_update=True)
    return fresh


def save_templates(
    campaign_id: int, batch: Sequence[NewTemplate], actor: Actor
) -> list[MessageTemplate]:
    """Add or replace templates (one per channel and language); each is compiled first so a
    syntax error or an unknown placeholder is refused naming ``templates[i].field``."""
    for index, new in enumerate(batch):
        check_template(new, f"templates[{index}]" if len(batch) > 1 else "")
    now = timezone.now()
    with transaction.atomic():
        campaign = access(campaign_id, lock=True)
        if campaign.status not in EDITABLE:
            raise CampaignState(
                _("A %(s)s campaign cannot be changed."), field="status", s=campaign.status
            )
        saved = []
        for new in batch:
            row, _created = MessageTemplate.objects.update_or_create(
                campaign=campaign,
                channel=new.channel,
                language=new.language,
                defaults={
                    "subject": new.subject,
                    "text_body": new.text_body,
                    "html_body": new.html_body,
                    "updated_at": now,
                },
            )
            saved.append(row)
        campaign.updated_at, campaign.updated_by = now, actor.label
        campaign.save(update_fields=["updated_at", "updated_by"])
    return saved


def check_template(new: NewTemplate, where: str = "") -> rendering.CompiledTemplate:
    prefix = f"{where}." if where else ""
    if new.channel not in SENDING:
        raise CampaignRefused(
            _("Templates are for e-mail, SMS, call lists and direct mail, not %(c)s."),
            field=f"{prefix}channel",
            c=new.channel,
        )
    if new.language not in LANGUAGES:
        raise CampaignRefused(_("The language is es or en."), field=f"{prefix}language")
    if len(new.subject) > 200:
        raise CampaignRefused(_("A subject is at most 200 characters."), field=f"{prefix}subject")
    return rendering.compile_template(
        new.channel, new.language, new.subject, new.text_body, new.html_body, where
    )


def compiled(campaign: Campaign) -> dict[str, dict[str, rendering.CompiledTemplate]]:
    """Every template of the campaign compiled, by channel then language."""
    out: dict[str, dict[str, rendering.CompiledTemplate]] = {}
    for row in MessageTemplate.objects.filter(campaign=campaign):
        out.setdefault(row.channel, {})[row.language] = rendering.compile_template(
            row.channel, row.language, row.subject, row.text_body, row.html_body
        )
    return out


def ready(campaign: Campaign) -> dict[str, dict[str, rendering.CompiledTemplate]]:
    """Refuse a launch that could not send: a sending channel without a template."""
    templates = compiled(campaign)
    for channel in campaign.channels:
        if channel in ("email", "sms") and channel not in templates:
            raise CampaignRefused(
                _("The %(c)s channel has no template."), field="templates", c=channel
            )
    return templates


def move(campaign_id: int, action: str, actor: Actor) -> Campaign:
    """``launch``, ``pause``, ``resume`` or ``cancel``. A repeated click changes nothing.
    A campaign whose start is ahead is scheduled; ``sending.steer`` also plans the run."""
    if action not in MOVES:
        raise CampaignRefused(_("Choose launch, pause, resume or cancel."), field="action")
    allowed, target = MOVES[action]
    with transaction.atomic():
        campaign = access(campaign_id, lock=True)
        if campaign.status == target:
            return campaign
        if campaign.status not in allowed:
            raise CampaignState(
                _("A %(s)s campaign cannot %(a)s."), field="action", s=campaign.status, a=action
            )
        if action == "launch":
            ready(campaign)
            now = timezone.now()
            if campaign.starts_at and campaign.starts_at > now:
                target = CampaignStatus.SCHEDULED
        campaign.status, campaign.updated_at = target, timezone.now()
        campaign.updated_by = actor.label
        campaign.save(update_fields=["status", "updated_at", "updated_by"])
    return campaign
