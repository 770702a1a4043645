"""The connectors API (hub admins only) and the ``lealtad connectors`` commands."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from lealtad.channels.connectors_cli import app
from lealtad.channels.models import ExternalSystem, Subscription
from lealtad.commerce.selectors import stock_level
from tests.connectors.conftest import EXAMPLES, inbox, stock_catalog

pytestmark = pytest.mark.django_db
runner = CliRunner()


def test_connectors_are_listed_and_their_systems_registered(install, token_client):
    install("billing")
    install("inventory")
    install("fulfilment")
    admin = token_client("admin", scopes=("hub:admin",))
    listed = admin.get("/api/v1/connectors").json()
    assert [c["name"] for c in listed["connectors"]] == ["billing", "fulfilment", "inventory"]
    assert listed["problems"] == []
    fulfilment = listed["connectors"][1]
    assert [s["kind"] for s in fulfilment["inbound"]] == ["webhook", "file"]
    assert [o["name"] for o in fulfilment["outbound"]] == ["ordenes", "manifiesto"]
    assert set(ExternalSystem.objects.values_list("name", flat=True)) >= {
        "facturacion_legacy",
        "inventario_legacy",
        "logistica_express",
    }
    assert set(Subscription.objects.values_list("name", "source")) == {
        ("billing-cartera", "yaml"),
        ("inventory-reservas", "yaml"),
        ("fulfilment-ordenes", "yaml"),
        ("fulfilment-manifiesto", "yaml"),
    }
    declared = Subscription.objects.get(name="billing-cartera")
    assert admin.delete(f"/api/v1/connectors/subscriptions/{declared.pk}").status_code == 409


def test_a_broken_connector_file_is_reported_and_others_still_load(install, home, token_client):
    install("billing")
    (home / "connectors" / "broken.yaml").write_text("name: broken\nsystem: x\ninbound: 3\n")
    admin = token_client("admin", scopes=("hub:admin",))
    listed = admin.get("/api/v1/connectors").json()
    assert [c["name"] for c in listed["connectors"]] == ["billing"]
    assert any("broken.yaml" in p for p in listed["problems"])


def test_only_hub_admins_manage_connectors(install, token_client):
    install("billing")
    manager = token_client("manager", scopes=("customers:read", "events:write"))
    assert manager.get("/api/v1/connectors").status_code == 403
    assert manager.get("/api/v1/connectors/subscriptions").status_code == 403
    assert manager.get("/api/v1/connectors/billing/rejects").status_code == 403
    assert manager.post("/api/v1/connectors/billing/run").status_code == 403


def test_cli_runs_a_folder_and_lists(install, home):
    install("inventory")
    stock_catalog(["SKU-1", "SKU-2"])
    folder = inbox(home, "inventory", "inbox/existencias")
    (folder / "s.csv").write_text(
        "ITEM,BODEGA,CANT,RESERV,FECHA_HORA\nSKU-1,01,7,0,20261124100000\nSKU-2,05,1,0,x\n"
    )
    result = runner.invoke(app, ["run", "inventory"])
    assert result.exit_code == 0, result.output
    assert "2 records: 1 created (1 changed a level), 0 duplicate, 1 rejected" in result.output
    assert "existencias s.csv" in result.output  # the progress bar's label
    assert stock_level("SKU-1", "quito-norte") == (7, 0)
    listed = runner.invoke(app, ["list"])
    assert listed.exit_code == 0 and "inventory" in listed.output
    replay = runner.invoke(app, ["replay", "inventory"])
    assert replay.exit_code == 0
    assert "0 rejects applied, 1 still rejected" in replay.output
    assert runner.invoke(app, ["run", "nope"]).exit_code == 2


def test_cli_checks_a_file(tmp_path):
    good = runner.invoke(app, ["check", str(EXAMPLES / "inventory.yaml")])
    assert good.exit_code == 1  # its URL and secret come from the environment
    assert "INVENTORY_URL" in good.output
