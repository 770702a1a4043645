"""The PDF equals the page to the cent: 1,000 generated quotes (line groups, line and quote
discounts, commerce promotions, the four countries' VAT, dollars and local currencies), each
rendered as the page's HTML and as the PDF; the numbers read back from the PDF's text are the
page's, in the same order, and the totals keep their invariants."""

from __future__ import annotations

import html
import io
import random
import re
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.template.loader import render_to_string
from django.utils import timezone, translation
from pypdf import PdfReader

from lealtad.commerce import pricing
from lealtad.commerce.services.catalog import CURRENCIES, DEFAULT_TAX_RATES
from lealtad.sales import quote_pdf
from lealtad.sales.quote_document import QuoteDocument
from lealtad.sales.quote_totals import LineSpec, QuoteTotals, compute

AMOUNT = re.compile(r"(?<![\d.,])\d{1,3}(?:,\d{3})*\.\d{2}(?![\d])")
RATES = {c: (name, rate) for c, region, name, rate in DEFAULT_TAX_RATES if not region}
COUNTRIES = ("EC", "CO", "PE", "MX")
WORDS = ("Router", "Módem", "Licencia", "Soporte", "Cámara", "Teléfono", "Instalación", "Año")
GROUPS = ("", "Equipos", "Servicios", "Instalación y soporte", "Fase Norte")


def _money(rng: random.Random, currency: str) -> Decimal:
    scale = {"USD": 1, "PEN": 4, "MXN": 20, "COP": 4000}[currency]
    cents = rng.choice([rng.randint(1, 999), rng.randint(100, 99_999), rng.randint(1, 2_000_000)])
    return (Decimal(cents) * scale / 100).quantize(Decimal("0.01"))


def _lines(rng: random.Random, currency: str) -> list[LineSpec]:
    groups = rng.sample(GROUPS, rng.randint(1, 3))
    return [
        LineSpec(
            sku=f"SKU-{i:03d}",
            product=f"P{rng.randint(1, 4)}",
            description=f"{rng.choice(WORDS)} {rng.choice(WORDS).lower()}",
            quantity=rng.choice([1, 1, 2, 3, 7, 12, 250, 999]),
            unit_price=_money(rng, currency),
            group=rng.choice(groups),
            category=rng.choice(["", "redes", "servicios"]),
            discount_percent=rng.choice(
                [Decimal(0)] * 3 + [Decimal("5"), Decimal("12.5"), Decimal("100")]
            ),
            discount_amount=rng.choice([Decimal(0)] * 4 + [_money(rng, currency)]),
        )
        for i in range(rng.randint(1, 12))
    ]


def _promotions(rng: random.Random) -> list[pricing.Promotion]:
    found = []
    if rng.random() < 0.4:
        found.append(
            pricing.Promotion(
                "VERANO",
                pricing.PERCENT,
                Decimal(rng.choice([5, 10, 15])),
                priority=10,
                products=frozenset({"P1", "P2"}),
            )
        )
    if rng.random() < 0.3:
        found.append(pricing.Promotion("BONO", pricing.AMOUNT, Decimal("3.33"), priority=20))
    return found


def _quote(rng: random.Random, n: int) -> tuple[QuoteDocument, str]:
    country = COUNTRIES[n % 4]
    currency = "USD" if rng.random() < 0.5 else CURRENCIES[country]
    tax_name, rate = RATES[country]
    context = pricing.Context(channel="field", at=timezone.now())
    totals = compute(
        _lines(rng, currency),
        promotions=_promotions(rng),
        tax_rate=rate,
        context=context,
        discount_percent=rng.choice([Decimal(0), Decimal(0), Decimal("2.5"), Decimal("30")]),
        discount_amount=rng.choice([Decimal(0), Decimal(0), _money(rng, currency)]),
    )
    doc = QuoteDocument(
        number=f"COT-{n:05d}",
        version=rng.randint(1, 4),
        title=rng.choice(["", "Oficina Quito"]),
        customer="María José Quishpe Tipán",
        issued=date(2026, 12, 6),
        valid_until=rng.choice([None, date(2026, 12, 6) + timedelta(days=30)]),
        currency=currency,
        country=country,
        tax_name=tax_name,
        status="draft",
        totals=totals,
    )
    return doc, rng.choice(["es", "en"])


def _page_amounts(doc: QuoteDocument, language: str) -> list[str]:
    with translation.override(language):
        page = render_to_string("sales/_quote_document.html", {"doc": doc})
    return AMOUNT.findall(html.unescape(re.sub(r"<[^>]+>", " ", page)))


def _pdf_amounts(doc: QuoteDocument, language: str) -> list[str]:
    reader = PdfReader(io.BytesIO(quote_pdf.render(doc, language)))
    return AMOUNT.findall(" ".join(page.extract_text() for page in reader.pages))


def _invariants(totals: QuoteTotals) -> None:
    for line in totals.lines:
        assert line.base == pricing.cents(line.unit_price * line.quantity)
        assert Decimal(0) <= line.discount <= line.base
        assert line.tax == pricing.cents(line.net * totals.tax_rate)
        assert line.total == line.base - line.discount + line.tax
    for group in totals.groups:
        assert group.total == group.subtotal - group.discount + group.tax
    assert totals.subtotal == sum(line.base for line in totals.lines)
    assert totals.discount == sum(g.discount for g in totals.groups)
    assert totals.tax == sum(line.tax for line in totals.lines)
    assert totals.total == sum(line.total for line in totals.lines)
    assert totals.total == totals.subtotal - totals.discount + totals.tax
    assert Decimal(0) <= totals.negotiated <= totals.discount


def _expected(doc: QuoteDocument) -> list[str]:
    """What both must show, in order: each line's five amounts, each group's four, the
    quote's four."""
    from lealtad.sales.quote_totals import amount_text as t

    shown = []
    for group in doc.totals.groups:
        for line in group.lines:
            shown += [
                t(line.unit_price),
                t(line.base),
                t(line.discount),
                t(line.tax),
                t(line.total),
            ]
        if doc.show_groups:
            shown += [t(group.subtotal), t(group.discount), t(group.tax), t(group.total)]
    totals = doc.totals
    return [*shown, t(totals.subtotal), t(totals.discount), t(totals.tax), t(totals.total)]


@pytest.mark.slow
def test_a_thousand_quotes_pdf_equals_page_to_the_cent() -> None:
    rng = random.Random(20261206)
    seen = {"countries": set(), "currencies": set(), "grouped": 0, "negotiated": 0}
    for n in range(1000):
        doc, language = _quote(rng, n)
        _invariants(doc.totals)
        page, pdf = _page_amounts(doc, language), _pdf_amounts(doc, language)
        assert page == _expected(doc), doc.reference
        assert pdf == page, doc.reference
        seen["countries"].add(doc.country)
        seen["currencies"].add(doc.currency)
        seen["grouped"] += doc.show_groups
        seen["negotiated"] += doc.totals.negotiated > 0
    assert seen["countries"] == {"EC", "CO", "PE", "MX"}
    assert seen["currencies"] == {"USD", "COP", "PEN", "MXN"}
    assert seen["grouped"] > 300 and seen["negotiated"] > 300


def test_the_tax_rates_of_the_four_countries() -> None:
    assert {c: r for c, (_, r) in RATES.items()} == {
        "EC": Decimal("0.15"),
        "CO": Decimal("0.19"),
        "PE": Decimal("0.18"),
        "MX": Decimal("0.16"),
    }
