"""The bulk customer endpoints are reachable over real HTTP: ``/customers/{customer_id}`` used
to take their paths (a GET of /customers/export answered 422, a POST of /customers/import
405), because its router was registered first."""

from __future__ import annotations

import csv
import io

import httpx
import pytest
from django.contrib.auth.models import Group, User

from lealtad.core import tokens
from lealtad.customers.models import Customer

MAPPING = (
    "channel: web\nsource_system: tienda\nid_column: id\ncolumns:\n"
    "  id: customer.external_id\n  nombre: customer.name\n  correo: customer.email\n"
)
CSV = "id,nombre,correo\n1,María José Quishpe,mj@example.com\n2,Rodrigo Juárez,rj@example.com\n"


def _bearer() -> dict[str, str]:
    user = User.objects.create_user("bulk-admin")
    user.groups.add(Group.objects.get_or_create(name="admin")[0])
    key = tokens.create_token(user, "bulk", ["customers:read", "customers:export"])
    return {"Authorization": f"Bearer {key}"}


@pytest.mark.django_db(transaction=True)
def test_import_then_export_over_real_http(asgi_server: str) -> None:
    headers = _bearer()
    files = {"file": ("clientes.csv", CSV.encode(), "text/csv")}
    imported = httpx.post(
        f"{asgi_server}/api/v1/customers/import",
        data={"mapping": MAPPING},
        files=files,
        headers=headers,
        timeout=30,
    )
    assert imported.status_code == 200, imported.text
    assert imported.json()["created"] == 2
    assert Customer.objects.count() == 2

    exported = httpx.get(f"{asgi_server}/api/v1/customers/export", headers=headers, timeout=30)
    assert exported.status_code == 200, exported.text
    assert exported.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(exported.text)))
    assert sorted(r["display_name"] for r in rows) == ["María José Quishpe", "Rodrigo Juárez"]


@pytest.mark.django_db(transaction=True)
def test_a_customer_id_route_still_answers_for_numbers_only(asgi_server: str) -> None:
    headers = _bearer()
    missing = httpx.get(f"{asgi_server}/api/v1/customers/999999", headers=headers, timeout=10)
    assert missing.status_code == 404
