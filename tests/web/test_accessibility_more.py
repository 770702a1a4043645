"""axe-core on the rest of the pages people work in (issue 17): marketing (segments, campaigns,
offers, calendar, suppressions), loyalty, the store's back room (transfers, a receipt), the
merge page and the customer page with orders, in Spanish on a laptop, and the store's pages at
360 px. No serious or critical violation may remain."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import Browser

from lealtad.commerce import demo as commerce_demo
from lealtad.commerce.models import Order
from lealtad.commerce.schemas import TransferIn, TransferLineIn
from lealtad.commerce.services import SaleContext, transfers
from lealtad.core.audit import Actor
from lealtad.customers.models import IdentityReview
from lealtad.loyalty.services import members
from lealtad.marketing import demo as marketing_demo
from lealtad.marketing.models import Campaign, Segment
from lealtad.marketing.selectors import offer_program
from tests.loyalty.helpers import program

from .conftest import build_review_pair
from .test_accessibility import _context_page, sign_in, violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def shop(db: Any) -> Iterator[dict[str, Any]]:
    """A customer with orders and an exchange, a loyalty member, a transfer on its way to be
    asked for, the marketing demo (segments, offers, a draft campaign) and a review pair."""
    offer_program.forget()
    commerce_demo.cross_channel()
    order = Order.objects.order_by("pk").first()
    assert order is not None
    made, _ = transfers.request_transfer(
        TransferIn(
            from_location=commerce_demo.WAREHOUSE,
            to_location=commerce_demo.STORE_HOME,
            lines=[TransferLineIn(sku=commerce_demo.SHIRT_M, quantity=1)],
            channel="handheld",
        ),
        SaleContext(Actor(label="carlos.tienda", channel="handheld"), "handheld"),
    )
    member = members.enrol(program(), [order.customer_id])[order.customer_id]
    marketing_demo.seed()
    build_review_pair()
    yield {
        "customer": order.customer_id,
        "order": order.number,
        "transfer": made.number,
        "member": member.pk,
        "segment": Segment.objects.order_by("pk").first().pk,  # type: ignore[union-attr]
        "campaign": Campaign.objects.get().pk,
        "review": IdentityReview.objects.get().pk,
    }
    offer_program.forget()


LAPTOP_PAGES = [
    "/customers/{customer}/",
    "/customers/reviews/{review}/merge/",
    "/marketing/",
    "/marketing/segments/",
    "/marketing/segments/new",
    "/marketing/segments/{segment}/",
    "/marketing/campaigns/",
    "/marketing/campaigns/{campaign}/",
    "/marketing/offers/",
    "/marketing/offers/new/",
    "/marketing/calendar/",
    "/marketing/suppressions/",
    "/loyalty/",
    "/loyalty/members/{member}/",
    "/store/transfers/",
    "/store/transfers/{transfer}/",
    "/store/orders/{order}/receipt/",
]  # the service desk and the contact center: test_accessibility.py

PHONE_PAGES = [
    "/store/transfers/",
    "/store/transfers/{transfer}/",
    "/store/orders/{order}/",
    "/store/orders/{order}/receipt/",
    "/customers/{customer}/",
]


def _check(browser: Browser, base: str, width: int, paths: list[str], shop: dict) -> dict:
    page = _context_page(browser, width)
    sign_in(page, base, "marta.gerente")
    found: dict[str, list[str]] = {}
    for path in paths:
        answer = page.goto(base + path.format(**shop))
        assert answer is not None and answer.status == 200, path
        page.wait_for_load_state("networkidle")
        if problems := violations(page):
            found[path] = problems
        if width <= 360:
            scroll = page.evaluate("document.documentElement.scrollWidth")
            if scroll > width:
                found.setdefault(path, []).append(f"scrolls sideways ({scroll} px)")
    page.context.close()
    return found


def test_every_working_page_on_a_laptop(
    browser: Browser, live_server, make_user, shop: dict
) -> None:
    make_user("marta.gerente", "manager")
    assert _check(browser, live_server.url, 1280, LAPTOP_PAGES, shop) == {}


def test_the_store_pages_and_the_customer_at_360_px(
    browser: Browser, live_server, make_user, shop: dict
) -> None:
    make_user("marta.gerente", "manager")
    assert _check(browser, live_server.url, 360, PHONE_PAGES, shop) == {}
