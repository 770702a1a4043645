"""Contract pages: a supervisor creates, renews and cancels; an agent reads; refusals named by
their field with nothing written; the list's filters."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.test import Client
from django.utils import timezone

from lealtad.core.audit import Actor
from lealtad.core.envelope import CustomerRef
from lealtad.customers import services as customers
from lealtad.customers.schemas import CustomerProfile
from lealtad.service.models import ServiceContract
from lealtad.service.services import contracts

pytestmark = pytest.mark.django_db
T = Actor.system("t")


def signed_in(make_user, role: str) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(make_user(role))
    return client


def customer(name: str = "María José") -> int:
    ctx = customers.ChangeContext(actor=T, channel="test")
    return int(customers.create_customer(CustomerProfile(given_names=name), CustomerRef(), ctx).pk)


def a_contract(customer_id: int, number: str = "CT-1", **more) -> ServiceContract:
    today = timezone.localdate()
    fields = {
        "number": number,
        "customer_id": customer_id,
        "support_level": "premium",
        "starts_on": today - timedelta(days=30),
        "ends_on": today + timedelta(days=335),
        "product_skus": ["CALD-24"],
        "serials": ["SN-1"],
    } | more
    return contracts.create_contract(contracts.NewContract(**fields), T)


def form(customer_id: int, **more) -> dict[str, str]:
    return {
        "number": "CT-NEW",
        "customer_id": str(customer_id),
        "support_level": "plus",
        "coverage": "extended",
        "starts_on": "2026-01-01",
        "ends_on": "2026-12-31",
        "product_skus": "CALD-24, AIRE-12\nLAV-8",
        "serials": "SN-9\n\n",
        "return_required": "on",
    } | more


def test_a_supervisor_creates_a_contract_and_sees_its_page(make_user):
    owner = customer()
    client = signed_in(make_user, "supervisor")
    new = client.get(f"/service/contracts/new/?customer={owner}").content.decode()
    assert f'value="{owner}"' in new
    made = client.post("/service/contracts/new/", form(owner))
    assert made.status_code == 302 and made["Location"] == "/service/contracts/CT-NEW/"
    found = ServiceContract.objects.get(number="CT-NEW")
    assert found.product_skus == ["CALD-24", "AIRE-12", "LAV-8"] and found.serials == ["SN-9"]
    assert (found.support_level, found.coverage, found.return_required) == (
        "plus",
        "extended",
        True,
    )
    page = client.get("/service/contracts/CT-NEW/").content.decode()
    assert "María José" in page and "Plus" in page and "Extended hours" in page
    assert "01/01/2026 \u2013 31/12/2026" in page and "CALD-24, AIRE-12, LAV-8" in page


@pytest.mark.parametrize(
    ("change", "said"),
    [
        ({"ends_on": "2025-12-31"}, "A contract cannot end before it starts."),
        ({"starts_on": "1/1/2026"}, "starts_on: 1/1/2026 is not a date"),
        ({"support_level": "gold"}, "There is no support level gold."),
        ({"coverage": "never"}, "There is no coverage never."),
        ({"number": "  "}, "A contract needs a number."),
        ({"customer_id": "abc"}, "customer_id: There is no customer abc."),
        ({"customer_id": "999999"}, "There is no customer 999999."),
    ],
)
def test_bad_input_is_named_and_nothing_is_written(make_user, change, said):
    owner = customer()
    client = signed_in(make_user, "supervisor")
    refused = client.post("/service/contracts/new/", form(owner) | change)
    assert refused.status_code == 422
    assert said in refused.content.decode()
    assert not ServiceContract.objects.exists()


def test_a_taken_number_is_refused(make_user):
    owner = customer()
    a_contract(owner, "CT-NEW")
    client = signed_in(make_user, "supervisor")
    refused = client.post("/service/contracts/new/", form(owner))
    assert "Contract CT-NEW already exists." in refused.content.decode()
    assert ServiceContract.objects.count() == 1


def test_renewing_continues_the_contract_for_as_long(make_user):
    owner = customer()
    old = a_contract(owner, "CT-2026/7", return_required=False)
    client = signed_in(make_user, "supervisor")
    page = client.get("/service/contracts/CT-2026/7/").content.decode()
    assert "?renew=CT-2026/7" in page and "In force" in page
    renewal = client.get("/service/contracts/new/?renew=CT-2026/7").content.decode()
    starts = old.ends_on + timedelta(days=1)
    ends = starts + (old.ends_on - old.starts_on)
    assert 'value="CT-2026/7-R1"' in renewal
    assert f'value="{starts.isoformat()}"' in renewal and f'value="{ends.isoformat()}"' in renewal
    assert "Renew contract CT-2026/7" in renewal and "checked" not in renewal.split("return")[-1]
    fields = form(
        owner,
        number="CT-2026/7-R1",
        support_level="premium",
        starts_on=starts.isoformat(),
        ends_on=ends.isoformat(),
    )
    del fields["return_required"]
    done = client.post("/service/contracts/new/?renew=CT-2026/7", fields)
    assert done.status_code == 302
    renewed = ServiceContract.objects.get(number="CT-2026/7-R1")
    assert renewed.starts_on == starts and renewed.return_required is False
    again = client.get("/service/contracts/new/?renew=CT-2026/7").content.decode()
    assert 'value="CT-2026/7-R2"' in again  # the next free number
    assert client.get("/service/contracts/new/?renew=NOPE").status_code == 404


def test_cancelling_and_the_list_filters(make_user):
    owner = customer()
    live = a_contract(owner, "CT-LIVE")
    gone = a_contract(owner, "CT-GONE")
    today = timezone.localdate()
    old = a_contract(owner, "CT-OLD", starts_on=date(2020, 1, 1), ends_on=today - timedelta(days=1))
    client = signed_in(make_user, "supervisor")
    client.post("/service/contracts/CT-GONE/cancel")
    twice = client.post("/service/contracts/CT-GONE/cancel", follow=True)
    assert "Contract CT-GONE is already cancelled." in twice.content.decode()
    assert "Cancelled" in client.get("/service/contracts/CT-GONE/").content.decode()

    def listed(state: str) -> set[str]:
        text = client.get(f"/service/contracts/?state={state}").content.decode()
        return {c.number for c in (live, gone, old) if f">{c.number}</a>" in text}

    assert listed("") == {"CT-LIVE", "CT-GONE", "CT-OLD"}
    assert listed("in_force") == {"CT-LIVE"}
    assert listed("ended") == {"CT-OLD"}
    assert listed("cancelled") == {"CT-GONE"}


def test_agents_read_and_only_supervisors_write(make_user):
    owner = customer()
    a_contract(owner, "CT-1")
    agent = signed_in(make_user, "agent")
    page = agent.get("/service/contracts/CT-1/").content.decode()
    assert "Premium" in page and "contract-renew" not in page and "contract-cancel" not in page
    assert "contract-new" not in agent.get("/service/contracts/").content.decode()
    assert agent.get("/service/contracts/new/").status_code == 403
    assert agent.post("/service/contracts/new/", form(owner)).status_code == 403
    assert agent.post("/service/contracts/CT-1/cancel").status_code == 403
    assert not ServiceContract.objects.get(number="CT-1").cancelled
    assert agent.get("/service/contracts/CT-404/").status_code == 404
    clerk = signed_in(make_user, "store_clerk")
    assert clerk.get("/service/contracts/").status_code == 403
