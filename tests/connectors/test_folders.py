"""Connector folders stay inside the connector data directory: refused when configured
(connector file, admin, API) and when used (a link planted later), with real symbolic links."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import timezone

from lealtad.channels import folders
from lealtad.channels.connectors import inbound_files, outbound, registry, subscribers
from lealtad.channels.models import Subscription
from lealtad.core import hub
from tests.two_factor import verified_login

CONNECTOR = """
name: tienda
system: pos_legacy
inbound:
  kind: file
  folder: {folder}
  pattern: "*.jsonl"
  format: jsonl
  event_type: interaction.recorded
  mapping:
    ref: id
    tema: payload.subject
    correo: customer.email
"""
HOSTILE = ["~/entrada", "../otro/entrada", "entrada/../../fuera", "/etc"]


def _write(home: Path, folder: str) -> None:
    (home / "connectors" / "tienda.yaml").write_text(CONNECTOR.format(folder=folder))
    subscribers.forget()


@pytest.fixture
def outside(tmp_path: Path) -> Path:
    """A folder next to the data directory, holding a file that must never be read."""
    where = tmp_path / "outside"
    where.mkdir()
    (where / "secreto.jsonl").write_text('{"ref": "x-1", "tema": "fuera", "correo": "a@b.ec"}\n')
    return where


@pytest.mark.django_db
@pytest.mark.parametrize("folder", HOSTILE)
def test_a_connector_whose_folder_leads_out_is_not_loaded(home: Path, folder: str) -> None:
    _write(home, folder)
    assert registry.get("tienda") is None
    [problem] = registry.problems()
    assert "inbound interaction.recorded: folder" in problem
    assert any(
        reason in problem for reason in ("'~'", "'..'", "outside the connector data directory")
    )


@pytest.mark.django_db
def test_a_symlink_leading_out_is_refused_at_load(home: Path, outside: Path) -> None:
    (home / "data" / "tienda").mkdir(parents=True)
    (home / "data" / "tienda" / "entrada").symlink_to(outside)
    _write(home, "entrada")
    assert registry.get("tienda") is None
    assert f"leads to {outside}, outside the connector data directory" in registry.problems()[0]


@pytest.mark.django_db
def test_folders_inside_the_data_directory_load(home: Path) -> None:
    inside = home / "data" / "compartido" / "entrada"
    _write(home, str(inside))  # absolute, but inside: accepted
    assert registry.get("tienda") is not None
    _write(home, "entrada/hoy")
    assert registry.get("tienda") is not None


@pytest.mark.django_db
def test_a_link_planted_after_loading_is_refused_at_run_time(home: Path, outside: Path) -> None:
    _write(home, "entrada")
    connector = registry.get("tienda")
    assert connector is not None
    (home / "data" / "tienda").mkdir(parents=True)
    (home / "data" / "tienda" / "entrada").symlink_to(outside)
    [report] = inbound_files.run(connector)
    assert "outside the connector data directory" in report.failed
    assert (outside / "secreto.jsonl").exists()  # not read, not moved


@pytest.mark.django_db
def test_a_file_linking_out_of_its_folder_is_skipped(home: Path, outside: Path) -> None:
    _write(home, "entrada")
    connector = registry.get("tienda")
    assert connector is not None
    entrada = home / "data" / "tienda" / "entrada"
    entrada.mkdir(parents=True)
    (entrada / "a.jsonl").symlink_to(outside / "secreto.jsonl")
    (entrada / "b.jsonl").write_text('{"ref": "ok-1", "tema": "Consulta", "correo": "c@d.ec"}\n')
    reports = inbound_files.run(connector)
    assert [(r.file, r.created) for r in reports] == [("b.jsonl", 1)]
    assert (entrada / "a.jsonl").is_symlink() and (outside / "secreto.jsonl").exists()


@pytest.mark.django_db
@pytest.mark.parametrize("folder", [*HOSTILE, "enlace", " salida", "\x85salida"])
def test_the_api_refuses_a_file_subscription_leading_out(
    home: Path, outside: Path, token_client: Any, folder: str
) -> None:
    base = home / "data" / registry.SUBSCRIPTIONS_DIR
    base.mkdir(parents=True)
    (base / "enlace").symlink_to(outside)
    api = token_client("admin", ("hub:admin",))
    body = {"name": "archivo", "event_types": ["customer.updated"], "kind": "file"}
    answer = api.post(
        "/api/v1/connectors/subscriptions", {**body, "folder": folder}, "application/json"
    )
    assert answer.status_code == 422, answer.content
    assert answer.json()["detail"].startswith("folder: ")
    assert not Subscription.objects.exists()
    good = api.post(
        "/api/v1/connectors/subscriptions", {**body, "folder": "salida"}, "application/json"
    )
    assert good.status_code == 200, good.content


@pytest.mark.django_db
@pytest.mark.parametrize("folder", [*HOSTILE, ""])
def test_the_admin_form_refuses_a_folder_leading_out(home: Path, folder: str) -> None:
    """The admin's form validates through the model's clean(), which names the field."""
    row = Subscription(name="archivo", kind="file", folder=folder, event_types=["*"])
    with pytest.raises(ValidationError) as refused:
        row.full_clean()
    assert "folder" in refused.value.message_dict


@pytest.mark.django_db
def test_a_stored_subscription_leading_out_fails_its_delivery(home: Path) -> None:
    """A row written before this check (or by hand) is refused when delivering: the retry and
    dead-letter machinery records the reason, and nothing is written outside."""
    row = Subscription.objects.create(
        name="viejo", kind="file", folder="../../../tmp/fuera", event_types=["*"]
    )
    message = hub.Message(
        id=1,
        event_id="e-1",
        event_type="customer.updated",
        channel="web",
        customer_id=None,
        payload={},
        created_at=timezone.now(),
    )
    with pytest.raises(folders.FolderRefused, match=r"'\.\.' is not allowed"):
        outbound.deliver(row, message)


@pytest.mark.django_db
def test_the_admin_add_page_shows_the_reason(home: Path) -> None:
    root = User.objects.create_superuser("raiz", password="x-Secret-9-raiz")
    client = Client()
    verified_login(client, root)
    answer = client.post(
        "/admin/channels/subscription/add/",
        {
            "name": "archivo",
            "kind": "file",
            "folder": "../../etc",
            "event_types": '["*"]',
            "max_attempts": 8,
            "timeout_seconds": 5,
            "active": "on",
        },
    )
    assert answer.status_code == 200
    page = answer.content.decode()
    assert "La carpeta debe quedar dentro del directorio de datos de los conectores" in page
    assert "is not allowed; name a folder below the base" in page
    assert not Subscription.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    "url", ["https://hooks.example.ec/a\x85b", "https://hooks.example.ec/a b", "https://[::1]/x"]
)
def test_the_api_refuses_a_webhook_url_the_schema_refuses(token_client: Any, url: str) -> None:
    """The published pattern and the server read the address alike (no white space, a host
    name or address of letters, digits, dots and hyphens)."""
    api = token_client("admin", ("hub:admin",))
    body = {"name": "gancho", "event_types": ["*"], "url": url, "secret": "s" * 16}
    answer = api.post("/api/v1/connectors/subscriptions", body, "application/json")
    assert answer.status_code == 422, answer.content
    assert not Subscription.objects.exists()
    good = {**body, "url": "https://hooks.example.ec/a"}
    assert api.post("/api/v1/connectors/subscriptions", good, "application/json").status_code == 200
