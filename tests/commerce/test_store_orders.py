"""A pickup order handed over at its store with who took it (FULFIL there), and the printable
sale receipt and pick list of an order (issue 17)."""

from __future__ import annotations

import pytest
from django.utils import timezone

from lealtad.commerce.models import Location, Order, PickupHandover
from lealtad.commerce.schemas import PaymentIn
from lealtad.commerce.services import CommerceError, handovers
from lealtad.core.models import AuditEntry
from tests.commerce.store_fixtures import HOME, OFFICE, SHIRT_S, TILL, client_for, sale, units

pytestmark = pytest.mark.django_db


def hand(client, order: Order, **fields: str):
    return client.post(f"/store/orders/{order.number}/hand-over/", fields, follow=True)


def test_the_pickup_store_hands_the_order_over_to_the_person_named(story):
    order = sale(story.customer_id, fulfilment="pickup")
    assert units(SHIRT_S, HOME) == (3, 1)
    home = client_for("supervisor", HOME)
    page = home.get(f"/store/orders/{order.number}/").content.decode()
    assert 'id="handover-form"' in page
    done = hand(home, order, picked_up_by="María Juárez", id_document="1712345678").content.decode()
    order.refresh_from_db()
    assert order.status == "completed"
    assert units(SHIRT_S, HOME) == (2, 0)
    handover = PickupHandover.objects.get(order=order)
    assert (handover.picked_up_by, handover.id_document, handover.location.code) == (
        "María Juárez",
        "5678",  # only the last four of the document are kept
        HOME,
    )
    assert "handed over to María Juárez" in done and 'id="handover"' in done
    assert 'id="handover-form"' not in done
    capture = order.payments.filter(kind="charge", authorization__isnull=False).get()
    assert capture.amount == order.total  # the card's hold taken as the goods left
    assert AuditEntry.objects.filter(action="hand_over_pickup", entity_id=order.number).exists()


def test_a_clerk_sees_no_hand_over_and_cannot_post_one(story):
    order = sale(story.customer_id, fulfilment="pickup")
    clerk = client_for("store_clerk", HOME)
    assert 'id="handover-form"' not in clerk.get(f"/store/orders/{order.number}/").content.decode()
    assert hand(clerk, order, picked_up_by="Alguien").status_code == 403
    order.refresh_from_db()
    assert order.status == "placed" and not PickupHandover.objects.exists()


def test_another_store_cannot_hand_it_over(story):
    order = sale(story.customer_id, fulfilment="pickup")
    office = client_for("supervisor", OFFICE)
    assert 'id="handover-form"' not in office.get(f"/store/orders/{order.number}/").content.decode()
    refused = hand(office, order, picked_up_by="Rodrigo").content.decode()
    assert "Only the pickup store can hand this order over" in refused
    order.refresh_from_db()
    assert order.status == "placed"


def test_a_hand_over_without_a_name_or_twice_is_refused(story):
    order = sale(story.customer_id, fulfilment="pickup")
    home = client_for("supervisor", HOME)
    assert "Write who picked the order up" in hand(home, order, picked_up_by=" ").content.decode()
    hand(home, order, picked_up_by="Rodrigo Juárez")
    again = hand(home, order, picked_up_by="Rodrigo Juárez").content.decode()
    assert "Not handed over" in again
    assert PickupHandover.objects.count() == 1


def test_a_batch_is_checked_whole_and_names_the_row_at_fault(story):
    first = sale(story.customer_id, fulfilment="pickup")
    taken_now = sale(story.customer_id)
    home = Location.objects.get(code=HOME)
    rows = [
        handovers.Handover(first.number, "Rodrigo Juárez"),
        handovers.Handover(taken_now.number, "Rodrigo Juárez"),
    ]
    with pytest.raises(CommerceError) as refused:
        handovers.hand_over(rows, home, TILL)
    assert refused.value.field == "rows[1].order"
    assert "not picked up in a store" in refused.value.message
    first.refresh_from_db()
    assert first.status == "placed" and not PickupHandover.objects.exists()  # nothing half
    with pytest.raises(CommerceError) as empty:
        handovers.hand_over([], home, TILL)
    assert empty.value.field == "rows"


def test_the_sale_receipt_has_store_date_lines_iva_totals_and_payment(story):
    order = sale(story.customer_id, quantity=2)
    page = client_for("store_clerk", HOME).get(f"/store/orders/{order.number}/receipt/")
    text = page.content.decode()
    assert page.status_code == 200
    assert "Sale receipt" in text and "Tienda Quicentro" in text
    assert timezone.localtime(order.placed_at).strftime("%d/%m/") in text  # the store's day
    assert SHIRT_S in text and "69.80" in text  # 2 x 34.90 before tax
    assert "IVA 15 %" in text and str(order.tax) in text
    assert f"{order.total} USD" in text and "visa ···1111" in text
    assert "Rodrigo Juárez" in text
    assert "style=" not in text and "<script>" not in text


def test_a_cash_receipt_says_cash_in_spanish(story):
    order = sale(story.customer_id, payment=PaymentIn(in_store="cash"))
    text = (
        client_for("store_clerk", HOME, language="es")
        .get(f"/store/orders/{order.number}/receipt/")
        .content.decode()
    )
    assert "Comprobante de venta" in text and "Efectivo" in text and "Imprimir" in text


def test_the_order_pick_list_lists_what_is_still_to_leave_the_shelf(story):
    order = sale(story.customer_id, fulfilment="pickup", quantity=2)
    clerk = client_for("store_clerk", HOME)
    text = clerk.get(f"/store/orders/{order.number}/pick-list/").content.decode()
    assert f"Pick list for order {order.number}" in text and SHIRT_S in text and ">2<" in text
    hand(client_for("supervisor", HOME), order, picked_up_by="Rodrigo Juárez")
    text = clerk.get(f"/store/orders/{order.number}/pick-list/").content.decode()
    assert "Nothing left to pick" in text


def test_receipts_and_pick_lists_of_unknown_orders_are_not_found(story):
    clerk = client_for("store_clerk", HOME)
    for url in ("/store/orders/NOPE/receipt/", "/store/orders/NOPE/pick-list/"):
        assert clerk.get(url).status_code == 404
