"""Planning a campaign's run and handing its messages over, one chunk at a time.

**Planning** snapshots the segment's members into message rows (one per customer and sending
channel), draws the random control group and holds it out. The unique key (campaign,
customer, channel) makes a second plan add only the members who joined since.

**Sending a chunk** re-reads everything that may have changed since planning, right before
the hand-over: consent for the channel *and* purpose, the customer's topic and frequency
preferences, suppressions, the fatigue count across every campaign and channel, and the
customer's clock (quiet hours defer the message to the morning). So a one-click unsubscribe
arriving half-way through a send stops every later message of that send to that person.
"""

from __future__ import annotations

import random
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.db import connection, transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from lealtad.core.audit import Actor
from lealtad.core.db import insert_new, new_row
from lealtad.customers.selectors.reach import ReachFacts, reach_facts
from lealtad.marketing.channels import email as email_channel
from lealtad.marketing.channels import rendering
from lealtad.marketing.channels.base import Adapter, Handover, Outgoing, Send
from lealtad.marketing.channels.email import SmtpAdapter
from lealtad.marketing.channels.journal import Journal
from lealtad.marketing.channels.offline import CallListAdapter, DirectMailAdapter
from lealtad.marketing.channels.sms import SmsAdapter
from lealtad.marketing.models import Campaign, ContactPolicy, Message, SegmentMember
from lealtad.marketing.models.campaigns import CampaignStatus, MessageStatus, SkipReason
from lealtad.marketing.selectors import campaigns as read
from lealtad.marketing.selectors.preferences import Preferences, preferences_of
from lealtad.marketing.services import campaigns, contact_policy

PLAN_CHUNK = 20_000
UPDATE_ROWS = 400
QUIET_CHANNELS = ("email", "sms")  # the dialer keeps its own calling hours; post has none


def adapters() -> dict[str, Adapter]:
    return {
        "email": SmtpAdapter(),
        "sms": SmsAdapter(),
        "call_list": CallListAdapter(),
        "direct_mail": DirectMailAdapter(),
    }


def steer(campaign_id: int, action: str, actor: Actor) -> Campaign:
    """Launch, pause, resume or cancel; a launch (or a resume) plans what is not planned."""
    campaign = campaigns.move(campaign_id, action, actor)
    if action in ("launch", "resume") and campaign.status == CampaignStatus.RUNNING:
        plan(campaign.pk)
    return campaign


def plan(campaign_id: int, rng: random.Random | None = None) -> int:
    """Snapshot the segment's members not planned yet; answers how many messages were made.
    Control customers are drawn uniformly at random (exactly ``round(n * share)`` of the new
    members) and held out on every channel."""
    draw = rng or random.SystemRandom()
    with transaction.atomic():
        campaign = campaigns.access(campaign_id, lock=True)
        channels = [c for c in campaign.channels if c in read.SENDING_CHANNELS]
        planned = set(
            Message.objects.filter(campaign=campaign).values_list("customer_id", flat=True)
        )
        members = [
            cid
            for cid in SegmentMember.objects.filter(segment_id=campaign.segment_id)
            .order_by("customer_id")
            .values_list("customer_id", flat=True)
            .iterator(chunk_size=PLAN_CHUNK)
            if cid not in planned
        ]
        control = set(draw.sample(members, round(len(members) * campaign.control_share)))
        made = 0
        for start in range(0, len(members), PLAN_CHUNK):
            rows = [
                new_row(
                    Message,
                    campaign_id=campaign.pk,
                    customer_id=cid,
                    channel=channel,
                    is_control=cid in control,
                    status=MessageStatus.HELD_OUT if cid in control else MessageStatus.PLANNED,
                )
                for cid in members[start : start + PLAN_CHUNK]
                for channel in channels
            ]
            insert_new(rows)
            made += len(rows)
        campaign.planned_at = timezone.now()
        campaign.save(update_fields=["planned_at"])
    return made


@dataclass
class Gate:
    """The facts one chunk is checked against, read once for the whole chunk."""

    campaign: Campaign
    rules: ContactPolicy
    now: datetime
    facts: dict[str, dict[int, ReachFacts]]
    preferences: dict[int, Preferences]
    suppressed: dict[str, tuple[set[str], set[int]]]
    recent: dict[int, dict[int, int]]  # window in days → customer → messages
    offer: dict[str, dict[str, str]] = field(default_factory=dict)  # by language
    taken: dict[int, int] = field(default_factory=lambda: defaultdict(int))


def gate_for(campaign: Campaign, rows: list[tuple[int, int, str]], now: datetime) -> Gate:
    rules = contact_policy.policy()
    by_channel: dict[str, list[int]] = defaultdict(list)
    for _pk, cid, channel in rows:
        by_channel[channel].append(cid)
    facts = {
        channel: reach_facts(ids, read.CONSENT_CHANNEL[channel], campaign.purpose)
        for channel, ids in by_channel.items()
    }
    suppressed = {
        channel: read.suppressed(
            read.CONSENT_CHANNEL[channel],
            [
                f.address.lower() if channel == "email" else f.address
                for f in facts[channel].values()
            ],
            ids,
        )
        for channel, ids in by_channel.items()
    }
    customers = {cid for _pk, cid, _c in rows}
    return Gate(
        campaign=campaign,
        rules=rules,
        now=now,
        facts=facts,
        preferences=preferences_of(customers),
        suppressed=suppressed,
        recent=_recent(customers, now, {rules.per_days, 7, 30}),
        offer={language: _offer(campaign, language) for language in ("es", "en")},
    )


def _recent(customers: set[int], now: datetime, windows: set[int]) -> dict[int, dict[int, int]]:
    """Messages each customer was sent in each window, every campaign and channel: one query."""
    longest = max(windows)
    aggregates = {
        f"d{days}": Count("id", filter=Q(sent_at__gte=now - timedelta(days=days)))
        for days in windows
    }
    out: dict[int, dict[int, int]] = {days: {} for days in windows}
    ids = list(customers)
    for start in range(0, len(ids), 2000):
        rows = (
            Message.objects.filter(
                customer_id__in=ids[start : start + 2000],
                status__in=contact_policy.CONTACTED,
                channel__in=contact_policy.REACHING,
                sent_at__gte=now - timedelta(days=longest),
            )
            .values("customer_id")
            .annotate(**aggregates)
        )
        for row in rows:
            for days in windows:
                out[days][row["customer_id"]] = row[f"d{days}"]
    return out


def _offer(campaign: Campaign, language: str = "es") -> dict[str, str]:
    """The campaign's offer as plain values in the customer's language."""
    offer = campaign.offer
    if offer is None:
        return {}
    if language == "en":
        return {"name": offer.name_en, "pitch": offer.pitch_en, "code": offer.code}
    return {"name": offer.name_es, "pitch": offer.pitch_es, "code": offer.code}


@dataclass
class Verdict:
    status: str = ""
    reason: str = ""
    not_before: datetime | None = None


def judge(gate: Gate, customer_id: int, channel: str) -> Verdict | ReachFacts:
    """Why this message may not go now (a :class:`Verdict`), or the facts to send it with."""
    facts = gate.facts[channel].get(customer_id)
    if facts is None:
        return Verdict(MessageStatus.SKIPPED, SkipReason.GONE)
    if not facts.consent:
        return Verdict(MessageStatus.SKIPPED, SkipReason.NO_CONSENT)
    if not facts.address:
        return Verdict(MessageStatus.SKIPPED, SkipReason.NO_ADDRESS)
    addresses, customers = gate.suppressed[channel]
    address = facts.address.lower() if channel == "email" else facts.address
    if address in addresses or customer_id in customers:
        return Verdict(MessageStatus.SUPPRESSED, SkipReason.SUPPRESSED)
    wishes = gate.preferences.get(customer_id) or Preferences(customer_id)
    if wishes.refuses(gate.campaign.topic):
        return Verdict(MessageStatus.SKIPPED, SkipReason.REFUSED_TOPIC)
    taken = gate.taken[customer_id]
    period = wishes.period_days or 7
    sent = gate.recent.get(period, {}).get(customer_id, 0) + taken
    if not wishes.allows(gate.campaign.topic, gate.campaign.purpose == "service", sent):
        return Verdict(MessageStatus.SKIPPED, SkipReason.FREQUENCY)
    if gate.recent[gate.rules.per_days].get(customer_id, 0) + taken >= gate.rules.max_messages:
        return Verdict(MessageStatus.SKIPPED, SkipReason.FATIGUE)
    if channel in QUIET_CHANNELS:
        zone = contact_policy.customer_zone(facts.country, facts.region, gate.rules.default_zone)
        if (morning := contact_policy.in_quiet_hours(gate.now, zone, gate.rules)) is not None:
            return Verdict(MessageStatus.DEFERRED, "", morning)
    return facts


def outgoing(gate: Gate, pk: int, facts: ReachFacts, channel: str) -> Outgoing:
    wishes = gate.preferences.get(facts.customer_id)
    language = (
        wishes.language if wishes and wishes.language in ("es", "en") else ""
    ) or facts.language
    values = rendering.values_for(facts, gate.campaign.name, gate.offer.get(language))
    values["email" if channel == "email" else "phone"] = facts.address
    return Outgoing(pk, facts.customer_id, facts.address, language, values)


def send_chunk(
    campaign: Campaign,
    templates: dict[str, dict[str, rendering.CompiledTemplate]],
    journal: Journal,
    rows: list[tuple[int, int, str]],
    now: datetime | None = None,
    channel_adapters: dict[str, Adapter] | None = None,
) -> dict[str, int]:
    """Gate and hand over one claimed chunk (rows: message id, customer, channel, all in
    ``sending``); write every outcome. Answers counts per outcome."""
    moment = now or timezone.now()
    gate = gate_for(campaign, rows, moment)
    verdicts: dict[tuple[str, str, datetime | None], list[int]] = defaultdict(list)
    leaving: dict[str, list[Outgoing]] = defaultdict(list)
    addresses: dict[int, tuple[str, str]] = {}
    for pk, cid, channel in rows:
        result = judge(gate, cid, channel)
        if isinstance(result, Verdict):
            verdicts[(result.status, result.reason, result.not_before)].append(pk)
            continue
        gate.taken[cid] += 1
        item = outgoing(gate, pk, result, channel)
        leaving[channel].append(item)
        addresses[pk] = (item.address, item.language)
    _write_verdicts(verdicts)
    _write_addresses(addresses)
    counts: dict[str, int] = defaultdict(int)
    for status, reason, _when in verdicts:
        counts[reason or status] += len(verdicts[(status, reason, _when)])
    use = channel_adapters or adapters()
    for channel, items in leaving.items():
        send = Send(campaign.pk, campaign.name, templates.get(channel, {}), journal)
        handover = use[channel].hand_over(send, items)
        record(handover, timezone.now())
        counts["sent"] += len(handover.handed)
        counts["failed"] += len(handover.refused)
        counts["untried"] += len(handover.untried)
    journal.clear()
    return dict(counts)


def _write_verdicts(verdicts: dict[tuple[str, str, datetime | None], list[int]]) -> None:
    with transaction.atomic():
        for (status, reason, not_before), ids in verdicts.items():
            Message.objects.filter(pk__in=ids).update(
                status=status, reason=reason, not_before=not_before
            )


def _write_addresses(addresses: dict[int, tuple[str, str]]) -> None:
    """The address and language each message goes out with (kept for responses, a resumed
    send and the direct-mail file), written before the hand-over."""
    with transaction.atomic():
        update_each(addresses, ("address", "language"), {})


def update_each(
    values: dict[int, tuple[Any, ...]], columns: tuple[str, ...], fixed: dict[str, Any]
) -> None:
    """One UPDATE per few hundred messages, each row its own values (a CASE on the id) and
    the ``fixed`` ones: ``bulk_update`` builds an ORM expression per row, and even a plain
    ``pk__in`` update prepares every id through the ORM (~10 µs each), more than signing a
    message's links."""
    table = connection.ops.quote_name(Message._meta.db_table)
    items = list(values.items())
    with connection.cursor() as cursor:
        for start in range(0, len(items), UPDATE_ROWS):
            part = items[start : start + UPDATE_ROWS]
            sets, params = [], []
            for index, column in enumerate(columns):
                whens = " ".join(["WHEN %s THEN %s"] * len(part))
                sets.append(f"{connection.ops.quote_name(column)} = CASE id {whens} END")
                params += [item for pk, row in part for item in (pk, row[index])]
            for column, value in fixed.items():
                sets.append(f"{connection.ops.quote_name(column)} = %s")
                params.append(value)
            marks = ", ".join(["%s"] * len(part))
            params += [pk for pk, _row in part]
            cursor.execute(f"UPDATE {table} SET {', '.join(sets)} WHERE id IN ({marks})", params)


def record(handover: Handover, at: datetime) -> None:
    """Write what became of the hand-over: sent, failed (the server's refusal), or planned
    again (never tried)."""
    when = connection.ops.adapt_datetimefield_value(at)
    with transaction.atomic():
        providers: dict[str, list[int]] = defaultdict(list)
        for pk, provider_id in handover.handed.items():
            providers[provider_id].append(pk)
        if len(providers) > 20:
            rows = {pk: (provider,) for pk, provider in handover.handed.items()}
            update_each(rows, ("provider_id",), {"status": MessageStatus.SENT, "sent_at": when})
        else:
            for provider_id, ids in providers.items():
                fixed = {"status": MessageStatus.SENT, "sent_at": when, "provider_id": provider_id}
                update_each(dict.fromkeys(ids, ()), (), fixed)
        if handover.refused:
            rows = {pk: (error[:300],) for pk, error in handover.refused.items()}
            update_each(rows, ("error",), {"status": MessageStatus.FAILED})
        if handover.untried:
            Message.objects.filter(pk__in=handover.untried).update(status=MessageStatus.PLANNED)


def preview(campaign_id: int, channel: str, language: str, customer_id: int) -> dict[str, Any]:
    """The template rendered for one customer as they would receive it (links point at a
    preview: no message exists)."""
    campaign = campaigns.access(campaign_id)
    templates = campaigns.compiled(campaign)
    template = templates.get(channel, {}).get(language)
    if template is None:
        raise campaigns.CampaignRefused(
            _("There is no %(c)s template in %(l)s."), field="channel", c=channel, l=language
        )
    consent_channel = read.CONSENT_CHANNEL[channel]
    facts = reach_facts([customer_id], consent_channel, campaign.purpose).get(customer_id)
    if facts is None:
        raise campaigns.CampaignNotFound(
            _("There is no customer %(c)s."), field="customer_id", c=customer_id
        )
    values = rendering.with_links(
        rendering.values_for(facts, campaign.name, _offer(campaign, language)), None, customer_id
    )
    return {
        "subject": template.subject.render(values),
        "text": template.text.render(values),
        "html": template.html.render(values) if template.html else "",
        "address": facts.address,
        "consent": facts.consent,
    }


SAMPLE = {"first_name": "Ana", "name": "Ana Pérez", "city": "Quito"}


def test_send(campaign_id: int, to: str, language: str, customer_id: int | None) -> dict[str, str]:
    """The e-mail template sent to one address, subject marked [TEST], personalised as the
    chosen customer (or a sample); no message is recorded and no consent is asked."""
    address = to.strip()
    if "@" not in address or " " in address or len(address) > 254:
        raise campaigns.CampaignRefused(_("%(a)s is not an e-mail address."), field="to", a=to)
    campaign = campaigns.access(campaign_id)
    template = campaigns.compiled(campaign).get("email", {}).get(language)
    if template is None:
        raise campaigns.CampaignRefused(
            _("There is no %(c)s template in %(l)s."), field="language", c="email", l=language
        )
    values = {**SAMPLE, "campaign.name": campaign.name}
    if customer_id is not None:
        facts = reach_facts([customer_id], "email", campaign.purpose).get(customer_id)
        if facts is None:
            raise campaigns.CampaignNotFound(
                _("There is no customer %(c)s."), field="customer_id", c=customer_id
            )
        values = rendering.values_for(facts, campaign.name, _offer(campaign, language))
    email_channel.send_test(template, campaign.pk, address, values)
    return {"sent_to": address, "language": language}
