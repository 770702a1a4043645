"""CSV import (all rows or none, idempotent) and CSV export (external ids, safe cells)."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from django.contrib.auth.models import Group, User
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from ninja.testing import TestClient
from typer.testing import CliRunner

from lealtad.channels import services as channel_services
from lealtad.channels.models import ReceivedEvent
from lealtad.cli import app
from lealtad.core.audit import Actor
from lealtad.core.models import AuditEntry
from lealtad.core.roles import Role
from lealtad.customers.api_bulk import router
from lealtad.customers.bulk import column_mapping, csv_export, csv_import
from lealtad.customers.models import (
    Address,
    Consent,
    Customer,
    DataQualityIssue,
    Identifier,
    Phone,
)
from lealtad.customers.services import ChangeContext, merge_customers

EXAMPLES = Path(__file__).resolve().parent.parent / "examples" / "import"

MAPPING = """\
channel: pos
source_system: facturacion_legacy
id_column: Codigo
columns:
  Codigo: customer.external_id
  Cedula: customer.national_id
  Nombres: profile.given_names
  Apellido paterno:
    field: profile.first_surname
    required: true
  Apellido materno: profile.second_surname
  Sexo:
    field: profile.gender
    value_map: {F: female, M: male}
  Nacimiento:
    field: profile.birth_date
    date_format: "%d/%m/%Y"
  Celular: profile.phones
  Fijo:
    field: profile.phones
    phone_kind: home
  Correo: customer.email
  Direccion: address.line1
  Ciudad: address.city
  Publicidad: consent.email.marketing
constants:
  address.country: EC
"""

HEADER = [
    "Codigo",
    "Cedula",
    "Nombres",
    "Apellido paterno",
    "Apellido materno",
    "Sexo",
    "Nacimiento",
    "Celular",
    "Fijo",
    "Correo",
    "Direccion",
    "Ciudad",
    "Publicidad",
]
GOOD_ROWS = [
    ["C-1", "1710034065", "María José", "Juárez", "Ortega", "F", "14/02/1985", "099 375 7370",
     "02 245 6789", "mjuarez@correo.ec", "Av. 12 de Octubre N24-593 y Luis Cordero", "Quito",
     "Sí"],
    ["C-2", "0926687856", "Juan Carlos", "Quishpe", "Guamán", "M", "03/11/1979", "0987654321",
     "", "jc@example.com", "", "", "no"],
    ["C-3", "", "Rosa Elena", "de la Cruz", "", "f", "29/07/1992", "+593 99 123 4567", "", "",
     "Gran Colombia 10-20", "Cuenca", ""],
    ["C-4", "1104680135", "Luis", "Chicaiza", "Tipán", "", "", "0961112233", "07 283 4567",
     "luis@example.ec", "", "", "x"],
]  # fmt: skip


def write_csv(path: Path, rows: list[list[str]], delimiter: str = ",", bom: bool = False) -> Path:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter)
    writer.writerow(HEADER)
    writer.writerows(rows)
    path.write_bytes((("\ufeff" if bom else "") + buffer.getvalue()).encode("utf-8"))
    return path


@pytest.fixture
def mapping(tmp_path: Path) -> Path:
    path = tmp_path / "mapping.yaml"
    path.write_text(MAPPING, encoding="utf-8")
    return path


@pytest.mark.django_db
def test_good_file_imports_every_row_normalized(tmp_path: Path, mapping: Path) -> None:
    report = csv_import.import_csv(write_csv(tmp_path / "c.csv", GOOD_ROWS), mapping, False, None)

    assert report.problems == []
    assert (report.rows, report.created, report.updated, report.duplicate) == (4, 4, 0, 0)
    assert report.written
    assert Customer.objects.count() == 4
    maria = Customer.objects.get(national_id="1710034065")
    assert (maria.given_names, maria.first_surname, maria.second_surname) == (
        "María José",
        "Juárez",
        "Ortega",
    )
    assert maria.gender == "female"
    assert maria.birth_date.isoformat() == "1985-02-14"
    assert maria.national_id_type == "cedula_ec"
    assert sorted(Phone.objects.filter(customer=maria).values_list("e164", "kind")) == [
        ("+59322456789", "home"),
        ("+593993757370", "mobile"),
    ]
    assert Identifier.objects.get(kind="external", system="facturacion_legacy", value="C-1") in (
        maria.identifiers.all()
    )
    assert maria.emails.get().address == "mjuarez@correo.ec"
    address = Address.objects.get(customer=maria)
    assert (address.city, address.country) == ("Quito", "EC")
    assert Consent.objects.get(customer=maria, channel="email", purpose="marketing").granted
    assert not Consent.objects.get(customer__national_id="0926687856").granted
    rosa = Customer.objects.get(identifiers__value="C-3")
    assert rosa.gender == "female"  # value_map matches regardless of case
    assert rosa.phones.get().e164 == "+593991234567"
    assert not Address.objects.filter(customer__identifiers__value="C-2").exists()  # no street
    assert ReceivedEvent.objects.filter(event_id="import:facturacion_legacy:C-1").exists()


@pytest.mark.django_db
def test_importing_the_same_file_again_changes_nothing(tmp_path: Path, mapping: Path) -> None:
    path = write_csv(tmp_path / "c.csv", GOOD_ROWS)
    csv_import.import_csv(path, mapping, False, None)
    customers, phones = Customer.objects.count(), Phone.objects.count()
    audits = AuditEntry.objects.count()

    again = csv_import.import_csv(path, mapping, False, None)

    assert again.problems == []
    assert (again.created, again.updated, again.duplicate) == (0, 0, 4)
    assert (Customer.objects.count(), Phone.objects.count()) == (customers, phones)
    assert AuditEntry.objects.count() == audits


@pytest.mark.django_db
def test_odd_optional_cells_are_set_aside_and_every_row_imported(
    tmp_path: Path, mapping: Path
) -> None:
    """No customer lost for an odd optional field (docs/data-quality.md): the row goes in,
    the cell becomes a data-quality issue and a warning naming its line and column."""
    rows = [list(r) for r in GOOD_ROWS]
    rows[1][6] = "31/02/1979"  # line 3: no such date
    rows[3][7] = "12345"  # line 5: not a possible phone
    rows[3][5] = "X"  # line 5: not in the value map
    rows[2][7] = "0944255366"  # line 4: possible, in a range not listed as assigned
    path = write_csv(tmp_path / "odd.csv", rows)

    checked = csv_import.import_csv(path, mapping, True, None)
    assert checked.problems == [] and Customer.objects.count() == 0
    report = csv_import.import_csv(path, mapping, False, None)

    assert report.problems == [] and report.written
    assert (report.created, Customer.objects.count()) == (4, 4)
    assert report.warnings == checked.warnings
    text = "\n".join(report.warnings)
    assert (
        "line 3, column 'Nacimiento' (profile.birth_date): '31/02/1979' is not a date in the "
        "form DD/MM/YYYY (set aside for review)" in text
    )
    assert "line 5, column 'Celular' (profile.phones): not a possible phone number" in text
    assert "line 5, column 'Sexo' (profile.gender): 'X' is not one of 'F', 'M'" in text
    assert "line 4, column 'Celular' (profile.phones): a possible number" in text
    assert len(report.warnings) == 4
    assert "4 fields set aside or flagged for review" in report.summary()
    issues = DataQualityIssue.objects.order_by("field", "kind")
    assert [(i.field, i.raw_value, i.kind) for i in issues] == [
        ("birth_date", "31/02/1979", "set_aside"),
        ("gender", "X", "set_aside"),
        ("phone", "+593944255366", "flagged"),
        ("phone", "12345", "set_aside"),
    ]
    assert {i.source_channel for i in issues} == {"pos"}


@pytest.mark.django_db
def test_two_bad_rows_import_nothing_and_both_are_reported(tmp_path: Path, mapping: Path) -> None:
    rows = [list(r) for r in GOOD_ROWS]
    rows[1][9] = "jc@"  # line 3: the email the row is matched on
    rows[3][1] = "17-1004.68A\u202e"  # line 5: a control character in the national id
    rows[3][5] = "X"  # line 5: set aside, not a problem
    report = csv_import.import_csv(write_csv(tmp_path / "bad.csv", rows), mapping, False, None)

    assert Customer.objects.count() == 0
    assert ReceivedEvent.objects.count() == 0
    assert not DataQualityIssue.objects.exists()
    assert report.bad_rows == 2
    assert not report.written
    text = "\n".join(report.problems)
    assert "line 3, column 'Correo' (customer.email): not a valid email address" in text
    assert "line 5, column 'Cedula' (customer.national_id): contains the control character" in text
    assert len(report.problems) == 2
    assert "nothing was imported" in report.summary()


@pytest.mark.django_db
def test_required_column_bad_email_and_missing_identifier(tmp_path: Path, mapping: Path) -> None:
    rows = [list(r) for r in GOOD_ROWS[:2]]
    rows[0][3] = ""  # required surname
    rows[1][9] = "not-an-email"
    report = csv_import.import_csv(write_csv(tmp_path / "bad.csv", rows), mapping, False, None)
    text = "\n".join(report.problems)
    assert "line 2, column 'Apellido paterno' (profile.first_surname): is required but empty" in (
        text
    )
    assert "line 3, column 'Correo' (customer.email): not a valid email address" in text
    assert Customer.objects.count() == 0


@pytest.mark.django_db
def test_dry_run_checks_but_writes_nothing(tmp_path: Path, mapping: Path) -> None:
    report = csv_import.import_csv(write_csv(tmp_path / "c.csv", GOOD_ROWS), mapping, True, None)
    assert report.problems == []
    assert report.rows == 4
    assert "dry run" in report.summary()
    assert Customer.objects.count() == 0
    assert ReceivedEvent.objects.count() == 0


@pytest.mark.django_db
def test_bom_and_semicolons_and_the_shipped_example(tmp_path: Path, mapping: Path) -> None:
    path = write_csv(tmp_path / "excel.csv", GOOD_ROWS, delimiter=";", bom=True)
    assert csv_import.import_csv(path, mapping, True, None).problems == []

    example = csv_import.import_csv(
        EXAMPLES / "customers.csv", EXAMPLES / "mapping.yaml", False, None
    )
    assert example.problems == []
    assert example.created == 4


@pytest.mark.django_db
def test_header_and_mapping_problems_are_clear(tmp_path: Path, mapping: Path) -> None:
    header_only = tmp_path / "h.csv"
    header_only.write_text("Codigo,Cedula,Extra\nC-1,1710034065,x\n", encoding="utf-8")
    report = csv_import.import_csv(header_only, mapping, False, None)
    text = "\n".join(report.problems)
    assert "line 1, column 'Nombres': the mapping uses this column but the CSV header lacks" in text
    assert "line 1, column 'Extra': not in the mapping" in text

    broken = tmp_path / "broken.yaml"
    broken.write_text("channel: pos\ncolumns: [unclosed\n", encoding="utf-8")
    assert "not valid YAML" in csv_import.import_csv(header_only, broken, False, None).problems[0]

    wrong = tmp_path / "wrong.yaml"
    wrong.write_text(
        "channel: nowhere\nsource_system: x\ncolumns:\n  Codigo: profile.shoe_size\n",
        encoding="utf-8",
    )
    problems = csv_import.import_csv(header_only, wrong, False, None).problems
    assert problems == [
        "wrong.yaml: columns.Codigo: unknown field 'profile.shoe_size'; "
        "see docs/import-export.md for the fields"
    ]
    wrong.write_text("channel: nowhere\nsource_system: x\ncolumns: {Codigo: customer.card}\n")
    assert (
        "unknown channel 'nowhere'"
        in csv_import.import_csv(header_only, wrong, False, None).problems[0]
    )

    with pytest.raises(column_mapping.MappingError) as exc:
        column_mapping.load_mapping("columns: {}\n", "m.yaml")
    assert "m.yaml: channel: is required" in exc.value.problems


def test_yaml_words_stay_text_in_value_maps() -> None:
    mapping = column_mapping.load_mapping(
        "channel: pos\nsource_system: s\ncolumns:\n"
        "  Acepta:\n    field: consent.sms.marketing\n    value_map: {no: no, 01: si, on: si}\n"
    )
    assert mapping.columns[0].value_map == {"no": "no", "01": "si", "on": "si"}


@pytest.mark.django_db
def test_repeated_ids_in_one_file_are_reported(tmp_path: Path, mapping: Path) -> None:
    rows = [list(GOOD_ROWS[0]), list(GOOD_ROWS[1])]
    rows[1][0] = "C-1"
    report = csv_import.import_csv(write_csv(tmp_path / "c.csv", rows), mapping, False, None)
    assert report.problems == ["line 3, column 'Codigo' (id_column): the same id as line 2"]


@pytest.mark.django_db
def test_a_failure_in_a_later_batch_rolls_back_the_whole_file(
    tmp_path: Path, mapping: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(csv_import, "BATCH", 2)
    real_ingest = channel_services.ingest
    calls = []

    def failing_second_batch(raws, actor, allowed=frozenset(), set_aside_before=()):  # type: ignore[no-untyped-def]
        calls.append(len(raws))
        if len(calls) == 2:
            raise RuntimeError("disk full")
        return real_ingest(raws, actor, allowed, set_aside_before)

    monkeypatch.setattr(channel_services, "ingest", failing_second_batch)
    with pytest.raises(RuntimeError):
        csv_import.import_csv(write_csv(tmp_path / "c.csv", GOOD_ROWS), mapping, False, None)
    assert calls == [2, 2]
    assert Customer.objects.count() == 0
    assert ReceivedEvent.objects.count() == 0


@pytest.mark.django_db
def test_cli_bad_file_exits_1_and_lists_problems(tmp_path: Path, mapping: Path) -> None:
    rows = [list(r) for r in GOOD_ROWS]
    rows[0][9] = "abc"
    path = write_csv(tmp_path / "bad.csv", rows)
    result = CliRunner().invoke(app, ["customers", "import", str(path), "--mapping", str(mapping)])
    assert result.exit_code == 1
    assert "line 2, column 'Correo' (customer.email)" in result.output
    assert "nothing was imported" in result.output
    assert Customer.objects.count() == 0

    good = write_csv(tmp_path / "good.csv", GOOD_ROWS)
    ok = CliRunner().invoke(app, ["customers", "import", str(good), "--mapping", str(mapping)])
    assert ok.exit_code == 0, ok.output
    assert "4 new customers" in ok.output


# Export ----------------------------------------------------------------------------------------


def _exported(chunk_size: int = csv_export.CHUNK) -> list[dict[str, str]]:
    buffer = io.StringIO()
    csv_export.export_csv(buffer, chunk_size=chunk_size)
    return list(csv.DictReader(io.StringIO(buffer.getvalue())))


@pytest.mark.django_db
def test_export_lists_every_customer_with_external_ids_per_system(
    tmp_path: Path, mapping: Path
) -> None:
    csv_import.import_csv(write_csv(tmp_path / "c.csv", GOOD_ROWS), mapping, False, None)
    crm = tmp_path / "crm.yaml"
    crm.write_text(
        "channel: call_center\nsource_system: crm_viejo\nid_column: id\n"
        "columns:\n  id: customer.external_id\n  cedula: customer.national_id\n"
        "  nombre: customer.name\n",
        encoding="utf-8",
    )
    other = tmp_path / "crm.csv"
    other.write_text(
        'id,cedula,nombre\n77,1710034065,María J. Juárez\n78,,"=HYPERLINK(""http://x.example"")"\n',
        encoding="utf-8",
    )
    assert csv_import.import_csv(other, crm, False, None).problems == []
    survivor = Customer.objects.get(national_id="0926687856")
    absorbed = Customer.objects.get(identifiers__value="C-4")
    merge_customers(survivor, absorbed, ChangeContext(Actor("test")), "same person")

    rows = _exported(chunk_size=2)

    assert [r["id"] for r in rows] == [str(c.pk) for c in Customer.objects.order_by("pk")]
    assert len(rows) == 5
    assert list(rows[0])[-2:] == ["external:crm_viejo", "external:facturacion_legacy"]
    by_id = {r["id"]: r for r in rows}
    maria = by_id[str(Customer.objects.get(national_id="1710034065").pk)]
    assert (maria["external:facturacion_legacy"], maria["external:crm_viejo"]) == ("C-1", "77")
    assert maria["phone"] == "+593993757370"
    assert maria["email"] == "mjuarez@correo.ec"
    assert maria["national_id_type"] == "cedula_ec"
    assert by_id[str(survivor.pk)]["external:facturacion_legacy"] == "C-2|C-4"
    assert by_id[str(absorbed.pk)]["merged_into"] == str(survivor.pk)
    assert by_id[str(absorbed.pk)]["external:facturacion_legacy"] == ""
    hyperlink = by_id[str(Customer.objects.get(identifiers__value="78").pk)]
    assert hyperlink["display_name"] == '\'=HYPERLINK("http://x.example")'
    assert hyperlink["given_names"].startswith("'=")


@pytest.mark.django_db
def test_export_reads_in_chunks_with_a_fixed_number_of_queries(
    tmp_path: Path, mapping: Path
) -> None:
    csv_import.import_csv(write_csv(tmp_path / "c.csv", GOOD_ROWS), mapping, False, None)
    with CaptureQueriesContext(connection) as queries:
        assert len(_exported(chunk_size=2)) == 4
    # systems + 2 chunks x (customers, emails, phones, external ids) + the empty last chunk
    assert len(queries) == 1 + 2 * 4 + 1


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("=1+1", "'=1+1"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("+593993757370", "+593993757370"),
        ("+593 99 375 7370", "+593 99 375 7370"),
        ("-12.5", "-12.5"),
        ("-2+3+cmd|' /C calc'!A0", "'-2+3+cmd|' /C calc'!A0"),
        ("+A1", "'+A1"),
        ("María", "María"),
        (None, ""),
        (7, "7"),
    ],
)
def test_safe_cell(cell: object, expected: str) -> None:
    assert csv_export.safe_cell(cell) == expected


# API -------------------------------------------------------------------------------------------


def _user(name: str, role: Role) -> User:
    user = User.objects.create_user(name, password="x")
    user.groups.add(Group.objects.get_or_create(name=role.value)[0])
    return user


@pytest.mark.django_db
def test_api_import_and_export(tmp_path: Path) -> None:
    client = TestClient(router)
    manager = _user("gerente", Role.MANAGER)
    data = write_csv(tmp_path / "c.csv", GOOD_ROWS).read_bytes()

    def post(payload: bytes, dry_run: bool = False):  # type: ignore[no-untyped-def]
        return client.post(
            "/customers/import",
            data={"mapping": MAPPING, "dry_run": str(dry_run).lower()},
            FILES={"file": SimpleUploadedFile("c.csv", payload, "text/csv")},
            user=manager,
        )

    checked = post(data, dry_run=True)
    assert checked.status_code == 200, checked.content
    assert checked.json()["dry_run"] and Customer.objects.count() == 0

    done = post(data)
    assert done.status_code == 200
    assert done.json()["created"] == 4

    bad = post(data.replace(b"mjuarez@correo.ec", b"mjuarez@"))
    assert bad.status_code == 422
    assert bad.json()["problems"][0].startswith("line 2, column 'Correo'")

    exported = client.get("/customers/export?bom=true", user=manager)
    assert exported.status_code == 200
    assert exported["Content-Type"].startswith("text/csv")
    text = exported.content.decode("utf-8")
    assert text.startswith("\ufeffid,display_name")
    assert len(text.strip().splitlines()) == 5
    assert AuditEntry.objects.filter(action="export").count() == 1

    marketer = _user("mercadeo", Role.MARKETER)  # may export, may not import
    assert client.get("/customers/export", user=marketer).status_code == 200
    with pytest.raises(PermissionDenied):  # lealtad.api turns it into a 403
        client.post(
            "/customers/import",
            data={"mapping": MAPPING},
            FILES={"file": SimpleUploadedFile("c.csv", data, "text/csv")},
            user=marketer,
        )


# Property: a name cell never crashes the importer ----------------------------------------------

name_text = st.text(alphabet=st.characters(blacklist_categories=["Cs"]), min_size=0, max_size=300)


@pytest.mark.django_db
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(names=st.lists(name_text, min_size=1, max_size=4))
def test_any_name_is_imported_or_reported(names: list[str]) -> None:
    tmp = io.StringIO()
    writer = csv.writer(tmp)
    writer.writerow(["id", "nombre", "correo"])
    for i, name in enumerate(names):
        writer.writerow([f"h{i}", name, f"persona{i}@example.com"])
    mapping = (
        "channel: web\nsource_system: prop\nid_column: id\napply_changes: true\n"
        "columns:\n  id: customer.external_id\n  nombre: customer.name\n  correo: customer.email\n"
    )
    with transaction.atomic():
        before = Customer.objects.count()
        report = csv_import.import_data(tmp.getvalue(), mapping)
        if report.problems:
            assert Customer.objects.count() == before
            assert all(p.startswith(("line ", "upload.csv")) for p in report.problems)
        else:
            assert report.written
            assert report.created + report.updated + report.duplicate == report.rows
            for customer in Customer.objects.all():
                assert len(customer.display_name) <= 250
                assert len(customer.given_names) <= 120
        transaction.set_rollback(True)
