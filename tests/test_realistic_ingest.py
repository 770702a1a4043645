"""A realistic Ecuadorian set from four channels loses no record (issue 10, section 1).

Before this, half of such a set was rejected whole because its mobiles were in ranges
libphonenumber does not list as assigned. Here every event is accepted, each odd optional field
is set aside once, each unlisted mobile is flagged once, and every number finds its customer.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

from lealtad.channels.models import ReceivedEvent
from lealtad.core import normalize
from lealtad.customers.bulk import csv_import
from lealtad.customers.models import Customer, DataQualityIssue, Interaction, Phone
from tests import latam_records
from tests.api_fixtures import post_events

pytestmark = pytest.mark.django_db

PEOPLE = 1400
BATCH = 500


def test_four_channels_of_real_looking_customers_lose_no_record(api):
    persons = latam_records.people(PEOPLE)
    sent = latam_records.events(persons)
    assert len(sent) > 3000

    results = []
    for start in range(0, len(sent), BATCH):
        response = post_events(api, sent[start : start + BATCH])
        assert response.status_code == 200
        results += response.json()["results"]

    refused = [(r["id"], r["errors"]) for r in results if r["status"] != "created"]
    assert refused == []
    assert ReceivedEvent.objects.count() == len(sent)
    calls = {e["id"] for e in sent if e["type"] == "interaction.recorded"}
    assert set(Interaction.objects.values_list("event_id", flat=True)) == calls
    set_aside = DataQualityIssue.objects.filter(kind="set_aside").count()
    assert set_aside == latam_records.expected_set_aside(persons, sent) > 0
    phoned = {
        int(e["id"].split("-")[1]) for e in sent if e["channel"] in ("pos", "call_center", "mobile")
    }
    unlisted = {persons[i].e164 for i in phoned if not normalize.phone(persons[i].e164).valid}
    flagged = DataQualityIssue.objects.filter(kind="flagged", field="phone")
    assert set(flagged.values_list("raw_value", flat=True)) == unlisted
    assert flagged.count() == len(unlisted) > 0
    for i in sorted(phoned)[::10]:
        holders = Phone.objects.filter(e164=persons[i].e164).values("customer").distinct()
        assert holders.count() == 1, persons[i]
        typed = persons[i].mobile  # as people type it: 09X XXX XXXX
        found = api.get("/api/v1/customers/lookup", {"phone": typed}).json()["matches"]
        assert len(found) == 1
    assert Customer.objects.count() <= len(sent)


def test_the_same_set_as_a_legacy_csv_imports_every_row(tmp_path: Path):
    persons = latam_records.people(600, seed=7)
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";")
    writer.writerow(["Cedula", "Nombres", "Paterno", "Materno", "Sexo", "Nacimiento", "Celular"])
    odd = 0
    for n, p in enumerate(persons):
        birth, sex = f"{1 + n % 28:02d}/{1 + n % 12:02d}/19{50 + n % 50}", "F"
        if n % 25 == 0:
            birth, odd = "31/02/1980", odd + 1  # no such day
        if n % 40 == 0:
            sex, odd = "Mujer", odd + 1  # nobody mapped it
        writer.writerow([p.cedula, p.given.upper(), p.first, p.second, sex, birth, p.mobile])
    path = tmp_path / "clientes.csv"
    path.write_text(buffer.getvalue(), encoding="utf-8")
    mapping = tmp_path / "mapping.yaml"
    mapping.write_text(
        "channel: pos\nsource_system: caja\ncolumns:\n"
        "  Cedula: customer.national_id\n  Nombres: profile.given_names\n"
        "  Paterno: profile.first_surname\n  Materno: profile.second_surname\n"
        "  Sexo: {field: profile.gender, value_map: {F: female, M: male}}\n"
        "  Nacimiento: profile.birth_date\n  Celular: customer.phone\n"
    )

    report = csv_import.import_csv(path, mapping, False, None)

    assert report.problems == [] and report.written
    assert report.created == len(persons) == Customer.objects.count()
    flagged = sum(1 for p in persons if not normalize.phone(p.e164).valid)
    assert len(report.warnings) == odd + flagged
    assert DataQualityIssue.objects.filter(kind="set_aside").count() == odd
