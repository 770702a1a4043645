"""The YAML format and the transformation engine, without a database."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from lealtad.channels.connectors.mapping import InboundMapper, OutboundMappingError, map_out
from lealtad.channels.connectors.spec import ConnectorError, load_connector

TZ = ZoneInfo("America/Guayaquil")
NOW = datetime(2026, 11, 24, 15, 0, tzinfo=UTC)

CONNECTOR = """
name: tienda
system: pos_legacy
inbound:
  kind: file
  folder: in
  event_type: payment.received
  id_from: [ref]
  mapping:
    ref: {to: payload.payment_ref, required: true}
    monto: {to: payload.amount, type: decimal, decimal_comma: true}
    forma: {to: payload.method, value_map: {Efectivo: cash, Tarjeta: card, "": other}}
    cuando: {to: occurred_at, type: datetime, format: "%d/%m/%Y %H:%M"}
    cliente.cedula: customer.national_id
    cod: customer.external_id
    pagado: {to: payload.paid, type: bool}
    cuotas: {to: payload.installments, type: int, default: "1"}
    nada: ignore
  constants:
    payload.currency: USD
outbound:
  name: out
  kind: file
  folder: out
  event_types: [payment.received]
  mapping:
    tipo: {default: PAG}
    ref: {from: payload.payment_ref, required: true}
    monto: {from: payload.amount, type: int}
    fecha: {from: occurred_at, type: date, format: "%d/%m/%Y"}
    forma: {from: payload.method, value_map: {cash: EFE, card: TAR}}
"""


def test_a_record_becomes_a_canonical_event():
    connector = load_connector(CONNECTOR)
    mapper = InboundMapper(connector, connector.inbound[0], TZ)
    record = {
        "ref": "P-1",
        "monto": "1.234,50",
        "forma": "tarjeta",
        "cuando": "24/11/2026 10:15",
        "cliente": {"cedula": "1710034065"},
        "cod": "C-1",
        "pagado": "Sí",
        "nada": "x",
    }
    mapped = mapper.map(record, NOW)
    assert mapped.problems == []
    assert mapped.event == {
        "id": "tienda:payment.received:P-1",
        "type": "payment.received",
        "channel": "pos_legacy",
        "occurred_at": "2026-11-24T10:15:00-05:00",
        "customer": {"national_id": "1710034065", "external_ids": {"pos_legacy": "C-1"}},
        "payload": {
            "currency": "USD",
            "payment_ref": "P-1",
            "amount": "1234.50",
            "method": "card",
            "paid": True,
            "installments": 1,
        },
    }
    assert mapped.locate("payload.amount") == "monto"
    assert mapped.locate("customer.national_id") == "cliente.cedula"


def test_every_bad_field_is_named():
    connector = load_connector(CONNECTOR)
    mapper = InboundMapper(connector, connector.inbound[0], TZ)
    mapped = mapper.map(
        {"monto": "doce", "forma": "cheque", "cuando": "ayer", "pagado": "quizá", "cuotas": "1.5"},
        NOW,
    )
    assert mapped.event is None
    assert [p["field"] for p in mapped.problems] == [
        "ref",
        "monto",
        "forma",
        "cuando",
        "pagado",
        "cuotas",
        "ref",
    ]
    assert mapped.problems[0]["message"] == "is required"
    assert "is empty; the record's id is built from it" in mapped.problems[-1]["message"]


def test_empty_value_map_entry_and_defaults_apply():
    connector = load_connector(CONNECTOR)
    mapper = InboundMapper(connector, connector.inbound[0], TZ)
    mapped = mapper.map({"ref": "P-2", "forma": ""}, NOW)
    assert mapped.event is not None
    assert mapped.event["payload"]["method"] == "other"
    assert mapped.event["payload"]["installments"] == 1
    assert mapped.event["occurred_at"] == NOW.isoformat()  # no time in the record: received


def test_outbound_mapping():
    connector = load_connector(CONNECTOR)
    rules = connector.outbound[0].rules_for("payment.received")
    assert rules is not None
    document = {
        "occurred_at": "2026-11-24T10:15:00-05:00",
        "payload": {"payment_ref": "P-1", "amount": "12.00", "method": "cash"},
    }
    assert map_out(document, rules, TZ) == {
        "tipo": "PAG",
        "ref": "P-1",
        "monto": 12,
        "fecha": "24/11/2026",
        "forma": "EFE",
    }
    with pytest.raises(OutboundMappingError, match=r"ref: payload\.payment_ref is missing"):
        map_out({"payload": {}}, rules, TZ)
    with pytest.raises(OutboundMappingError, match=r"monto: '12\.50' is not a whole number"):
        map_out({"payload": {"payment_ref": "P", "amount": "12.50"}}, rules, TZ)


def test_every_problem_of_a_connector_file_is_listed():
    text = """
name: Bad Name
system: ok
inbound:
  - kind: webhook
    event_type: nope
    mapping:
      a: payload
      b: {to: customer.shoe_size}
      c: {to: payload.x, type: money}
outbound:
  - kind: webhook
    url: ftp://x
    event_types: []
    allow_private: maybe
"""
    with pytest.raises(ConnectorError) as caught:
        load_connector(text, "bad.yaml")
    problems = "\n".join(caught.value.problems)
    for expected in (
        "bad.yaml: name: is required",
        "inbound[0].event_type: must be an event type",
        "inbound[0].mapping.a: unknown target 'payload'",
        "inbound[0].mapping.b: unknown target 'customer.shoe_size'",
        "inbound[0].mapping.c.type: must be one of",
        "outbound[0].event_types: name at least one event type",
        "outbound[0].url: a webhook needs an http:// or https:// address",
        "outbound[0].secret: a webhook is signed",
        "outbound[0].allow_private: must be true or false",
        "secret: an inbound webhook needs the connector's secret",
    ):
        assert expected in problems


def test_environment_variables_fill_addresses_and_secrets(monkeypatch):
    monkeypatch.setenv("X_URL", "https://erp.example.com/in")
    text = """
name: x
system: x
outbound:
  kind: webhook
  url: ${X_URL}
  secret: ${X_SECRET:-a-default-secret-of-some-length}
  event_types: [order.placed]
"""
    out = load_connector(text).outbound[0]
    assert out.url == "https://erp.example.com/in"
    assert out.secret == "a-default-secret-of-some-length"
    monkeypatch.delenv("X_URL")
    with pytest.raises(ConnectorError, match=r"\$\{X_URL\} is not set"):
        load_connector(text)


def test_yaml_codes_stay_text():
    text = CONNECTOR.replace("Efectivo: cash", "01: cash, no: card, 2024-01-31: other")
    rules = load_connector(text).inbound[0].rules
    forma = next(r for r in rules if r.source == "forma")
    assert forma.value_map is not None
    assert {"01", "no", "2024-01-31"} <= set(forma.value_map)
