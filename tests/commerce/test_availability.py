"""The store clerk's "find my size" (``GET /api/v1/availability``): what it lists and in which
order, the asking store first, and that the answer follows changes to stock and locations."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from lealtad.commerce import demo, selectors
from lealtad.commerce.models import Location, Stock
from lealtad.commerce.services import catalog as catalog_services

pytestmark = pytest.mark.django_db

SKU = demo.SHIRT_M


def _find(api, here: str | None = None) -> dict:
    query = f"?sku={SKU}" + (f"&location={here}" if here else "")
    response = api.get(f"/api/v1/availability{query}")
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == "application/json; charset=utf-8"
    return response.json()


def _levels(**units: tuple[int, int]) -> None:
    """Set (on hand, reserved) of the SKU at locations, creating extra stores as needed."""
    for code, (on_hand, reserved) in units.items():
        if not Location.objects.filter(code=code).exists():
            catalog_services.upsert_location(code, f"Tienda {code}", "store", city="Cuenca")
        catalog_services.receive_stock(SKU, code, on_hand)
        Stock.objects.filter(variant__sku=SKU, location__code=code).update(reserved=reserved)


def test_most_units_first_then_by_code_and_nothing_promised_is_counted(api, story):
    _levels(**{"CUE-B": (5, 1), "CUE-A": (4, 0), "CUE-C": (3, 3), "CUE-D": (9, 2)})
    found = _find(api)
    # Seed 000's shirt in M: office 1, warehouse 6, Guayaquil 2; the home store has none.
    assert [(row["location"], row["available"]) for row in found["locations"]] == [
        ("CUE-D", 7),
        (demo.WAREHOUSE, 6),
        ("CUE-A", 4),
        ("CUE-B", 4),
        ("GYE-MALLDELSOL", 2),
        (demo.STORE_OFFICE, 1),
    ]
    assert found["total_available"] == 24
    assert found["here"] is None
    assert (found["sku"], found["product"]) == (SKU, "CAM-OXF")
    assert found["attributes"] == {"talla": "M", "color": "celeste"}
    office = next(r for r in found["locations"] if r["location"] == demo.STORE_OFFICE)
    assert office == {
        "location": demo.STORE_OFFICE,
        "name": "Tienda Amazonas",
        "kind": "store",
        "city": "Quito",
        "available": 1,
    }


def test_the_asking_store_comes_first_and_is_reported_even_without_units(api, story):
    found = _find(api, "GYE-MALLDELSOL")
    assert found["locations"][0]["location"] == "GYE-MALLDELSOL"
    assert found["here"] == {"location": "GYE-MALLDELSOL", "available": 2}
    empty = _find(api, demo.STORE_HOME)
    assert empty["here"] == {"location": demo.STORE_HOME, "available": 0}
    assert demo.STORE_HOME not in [row["location"] for row in empty["locations"]]
    assert empty["locations"][0]["location"] == demo.WAREHOUSE


def test_the_answer_is_the_selectors_answer(api, story):
    _levels(**{"CUE-A": (4, 1)})
    for here in (None, demo.STORE_OFFICE, demo.STORE_HOME, "NOWHERE"):
        assert _find(api, here) == selectors.availability(SKU, here)


def test_a_closed_or_renamed_location_shows_at_once(api, story):
    assert demo.STORE_OFFICE in [row["location"] for row in _find(api)["locations"]]
    catalog_services.upsert_location(demo.STORE_OFFICE, "Amazonas (nueva)", "store")
    office = next(r for r in _find(api)["locations"] if r["location"] == demo.STORE_OFFICE)
    assert office["name"] == "Amazonas (nueva)"
    location = Location.objects.get(code=demo.STORE_OFFICE)
    location.active = False
    location.save()
    found = _find(api)
    assert demo.STORE_OFFICE not in [row["location"] for row in found["locations"]]
    assert found["total_available"] == 8


def test_an_unknown_sku_is_not_found(api, story):
    assert api.get("/api/v1/availability?sku=NOPE").status_code == 404


@pytest.mark.django_db(transaction=True)  # committed as requests are: locations are then kept
def test_the_answer_costs_two_queries_whatever_the_number_of_locations(api, story):
    _find(api)  # the token and the locations are then known to this process
    counts = []
    for sku in ("CAM-OXF-CEL-L", SKU):  # at two locations, then at four
        with CaptureQueriesContext(connection) as queries:
            assert api.get(f"/api/v1/availability?sku={sku}").status_code == 200
        counts.append(len(queries))
    assert counts == [2, 2]
