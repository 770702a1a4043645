"""The one mapping engine (core/record_mapping.py, decision 0009): what a value becomes is
decided once, for connectors and the customer CSV import alike, and the engine is plain
Python."""

from __future__ import annotations

import subprocess
import sys
import unicodedata
from datetime import UTC, date, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lealtad.channels.connectors.mapping import InboundMapper
from lealtad.channels.connectors.spec import load_connector
from lealtad.core.record_mapping import (
    MISSING,
    Invalid,
    MappingRule,
    NotInValueMap,
    Required,
    resolve_in,
)
from lealtad.customers.bulk.column_mapping import load_mapping
from lealtad.customers.bulk.row_events import RowBuilder

CODES = st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZÁÉÍÓÚÑ", min_size=1, max_size=8)


def _strip_accents(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFD", text) if unicodedata.category(c) != "Mn")


@given(st.dictionaries(CODES, st.text(min_size=1, max_size=6).filter(str.strip), min_size=1))
def test_a_value_map_matches_its_keys_written_without_accents_or_in_lower_case(
    value_map: dict[str, str],
) -> None:
    rule = MappingRule("ESTADO", "payload.status", value_map=value_map)
    for key, mapped in value_map.items():
        variant = _strip_accents(key).lower()
        exact = [k for k in value_map if _strip_accents(k).lower() == variant]
        if len(exact) == 1:  # two keys that fold alike are ambiguous on purpose
            assert resolve_in(rule, variant, UTC) == mapped.strip()
        assert resolve_in(rule, key, UTC) == mapped.strip()


@given(st.text(alphabet=" \t", max_size=3))
def test_an_empty_cell_takes_the_default_then_the_value_maps_empty_entry(blank: str) -> None:
    with_default = MappingRule("A", "payload.a", default="fijo", value_map={"": "vacío"})
    only_map = MappingRule("A", "payload.a", value_map={"": "vacío", "x": "equis"})
    nothing = MappingRule("A", "payload.a")
    assert resolve_in(with_default, blank, UTC) == "fijo"
    assert resolve_in(only_map, blank, UTC) == "vacío"
    assert resolve_in(nothing, blank, UTC) is MISSING
    with pytest.raises(Required):
        resolve_in(MappingRule("A", "payload.a", required=True), blank, UTC)


def test_refusals_say_why_in_the_engines_words() -> None:
    coded = MappingRule("SEXO", "payload.gender", value_map={"F": "female", "M": "male", "": ""})
    with pytest.raises(NotInValueMap, match=r"^'X' is not one of 'F', 'M'$"):
        resolve_in(coded, "X", UTC)
    day = MappingRule("FECHA", "payload.day", type="date", formats=("%d/%m/%Y",))
    with pytest.raises(Invalid, match=r"'31/02/2026' is not a date in the form %d/%m/%Y"):
        resolve_in(day, "31/02/2026", UTC)
    assert resolve_in(day, "28/02/2026", UTC) == date(2026, 2, 28).isoformat()


@pytest.mark.parametrize(
    ("cell", "granted"),
    [("sí", True), ("SI", True), ("x", True), ("acepta", True), ("No", False), ("rechaza", False)],
)
def test_a_consent_cell_means_the_same_in_a_connector_and_in_a_csv_import(
    cell: str, granted: bool
) -> None:
    connector = load_connector(
        """
name: tienda
system: tienda
inbound:
  - kind: file
    folder: in
    event_type: customer.upserted
    mapping:
      CORREO: customer.email
      ACEPTA: {to: payload.accepts, type: bool}
"""
    )
    stream = connector.inbound[0]
    mapped = InboundMapper(connector, stream, UTC).map(
        {"CORREO": "ana@example.com", "ACEPTA": cell}, _now()
    )
    assert mapped.event is not None and mapped.event["payload"]["accepts"] is granted
    mapping = load_mapping(
        "channel: pos\nsource_system: caja\ncolumns:\n  Correo: customer.email\n"
        "  Acepta: consent.email.marketing\n"
    )
    row = RowBuilder(mapping, "c.csv", _now()).build(
        2, ["Correo", "Acepta"], ["ana@example.com", cell]
    )
    assert row.problems == []
    assert row.event["payload"]["consents"][0]["granted"] is granted


def test_the_customer_import_keeps_its_own_wording_for_the_same_refusals() -> None:
    mapping = load_mapping(
        "channel: pos\nsource_system: caja\ncolumns:\n"
        "  Apellido: {field: profile.first_surname, required: true}\n"
        "  Acepta: consent.email.marketing\n"
    )
    row = RowBuilder(mapping, "c.csv", _now()).build(7, ["Apellido", "Acepta"], ["", "quizás"])
    assert row.problems == [
        "line 7, column 'Apellido' (profile.first_surname): is required but empty",
        "line 7, column 'Acepta' (consent.email.marketing): 'quizás' is neither yes "
        "(sí/si/1/x/true) nor no (no/0/false)",
    ]


def _now() -> datetime:
    return datetime(2026, 5, 1, 10, 0, tzinfo=UTC)


PURE = """
import sys
from datetime import date
from lealtad.core import record_mapping
from lealtad.customers.demo import generator
rule = record_mapping.MappingRule("A", "payload.a", type="date", formats=("%d/%m/%Y",))
record_mapping.resolve_in(rule, "01/05/2026", None)
generator.generate_chunk(1, 0, 50, 0, 0, 2, date(2026, 5, 1), "2026-05-01 10:00:00")
print(sorted(name for name in sys.modules if name.split(".")[0] == "django"))
"""


def test_the_engine_and_the_demo_generator_load_no_django() -> None:
    done = subprocess.run(
        [sys.executable, "-c", PURE], capture_output=True, text=True, check=True, timeout=120
    )
    assert done.stdout.strip() == "[]"
