"""The commission pages: rules added (an overlapping one refused with both named), a
period previewed then settled once, the admin refusing an overlapping rule too."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.contrib.auth.models import Group, User
from django.test import Client
from django.utils import timezone

from lealtad.commerce import demo
from lealtad.sales.models import CommissionRule, CommissionSale, CommissionStatement
from tests.loyalty.helpers import dispatch, place
from tests.two_factor import verified_login

pytestmark = pytest.mark.django_db


@pytest.fixture
def manager(db: Any) -> Client:
    client = Client()
    user = User.objects.create_user("gerente", password="x-Secret-9")
    user.groups.add(Group.objects.get_or_create(name="sales_manager")[0])
    assert client.login(username="gerente", password="x-Secret-9")
    return client


def rule(**values: Any) -> dict[str, Any]:
    start = timezone.localdate() - timedelta(days=40)
    return {
        "name": "Todo 5%",
        "basis": "invoice",
        "rate": "0.05",
        "valid_from": str(start),
        **values,
    }


def test_rules_are_added_and_an_overlap_is_refused_on_the_page(manager):
    assert manager.post("/sales/commissions/", rule()).status_code == 302
    refused = manager.post("/sales/commissions/", rule(name="Camisas", product_line="camisas"))
    assert refused.status_code == 409
    text = refused.content.decode()
    assert 'id="refused"' in text and "Camisas" in text and "Todo 5%" in text
    assert CommissionRule.objects.count() == 1
    page = manager.get("/sales/commissions/")
    assert page.status_code == 200 and "Todo 5%" in page.content.decode()


def test_a_seller_cannot_open_the_commission_pages(db):
    client = Client()
    user = User.objects.create_user("vendedor", password="x-Secret-9")
    user.groups.add(Group.objects.get_or_create(name="sales_rep")[0])
    assert client.login(username="vendedor", password="x-Secret-9")
    assert client.get("/sales/commissions/").status_code == 403


def test_preview_then_settle_once_from_the_page(manager, api):
    demo.seed_catalog()
    story = demo.seed_customer()
    manager.post("/sales/commissions/", rule())
    place(api, story, [{"sku": demo.SHIRT_M, "quantity": 1}])
    dispatch()
    rep = CommissionSale.objects.get().rep_id
    today = timezone.localdate()
    period = {"rep": rep, "start": str(today.replace(day=1)), "end": str(today)}
    preview = manager.get("/sales/commissions/preview/", period)
    assert preview.status_code == 200 and 'id="settle"' in preview.content.decode()
    settled = manager.post("/sales/commissions/settle/", period)
    assert settled.status_code == 302 and CommissionStatement.objects.count() == 1
    statement = manager.get(settled["Location"])
    assert statement.status_code == 200 and 'id="settle"' not in statement.content.decode()
    again = manager.post("/sales/commissions/settle/", period)
    assert again.status_code == 409 and CommissionStatement.objects.count() == 1


def test_the_admin_refuses_an_overlapping_rule(db):
    admin_client = Client(HTTP_ACCEPT_LANGUAGE="en")
    root = User.objects.create_superuser("root", password="correct-horse-battery-staple-9")
    verified_login(admin_client, root)
    url = "/admin/sales/commissionrule/add/"
    made = admin_client.post(url, {**rule(), "customer_kind": "", "tier": "", "product_line": ""})
    assert made.status_code == 302, made.content.decode()[:2000]
    clash = admin_client.post(url, {**rule(name="Otra"), "customer_kind": "", "tier": ""})
    assert clash.status_code == 200 and "overlaps" in clash.content.decode()
    assert CommissionRule.objects.count() == 1
