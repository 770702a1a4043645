"""Event ids built from a connector's records hold only the envelope's safe characters."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from lealtad.channels.connectors.mapping import InboundMapper
from lealtad.channels.connectors.spec import load_connector
from lealtad.core.event_ids import is_safe_event_id

TZ = ZoneInfo("America/Guayaquil")
NOW = datetime(2026, 11, 24, 15, 0, tzinfo=UTC)
CONNECTOR = """
name: tienda
system: pos_legacy
inbound:
  - name: pagos
    kind: file
    folder: in
    event_type: interaction.recorded
    id_from: [ref, caja]
    mapping:
      ref: payload.subject
      caja: payload.summary
  - name: propio
    kind: file
    folder: in2
    event_type: interaction.recorded
    mapping:
      numero: id
      ref: payload.subject
"""


def _mappers() -> tuple[InboundMapper, InboundMapper]:
    connector = load_connector(CONNECTOR)
    return (
        InboundMapper(connector, connector.stream("pagos"), TZ),  # type: ignore[arg-type]
        InboundMapper(connector, connector.stream("propio"), TZ),  # type: ignore[arg-type]
    )


def test_a_plain_key_stays_readable() -> None:
    by_key, own = _mappers()
    assert by_key.map({"ref": "FAC-001", "caja": "3"}, NOW).event["id"] == (  # type: ignore[index]
        "tienda:pagos:FAC-001|3"
    )
    assert own.map({"numero": "A-7", "ref": "x"}, NOW).event["id"] == "tienda:propio:A-7"  # type: ignore[index]


def test_a_key_with_spaces_or_accents_becomes_a_stable_hash() -> None:
    by_key, own = _mappers()
    first = by_key.map({"ref": "FAC 001", "caja": "Caja Ñ"}, NOW).event
    again = by_key.map({"ref": "FAC 001", "caja": "Caja Ñ"}, NOW).event
    assert first is not None and again is not None
    assert first["id"] == again["id"] and first["id"].startswith("tienda:pagos:h")
    assert is_safe_event_id(first["id"])
    mapped = own.map({"numero": "pedido 12", "ref": "x"}, NOW).event
    assert mapped is not None and is_safe_event_id(mapped["id"])


def test_a_key_with_a_line_break_is_refused_naming_its_field() -> None:
    by_key, own = _mappers()
    mapped = by_key.map({"ref": "FAC-1\r\nX-Evil: 1", "caja": "3"}, NOW)
    assert mapped.event is None
    message = "the record's id holds control characters (line breaks, tabs…)"
    assert mapped.problems == [{"field": "ref,caja", "message": message}]
    mapped = own.map({"numero": "A\n7", "ref": "x"}, NOW)
    assert mapped.event is None and mapped.problems[0]["field"] == "numero"


@settings(max_examples=200, deadline=None)
@given(ref=st.text(min_size=1, max_size=200).filter(lambda t: t.strip()))
def test_every_mapped_id_is_safe_or_refused(ref: str) -> None:
    by_key, _ = _mappers()
    mapped = by_key.map({"ref": ref, "caja": "1"}, NOW)
    if mapped.event is not None:
        assert is_safe_event_id(mapped.event["id"]) and len(mapped.event["id"]) <= 120
    else:
        assert "control characters" in mapped.problems[0]["message"]
