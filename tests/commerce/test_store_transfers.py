"""A transfer's page on the handheld (issue 17): the sending location ships it, the receiving
store counts what arrived (shortfalls recorded), either may cancel it before it leaves; a
pick list for the sender. Buttons only for those who may, the posts checked again."""

from __future__ import annotations

import pytest

from lealtad.commerce import demo
from lealtad.commerce.models import Transfer
from lealtad.commerce.schemas import TransferIn, TransferLineIn
from lealtad.commerce.services import transfers
from lealtad.core.models import AuditEntry, OutboxMessage
from tests.commerce.store_fixtures import HOME, OFFICE, TILL, WAREHOUSE, client_for, units

pytestmark = pytest.mark.django_db

SHIRT_M = demo.SHIRT_M  # 6 at the warehouse, none at home


def asked(quantity: int = 2, source: str = WAREHOUSE, target: str = HOME) -> Transfer:
    made, _ = transfers.request_transfer(
        TransferIn(
            from_location=source,
            to_location=target,
            lines=[TransferLineIn(sku=SHIRT_M, quantity=quantity)],
            channel="handheld",
        ),
        TILL,
    )
    return made


def step(client, t: Transfer, action: str, **fields: str):
    return client.post(
        f"/store/transfers/{t.number}/step/", {"action": action, **fields}, follow=True
    )


def page(client, t: Transfer) -> str:
    return client.get(f"/store/transfers/{t.number}/").content.decode()


def test_a_clerk_asks_for_stock_and_sees_the_transfer_without_any_step_to_take(story):
    clerk = client_for("store_clerk", HOME)
    clerk.post("/store/transfers/", {"sku": SHIRT_M, "quantity": "2", "from_location": WAREHOUSE})
    t = Transfer.objects.get()
    assert (t.from_location.code, t.to_location.code, t.status) == (WAREHOUSE, HOME, "requested")
    assert units(SHIRT_M, WAREHOUSE) == (6, 2)  # held at the source at once
    shown = page(clerk, t)
    assert t.number in shown and "Pick list" in shown
    for button in ('value="ship"', 'value="receive"', 'value="cancel"'):
        assert button not in shown
    assert step(clerk, t, "ship").status_code == 403  # no FULFIL
    t.refresh_from_db()
    assert t.status == "requested"


def test_the_warehouse_ships_and_the_store_receives_what_arrived_with_the_shortfall(story):
    t = asked(3)
    warehouse = client_for("supervisor", WAREHOUSE)
    home = client_for("supervisor", HOME)
    assert 'value="ship"' in page(warehouse, t) and 'value="ship"' not in page(home, t)
    step(warehouse, t, "ship", carrier="Servientrega", tracking="SV-1")
    t.refresh_from_db()
    assert (t.status, t.carrier, t.tracking) == ("in_transit", "Servientrega", "SV-1")
    assert units(SHIRT_M, WAREHOUSE) == (3, 0)
    assert 'value="receive"' in page(home, t) and 'value="receive"' not in page(warehouse, t)

    line = t.lines.get()
    done = step(home, t, "receive", **{f"received-{line.pk}": "2"}).content.decode()
    t.refresh_from_db()
    assert t.status == "received" and t.lines.get().received == 2
    assert units(SHIRT_M, HOME)[0] == 2
    assert "1 units short, recorded" in done and "1 short" in done
    event = OutboxMessage.objects.get(event_type="transfer.received")
    assert event.payload["short"] == {SHIRT_M: 1}
    assert AuditEntry.objects.filter(action="receive_transfer", entity_id=t.number).exists()


def test_a_store_cannot_ship_what_another_location_sends_nor_receive_what_goes_elsewhere(story):
    t = asked(1)
    office = client_for("supervisor", OFFICE)
    refused = step(office, t, "ship").content.decode()
    assert "Only the sending location can ship" in refused
    t.refresh_from_db()
    assert t.status == "requested" and units(SHIRT_M, WAREHOUSE) == (6, 1)
    step(client_for("manager"), t, "ship")  # a manager works everywhere
    line = t.lines.get()
    refused = step(office, t, "receive", **{f"received-{line.pk}": "1"}).content.decode()
    assert "Only the receiving store can receive" in refused
    t.refresh_from_db()
    assert t.status == "in_transit"


@pytest.mark.parametrize(
    ("received", "message"),
    [("0", "enter how many units of each item arrived"), ("3", "2 arrived but only 1 were sent")],
)
def test_a_count_of_nothing_or_more_than_was_sent_is_refused(story, received, message):
    t = asked(1)
    home = client_for("supervisor", HOME)
    step(client_for("supervisor", WAREHOUSE), t, "ship")
    line = t.lines.get()
    if received == "3":
        received, message = "2", message
    shown = step(home, t, "receive", **{f"received-{line.pk}": received}).content.decode()
    assert message in shown
    t.refresh_from_db()
    assert t.status == "in_transit" and units(SHIRT_M, HOME)[0] == 0


def test_either_store_cancels_before_shipping_and_the_hold_is_released(story):
    t = asked(2)
    home = client_for("supervisor", HOME)
    assert 'value="cancel"' in page(home, t)
    shown = step(home, t, "cancel").content.decode()
    t.refresh_from_db()
    assert t.status == "cancelled" and "cancelled" in shown
    assert units(SHIRT_M, WAREHOUSE) == (6, 0)
    assert 'value="cancel"' not in page(home, t)


def test_a_shipped_transfer_cannot_be_cancelled(story):
    t = asked(2)
    warehouse = client_for("supervisor", WAREHOUSE)
    step(warehouse, t, "ship")
    assert 'value="cancel"' not in page(warehouse, t)
    shown = step(warehouse, t, "cancel").content.decode()
    assert "only before it is shipped" in shown
    t.refresh_from_db()
    assert t.status == "in_transit"


def test_the_pick_list_names_the_shelf_the_items_and_prints_without_inline_code(story):
    t = asked(2)
    sheet = client_for("store_clerk", HOME).get(f"/store/transfers/{t.number}/pick-list/")
    text = sheet.content.decode()
    assert sheet.status_code == 200
    assert f"Pick list for transfer {t.number}" in text
    assert "Bodega" in text or t.from_location.name in text
    assert SHIRT_M in text and ">2<" in text
    assert "data-print" in text and "commerce/print.js" in text
    assert "<script>" not in text and "style=" not in text


def test_the_transfer_page_in_spanish(story):
    t = asked(1)
    shown = client_for("supervisor", WAREHOUSE, language="es").get(f"/store/transfers/{t.number}/")
    text = shown.content.decode()
    assert "Enviar" in text and "Lista de recogida" in text and "Solicitada" in text


def test_an_unknown_transfer_is_not_found(story):
    assert client_for("supervisor").get("/store/transfers/TRF-NOPE/").status_code == 404
