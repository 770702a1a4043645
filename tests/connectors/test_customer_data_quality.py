"""A connector's customer file: an odd optional field is set aside, the customer is written
(docs/data-quality.md); a bad key still rejects the record with its external field."""

from __future__ import annotations

from pathlib import Path

import pytest

from lealtad.channels.connectors import inbound_files, registry, subscribers
from lealtad.channels.models import Reject
from lealtad.customers.models import Customer, DataQualityIssue
from tests.connectors.conftest import inbox

pytestmark = pytest.mark.django_db

CONNECTOR = """\
name: tarjetas
system: tarjetas_legacy
description: Loyalty cards of the old store system
inbound:
  - name: clientes
    kind: file
    folder: inbox/clientes
    pattern: "*.csv"
    format: csv
    delimiter: ";"
    event_type: customer.upserted
    id_from: [TARJETA]
    mapping:
      TARJETA: customer.card
      CORREO: customer.email
      NOMBRE: customer.name
      NACIMIENTO: {to: payload.birth_date, type: date, format: "%d/%m/%Y"}
      SEXO: {to: payload.gender, value_map: {F: female, M: male}}
      CELULAR: customer.phone
"""
CLIENTES = (
    "TARJETA;CORREO;NOMBRE;NACIMIENTO;SEXO;CELULAR\n"
    "T-1;ana@example.ec;ANA QUISHPE;31/02/1980;F;0944255366\n"
    "T-2;luis@example.ec;LUIS TIPAN;12/05/1975;Z;0987654321\n"
    "T-3;sin-arroba;ROSA GUAMAN;01/01/1990;F;0991234567\n"
)


def test_odd_optional_fields_are_set_aside_and_a_bad_key_still_rejects(home: Path) -> None:
    (home / "connectors" / "tarjetas.yaml").write_text(CONNECTOR)
    subscribers.sync()
    assert registry.get("tarjetas") is not None, registry.problems()
    folder = inbox(home, "tarjetas", "inbox/clientes")
    (folder / "clientes.csv").write_text(CLIENTES, encoding="utf-8")

    [report] = inbound_files.run(registry.get("tarjetas"))

    assert (report.records, report.created, report.rejected) == (3, 2, 1)
    assert Reject.objects.get().field == "CORREO"
    ana = Customer.objects.get(emails__address="ana@example.ec")
    luis = Customer.objects.get(emails__address="luis@example.ec")
    assert ana.birth_date is None and ana.gender == "female"
    assert luis.birth_date is not None and luis.gender == ""
    assert ana.phones.get().validity == "unassigned_range"
    issues = {(i.customer_id, i.field, i.kind): i.raw_value for i in DataQualityIssue.objects.all()}
    assert issues == {
        (ana.pk, "birth_date", "set_aside"): "31/02/1980",
        (ana.pk, "phone", "flagged"): "+593944255366",
        (luis.pk, "gender", "set_aside"): "Z",
    }
    assert {i.source_channel for i in DataQualityIssue.objects.all()} == {"tarjetas_legacy"}
