"""Inbound: files dropped in a folder and signed webhook posts, mapped to canonical events;
bad records rejected with line and field while the rest goes on; resume after a crash."""

from __future__ import annotations

import base64
import hashlib
import hmac
import itertools
import json
import time
from pathlib import Path

import pytest

from lealtad.channels.connectors import inbound_files, inbound_replay, registry
from lealtad.channels.models import ExternalRecord, ReceivedEvent, Reject
from lealtad.commerce.models import Stock
from lealtad.customers.models import Customer, Interaction
from tests.connectors.conftest import SECRET, inbox, stock_catalog

pytestmark = pytest.mark.django_db

BALANCES = (
    "CUENTA;COD_CLIENTE;CEDULA_RUC;NOMBRE;SALDO;VENCIDO;ESTADO;FECHA_CORTE;MONEDA\n"
    "A-1;C-88812;1710034065;JUAREZ ORTEGA RODRIGO;1.234,50;0;AL DIA;23/11/2026;\n"
    "A-2;C-90001;;QUISHPE GUAMAN MARIA JOSE;abc;0;AL DIA;23/11/2026;\n"
    "A-3;C-90002;;TIPAN CHICAIZA LUIS;-15,00;15,00;MOROSO;23/11/2026;\n"
    "A-4;C-90003;;CONDORI MAMANI ANA;80,00;80,00;VENCIDO;23/11/2026;USD\n"
    "A-5;C-90004;;HUAMAN ROSA;10,00;0;AL DIA;31/02/2026;\n"
)


def drop(folder: Path, name: str, text: str, encoding: str = "utf-8") -> Path:
    path = folder / name
    path.write_text(text, encoding=encoding)
    return path


def test_bad_rows_are_rejected_with_line_and_field_and_the_rest_applied(install, home):
    install("billing")
    folder = inbox(home, "billing", "inbox/saldos")
    drop(folder, "saldos-20261123.csv", BALANCES, encoding="cp1252")
    [report] = inbound_files.run(registry.get("billing"))
    assert (report.records, report.created, report.rejected) == (5, 2, 3)
    rejects = {r.line: (r.field, r.message) for r in Reject.objects.filter(connector="billing")}
    assert rejects == {
        3: ("SALDO", "'abc' is not a number"),
        4: ("ESTADO", "'MOROSO' is not one of 'AL DIA', 'VENCIDO', 'BLOQUEADO', 'CERRADO'"),
        6: ("FECHA_CORTE", "'31/02/2026' is not a date in the form %d/%m/%Y"),
    }
    assert Reject.objects.get(line=3).record["NOMBRE"] == "QUISHPE GUAMAN MARIA JOSE"
    # Nothing of a rejected row was written: no customer, no balance, no received event.
    assert set(ExternalRecord.objects.values_list("key", flat=True)) == {"A-1", "A-4"}
    assert Customer.objects.count() == 2
    assert ReceivedEvent.objects.count() == 2
    balance = ExternalRecord.objects.get(key="A-1")
    assert balance.data["balance"] == "1234.50" and balance.data["as_of"] == "2026-11-23"
    assert balance.system == "facturacion_legacy" and balance.customer_id is not None
    customer = Customer.objects.get(pk=balance.customer_id)
    assert customer.national_id == "1710034065"
    assert not folder.joinpath("saldos-20261123.csv").exists()
    assert (folder / "done" / "saldos-20261123.csv").exists()


def test_rejects_are_replayed_after_the_mapping_is_fixed(install, home, token_client):
    install("billing")
    drop(inbox(home, "billing", "inbox/saldos"), "s.csv", BALANCES)
    inbound_files.run(registry.get("billing"))
    admin = token_client("admin", scopes=("hub:admin",))
    listed = admin.get("/api/v1/connectors/billing/rejects").json()["rejects"]
    assert [(r["line"], r["field"]) for r in listed] == [
        (3, "SALDO"),
        (4, "ESTADO"),
        (6, "FECHA_CORTE"),
    ]
    # The billing team says MOROSO means overdue: add it to the value map.
    path = home / "connectors" / "billing.yaml"
    path.write_text(
        path.read_text().replace("VENCIDO: overdue,", "VENCIDO: overdue, MOROSO: overdue,")
    )
    answer = admin.post(
        "/api/v1/connectors/billing/rejects/replay", data={}, content_type="application/json"
    ).json()
    assert answer == {"resolved": 1, "still_rejected": 2, "files_requeued": 0}
    assert ExternalRecord.objects.get(key="A-3").data["status"] == "overdue"
    assert Reject.objects.filter(status="open").count() == 2
    again = admin.post(
        "/api/v1/connectors/billing/rejects/replay", data={}, content_type="application/json"
    ).json()
    assert again["resolved"] == 0  # a replayed, applied record is not applied twice


def test_a_file_without_a_required_column_is_set_aside_then_requeued(install, home):
    install("inventory")
    stock_catalog(["SKU-1"])
    folder = inbox(home, "inventory", "inbox/existencias")
    drop(folder, "x.csv", "ITEM,WAREHOUSE,CANT,FECHA_HORA\nSKU-1,01,7,20261124100000\n")
    [report] = inbound_files.run(registry.get("inventory"))
    assert report.failed == "the file has no column BODEGA"
    assert (folder / "failed" / "x.csv").exists()
    reject = Reject.objects.get()
    assert (reject.line, reject.field) == (1, "BODEGA")
    assert not Stock.objects.exists()
    # The legacy team renames the column back and the file is replayed.
    (folder / "failed" / "x.csv").write_text(
        "ITEM,BODEGA,CANT,FECHA_HORA\nSKU-1,01,7,20261124100000\n"
    )
    replayed = inbound_replay.replay_rejects(registry.get("inventory"))
    assert replayed.files_requeued == 1
    [report] = inbound_files.run(registry.get("inventory"))
    assert report.created == 1


def test_broken_lines_are_rejected_and_the_rest_goes_on(install, home):
    install("fulfilment")
    folder = inbox(home, "fulfilment", "inbox/estados")
    good = {
        "shipment": "S-1",
        "state": "DELIVERED",
        "timestamp": "2026-11-24T10:00:00-05:00",
        "consignee": {"email": "mj@example.com"},
    }
    drop(folder, "e.jsonl", "\n".join([json.dumps(good), "{not json", '"text"']) + "\n")
    [report] = inbound_files.run(registry.get("fulfilment"))
    assert (report.created, report.rejected) == (1, 2)
    assert list(Reject.objects.values_list("line", "field")) == [(2, "(line)"), (3, "(line)")]
    interaction = Interaction.objects.get()
    assert interaction.subject == "Envío S-1: delivered"
    assert interaction.channel == "logistica_express"


_webhook_ids = itertools.count(1)


def _signed(
    body: bytes, secret: str = SECRET, msg_id: str = "", at: float | None = None
) -> dict[str, str]:
    """Standard Webhooks headers, computed here with hmac and base64 alone (a second,
    independent implementation of the signature Lealtad checks)."""
    msg_id = msg_id or f"msg_{next(_webhook_ids)}"
    stamp = str(int(time.time() if at is None else at))
    digest = hmac.new(secret.encode(), f"{msg_id}.{stamp}.".encode() + body, hashlib.sha256)
    return {
        "HTTP_WEBHOOK_ID": msg_id,
        "HTTP_WEBHOOK_TIMESTAMP": stamp,
        "HTTP_WEBHOOK_SIGNATURE": "v1," + base64.b64encode(digest.digest()).decode(),
    }


def test_webhook_records_are_checked_signed_and_answered_one_by_one(install, client):
    install("fulfilment")
    records = [
        {
            "shipment": "S-9",
            "order": "W-555",
            "state": "DISPATCHED",
            "carrier": "Servientrega",
            "tracking": "SV123",
            "timestamp": "2026-11-24T09:00:00-05:00",
            "consignee": {"email": "mj@example.com", "name": "María José Quishpe"},
        },
        {"shipment": "S-9", "state": "LOST", "timestamp": "2026-11-24T11:00:00-05:00"},
        {"shipment": "S-10", "state": "DELIVERED", "timestamp": "ayer"},
    ]
    body = json.dumps(records).encode()
    url = "/api/v1/connectors/fulfilment/webhook"
    refused = client.post(url, data=body, content_type="application/json")
    assert refused.status_code == 401
    forged = client.post(
        url, data=body, content_type="application/json", **_signed(body, "another-secret-value")
    )
    assert forged.status_code == 401
    answer = client.post(url, data=body, content_type="application/json", **_signed(body))
    assert answer.status_code == 200, answer.content
    result = answer.json()
    assert (result["created"], result["rejected"]) == (1, 2)
    assert [r["status"] for r in result["results"]] == ["created", "rejected", "rejected"]
    assert result["results"][1]["errors"][0]["field"] == "state"
    assert result["results"][2]["errors"][0]["field"] == "timestamp"
    assert result["results"][0]["id"] == "fulfilment:estados:S-9|DISPATCHED"
    shipment = ExternalRecord.objects.get(kind="shipment")
    assert shipment.data["status"] == "shipped" and shipment.data["tracking"] == "SV123"
    assert Reject.objects.filter(source="webhook").count() == 2
    again = client.post(url, data=body, content_type="application/json", **_signed(body))
    assert again.json()["duplicate"] == 1


def _shipment(n: int) -> bytes:
    record = {
        "shipment": f"S-{n}",
        "state": "DISPATCHED",
        "timestamp": "2026-11-24T09:00:00-05:00",
        "consignee": {"email": "mj@example.com", "name": "María José Quishpe"},
    }
    return json.dumps(record).encode()


def test_a_replayed_webhook_id_is_refused(install, client):
    install("fulfilment")
    url = "/api/v1/connectors/fulfilment/webhook"
    body = _shipment(1)
    headers = _signed(body, msg_id="msg_once")
    first = client.post(url, data=body, content_type="application/json", **headers)
    assert first.status_code == 200 and first.json()["created"] == 1, first.content
    replay = client.post(url, data=body, content_type="application/json", **headers)
    assert replay.status_code == 409
    assert replay.json()["detail"] == "webhook-id 'msg_once' was already received (a replay)"
    other = client.post(url, data=body, content_type="application/json", **_signed(body))
    assert other.status_code == 200 and other.json()["duplicate"] == 1


@pytest.mark.parametrize("offset", [-301, 301])
def test_a_webhook_signed_more_than_five_minutes_away_is_refused(install, client, offset):
    install("fulfilment")
    body = _shipment(2)
    answer = client.post(
        "/api/v1/connectors/fulfilment/webhook",
        data=body,
        content_type="application/json",
        **_signed(body, at=time.time() + offset),
    )
    assert answer.status_code == 401
    assert "more than 5 minutes from now" in answer.json()["detail"]
    assert not ReceivedEvent.objects.exists()


def test_the_old_body_only_signature_is_no_longer_enough(install, client):
    install("fulfilment")
    body = _shipment(3)
    legacy = "sha256=" + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
    answer = client.post(
        "/api/v1/connectors/fulfilment/webhook",
        data=body,
        content_type="application/json",
        HTTP_X_LEALTAD_SIGNATURE=legacy,
    )
    assert answer.status_code == 401
    assert "missing webhook-id, webhook-timestamp or webhook-signature" in answer.json()["detail"]


def test_a_body_changed_after_signing_is_refused(install, client):
    install("fulfilment")
    headers = _signed(_shipment(4))
    answer = client.post(
        "/api/v1/connectors/fulfilment/webhook",
        data=_shipment(5),
        content_type="application/json",
        **headers,
    )
    assert answer.status_code == 401
    assert answer.json()["detail"] == "no webhook-signature matches this body with the secret"


def test_unknown_connector_webhook_is_404(home, client):
    body = b"[]"
    assert (
        client.post(
            "/api/v1/connectors/nope/webhook", data=body, content_type="application/json"
        ).status_code
        == 404
    )
