"""An opportunity's products: set through the catalog's own check (an unknown or discontinued
product refused by its line), the deal's amount following the lines, audited, frozen once the
deal is won or lost; over HTTP, from the shell and on the opportunity's page."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lealtad.commerce import demo
from lealtad.commerce.models import Variant
from lealtad.core.errors import DomainError
from lealtad.core.models import AuditEntry
from lealtad.sales.models import Opportunity, OpportunityLine
from lealtad.sales.selectors_opportunity_lines import lines_of
from lealtad.sales.services import opportunities
from lealtad.sales.services.opportunity_lines import LineIn, SetLines, set_lines
from tests.sales.helpers import ACTOR

from .screens_data import open_deals

pytestmark = pytest.mark.django_db
SHIRT, TROUSERS = demo.SHIRT_M, demo.TROUSERS_32


@pytest.fixture
def deal(pipeline) -> Opportunity:
    demo.seed_catalog()
    today = timezone.localdate()
    return open_deals(pipeline, [{"name": "Uniformes", "amount": "500", "close": today}])[0]


def refused(deal: Opportunity, lines: list[LineIn]) -> DomainError:
    with pytest.raises(DomainError) as caught:
        set_lines([SetLines(deal.pk, lines)], ACTOR)
    return caught.value


def test_lines_take_the_catalog_price_and_the_amount_follows(deal) -> None:
    set_lines(
        [
            SetLines(
                deal.pk,
                [
                    LineIn(SHIRT, 3, discount_percent="10"),
                    LineIn(TROUSERS, "2.5", unit_price="40.00"),
                ],
            )
        ],
        ACTOR,
    )
    shirt, trousers = OpportunityLine.objects.filter(opportunity=deal).order_by("id")
    assert (shirt.unit_price, shirt.discount_percent) == (Decimal("34.90"), Decimal("10.00"))
    assert shirt.description  # the catalog's name for it
    assert trousers.unit_price == Decimal("40.00")
    deal.refresh_from_db()
    assert deal.amount == Decimal("94.23") + Decimal("100.00")  # 104.70 less 10 %, 2.5 x 40
    entry = AuditEntry.objects.get(action="set_opportunity_lines")
    assert entry.entity_id == deal.number
    assert entry.changes["amount"] == ["500.00", "194.23"]
    assert entry.changes["lines"][1] == [f"{SHIRT} x 3 @ 34.90 -10%", f"{TROUSERS} x 2.5 @ 40.00"]


def test_setting_again_replaces_and_the_amount_may_stay(deal) -> None:
    set_lines([SetLines(deal.pk, [LineIn(SHIRT, 1), LineIn(TROUSERS, 1)])], ACTOR)
    set_lines([SetLines(deal.pk, [LineIn(TROUSERS, 4)], update_amount=False)], ACTOR)
    assert list(deal.lines.values_list("sku", "quantity")) == [(TROUSERS, Decimal("4.000"))]
    deal.refresh_from_db()
    assert deal.amount == Decimal("34.90") + Decimal("44.90")  # kept from the first setting
    set_lines([SetLines(deal.pk, [])], ACTOR)  # no lines: the amount is the seller's again
    deal.refresh_from_db()
    assert not deal.lines.exists() and deal.amount == Decimal("79.80")


@pytest.mark.parametrize(
    ("line", "field", "code", "status"),
    [
        (LineIn("NO-SUCH-SKU", 1), "lines[1].sku", "unknown_product", 404),
        (LineIn(TROUSERS, 0), "lines[1].quantity", "sales_refused", 422),
        (LineIn(TROUSERS, "-2"), "lines[1].quantity", "sales_refused", 422),
        (LineIn(TROUSERS, 1, unit_price="-1"), "lines[1].unit_price", "sales_refused", 422),
        (
            LineIn(TROUSERS, 1, discount_percent="101"),
            "lines[1].discount_percent",
            "sales_refused",
            422,
        ),
        (LineIn(SHIRT, 2), "lines[1].sku", "sales_refused", 409),  # twice on one deal
    ],
)
def test_a_bad_line_refuses_them_all_naming_it(deal, line, field, code, status) -> None:
    set_lines([SetLines(deal.pk, [LineIn(TROUSERS, 1)])], ACTOR)
    error = refused(deal, [LineIn(SHIRT, 1), line])
    assert (error.field, error.code, error.status) == (field, code, status)
    assert list(deal.lines.values_list("sku", flat=True)) == [TROUSERS]  # as it was
    deal.refresh_from_db()
    assert deal.amount == Decimal("44.90")
    assert AuditEntry.objects.filter(action="set_opportunity_lines").count() == 1


def test_a_discontinued_product_is_refused_by_the_quotes_check(deal) -> None:
    Variant.objects.filter(sku=TROUSERS).update(active=False)
    error = refused(deal, [LineIn(SHIRT, 1), LineIn(TROUSERS, 1)])
    assert (error.status, error.field, error.code) == (409, "lines[1].sku", "product_discontinued")
    assert TROUSERS in error.message and "discontinued" in error.message
    assert not OpportunityLine.objects.exists()


def test_a_won_deals_lines_are_frozen(deal, pipeline) -> None:
    set_lines([SetLines(deal.pk, [LineIn(SHIRT, 1)])], ACTOR)
    won = pipeline.stages.get(name="Ganada")
    opportunities.move([opportunities.Move(deal.pk, won.pk)], ACTOR)
    error = refused(deal, [LineIn(SHIRT, 5)])
    assert (error.status, error.code) == (409, "opportunity_closed")
    assert "won" in error.message and deal.number in error.message
    assert deal.lines.get().quantity == 1


def test_in_a_batch_the_refusal_names_the_deal_and_the_line(deal, pipeline) -> None:
    other = open_deals(pipeline, [{"name": "Otro", "amount": "1", "close": deal.close_date}])[0]
    with pytest.raises(DomainError) as caught:
        set_lines(
            [SetLines(deal.pk, [LineIn(SHIRT, 1)]), SetLines(other.pk, [LineIn("NOPE", 1)])],
            ACTOR,
        )
    assert caught.value.field == "rows[1].lines[0].sku"
    assert not OpportunityLine.objects.exists()


URL = "/api/v1/sales/opportunities/{}/lines"


def test_lines_over_http(deal, token_client, pipeline) -> None:
    rep = token_client("sales_rep", ("sales:work",))
    url = URL.format(deal.pk)
    body = {"lines": [{"sku": SHIRT, "quantity": "2", "discount_percent": "5"}]}
    put = rep.put(url, body, content_type="application/json")
    assert put.status_code == 200, put.content
    got = rep.get(url).json()
    assert got == put.json()
    assert got["amount"] == got["total"] == "66.31"  # 69.80 less 5 %
    assert got["lines"][0] | {"description": ""} == {
        "sku": SHIRT,
        "description": "",
        "quantity": "2",
        "unit_price": "34.90",
        "discount_percent": "5.00",
        "net": "66.31",
    }
    Variant.objects.filter(sku=TROUSERS).update(active=False)
    gone = rep.put(
        url, {"lines": [{"sku": TROUSERS, "quantity": "1"}]}, content_type="application/json"
    )
    assert gone.status_code == 409 and gone.json()["field"] == "lines[0].sku"
    unknown = rep.put(
        url, {"lines": [{"sku": "NOPE", "quantity": "1"}]}, content_type="application/json"
    )
    assert unknown.status_code == 404 and unknown.json()["code"] == "unknown_product"
    negative = rep.put(
        url, {"lines": [{"sku": SHIRT, "quantity": "-1"}]}, content_type="application/json"
    )
    assert negative.status_code == 422
    assert rep.get(url).json()["lines"][0]["quantity"] == "2"  # nothing changed
    lost = pipeline.stages.get(name="Perdida")
    opportunities.move([opportunities.Move(deal.pk, lost.pk)], ACTOR)
    frozen = rep.put(url, body, content_type="application/json")
    assert frozen.status_code == 409 and frozen.json()["code"] == "opportunity_closed"
    assert rep.get(url).json()["frozen"] is True
    assert rep.get(URL.format(999_999)).status_code == 404
    assert rep.get(URL.format(2**70)).status_code == 404  # beyond the database's integers
    beyond = rep.put(URL.format(2**70), body, content_type="application/json")
    assert beyond.status_code == 404
    deal_url = f"/api/v1/sales/opportunities/{2**70}"
    assert rep.get(deal_url).status_code == 404
    moved = rep.post(f"{deal_url}/stage", {"stage_id": lost.pk}, content_type="application/json")
    assert moved.status_code == 404


def test_the_lines_commands(deal, django_user_model, tmp_path) -> None:
    from typer.testing import CliRunner

    from lealtad.sales.cli import app

    django_user_model.objects.create_user("vendedor")
    runner = CliRunner()
    made = runner.invoke(
        app, ["lines", "set", deal.number, f"{SHIRT}:2", f"{TROUSERS}:1:40:10", "--as", "vendedor"]
    )
    assert made.exit_code == 0, made.output
    assert "105.80 USD" in made.output  # 69.80 + 36.00
    gone = runner.invoke(app, ["lines", "set", deal.number, "NOPE:1", "--as", "vendedor"])
    assert gone.exit_code == 1 and "NOPE is not a product of the catalog" in gone.output
    file = tmp_path / "lines.json"
    file.write_text(f'[{{"sku": "{TROUSERS}", "quantity": 3}}]', encoding="utf-8")
    kept = runner.invoke(
        app, ["lines", "set", deal.number, "--file", str(file), "--keep-amount", "--as", "vendedor"]
    )
    assert kept.exit_code == 0, kept.output
    shown = runner.invoke(app, ["lines", "show", deal.number])
    assert TROUSERS in shown.output and SHIRT not in shown.output
    assert "105.80 USD" in shown.output and "134.70" in shown.output  # amount kept; 3 x 44.90


@pytest.fixture
def signed_in(client):
    from .screens_data import PASSWORD, seller

    rep = seller("lucia.ventas")
    assert client.login(username=rep.username, password=PASSWORD)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


def test_the_opportunity_page_shows_and_edits_the_products(deal, signed_in, pipeline) -> None:
    page = f"/sales/opportunities/{deal.pk}/"
    assert 'id="lines-form"' in signed_in.get(page).content.decode()
    form = {
        "sku-0": SHIRT,
        "quantity-0": "2",
        "sku-1": TROUSERS,
        "quantity-1": "1",
        "unit_price-1": "40",
        "discount-1": "10",
        "sku-2": "",
        "quantity-2": "",
    }
    saved = signed_in.post(f"{page}lines/", form, follow=True).content.decode()
    assert "Products saved." in saved
    assert 'value="CAM-OXF-CEL-M"' in saved and "105.80 USD" in saved
    Variant.objects.filter(sku=TROUSERS).update(active=False)
    refused_page = signed_in.post(f"{page}lines/", {**form, "quantity-0": "5"}, follow=True)
    text = refused_page.content.decode()
    assert f"{TROUSERS} is discontinued" in text and "lines[1].sku" in text
    skipping = {**form, "sku-0": "", "quantity-0": "", "sku-1": SHIRT, "sku-2": "NOPE"}
    skipping["quantity-2"] = "1"
    text = signed_in.post(f"{page}lines/", skipping, follow=True).content.decode()
    assert "lines[2].sku: NOPE is not a product" in text  # the form's row; row 0 was empty
    assert deal.lines.get(sku=SHIRT).quantity == 2  # nothing written
    won = pipeline.stages.get(name="Ganada")
    opportunities.move([opportunities.Move(deal.pk, won.pk)], ACTOR)
    frozen = signed_in.get(page).content.decode()
    assert "its products can no longer change" in frozen and 'id="lines-form"' not in frozen
    late = signed_in.post(f"{page}lines/", form, follow=True).content.decode()
    assert "is won: its products can no longer change" in late
    board = signed_in.get("/sales/board/").content.decode()
    assert f'href="/sales/opportunities/{deal.pk}/"' in board


line_values = st.tuples(
    st.decimals(min_value=Decimal("0.001"), max_value=Decimal(1000), places=3),
    st.decimals(min_value=Decimal(0), max_value=Decimal(100_000), places=2),
    st.decimals(min_value=Decimal(0), max_value=Decimal(100), places=2),
)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(values=st.lists(line_values, min_size=1, max_size=2))
def test_the_amount_is_the_sum_of_the_nets_to_the_cent(deal, values) -> None:
    skus = (SHIRT, TROUSERS)
    lines = [LineIn(skus[i], q, p, d) for i, (q, p, d) in enumerate(values)]
    set_lines([SetLines(deal.pk, lines)], ACTOR)
    deal.refresh_from_db()
    nets = []
    for q, p, d in values:
        exact = q * p * (100 - d) / 100
        net = exact.quantize(Decimal("0.01"), rounding="ROUND_HALF_UP")
        assert abs(net - exact) <= Decimal("0.005")  # rounded once, to the nearest cent
        assert Decimal(0) <= net <= (q * p).quantize(Decimal("0.01"), rounding="ROUND_HALF_UP")
        nets.append(net)
    assert deal.amount == sum(nets)
    shown = lines_of(deal.pk)
    assert shown.total == deal.amount and [line.net for line in shown.lines] == nets
