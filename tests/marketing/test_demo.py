"""The marketing and loyalty demo on top of the customer demo: what a marketer finds on a
first visit, built through the services, and nothing made twice."""

from __future__ import annotations

from datetime import date

import pytest

from lealtad.commerce.demo_history import Purchases
from lealtad.commerce.models import Order
from lealtad.customers.demo import loading
from lealtad.loyalty import demo as loyalty_demo
from lealtad.loyalty.models import LedgerEntry, Member
from lealtad.marketing import demo
from lealtad.marketing.models import Campaign, MessageTemplate, Offer, Segment, SegmentMember
from lealtad.marketing.services import sending

pytestmark = pytest.mark.django_db(transaction=True)  # the bulk loader sets its own pragmas


@pytest.fixture
def history() -> None:
    loading.load(
        customers=120,
        seed=3,
        interactions_per_customer=1,
        progress=None,
        today=date.today(),
        shoppers=Purchases(3),
    )


def test_the_demo_builds_segments_offers_and_a_campaign_once(history) -> None:
    first = demo.seed()
    assert (first.audience, first.segments, first.offers, first.campaigns) == (120, 4, 4, 1)
    both = Segment.objects.get(name="Compran en tienda y en la web")
    assert SegmentMember.objects.filter(segment=both).count() == both.member_count > 0
    assert set(Offer.objects.values_list("kind", flat=True)) == {
        "service",
        "cross_sell",
        "retention",
        "loyalty",
    }
    campaign = Campaign.objects.get(name=demo.WIN_BACK)
    assert campaign.status == "draft" and campaign.offer.code == "retencion-10"
    assert MessageTemplate.objects.filter(campaign=campaign).count() == 4
    someone = SegmentMember.objects.filter(segment=both).values_list("customer_id", flat=True)[0]
    shown = sending.preview(campaign.pk, "sms", "es", someone)
    assert "10 % de descuento" in str(shown)

    again = demo.seed()
    assert (again.segments, again.offers, again.campaigns) == (0, 0, 0)
    assert Campaign.objects.count() == 1 and Segment.objects.count() == 4


def test_the_club_earns_on_the_last_year_of_the_bulk_history(history) -> None:
    assert not Member.objects.exists()
    made = loyalty_demo.seed()
    assert made.members > 0 and made.entries > 0
    numbers = set(
        LedgerEntry.objects.filter(source_kind="order").values_list("source_id", flat=True)
    )
    recent = Order.objects.filter(number__in=numbers)
    assert recent.exists() and all(
        (date.today() - o.placed_at.date()).days <= loyalty_demo.HISTORY_DAYS for o in recent
    )
    assert loyalty_demo.seed().entries == 0  # the same orders earn once
