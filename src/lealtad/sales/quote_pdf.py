"""A quote as a PDF (fpdf2: pure Python, no system libraries).

It draws the same :class:`~lealtad.sales.quote_document.QuoteDocument` the page renders, in
the same order (each line's unit price, amount, discount, tax and total; each group's
subtotals; the quote's totals), every amount written by the same
:func:`~lealtad.sales.quote_totals.amount_text`: the PDF cannot disagree with the screen by a
cent because neither computes anything.
"""

from __future__ import annotations

from django.utils import formats, translation
from django.utils.translation import gettext as _
from fpdf import FPDF

from lealtad.sales.quote_document import QuoteDocument
from lealtad.sales.quote_totals import GroupTotals, amount_text, percent_text

# Column widths (mm) on an A4 page with 15 mm margins: 180 mm in all.
WIDTHS = (66, 12, 20, 21, 20, 20, 21)
ROW = 5.5
SIZE = 8.0


def _latin1(text: str) -> str:
    """The PDF core fonts speak Latin-1 (Spanish fits); anything else shows as '?'."""
    return text.encode("latin-1", "replace").decode("latin-1")


class _Sheet(FPDF):
    def cell_fit(self, width: float, text: str, align: str = "L", bold: bool = False) -> None:
        """One cell; a text too wide for it is written smaller (an amount is never cut, and
        never runs into the next cell where a reader would see one number)."""
        text = _latin1(text)
        size = SIZE
        self.set_font("Helvetica", "B" if bold else "", size)
        while self.get_string_width(text) > width - 1.5 and size > 4:
            size -= 0.5
            self.set_font_size(size)
        if align == "L":
            while self.get_string_width(text) > width - 1.5 and len(text) > 4:
                text = text.removesuffix("...")[:-1] + "..."
        self.cell(width, ROW, text, align=align)
        self.set_font("Helvetica", "", SIZE)


def _heading(pdf: _Sheet, doc: QuoteDocument) -> None:
    pdf.set_font("Helvetica", "B", 14)
    pdf.cell(
        0, 8, _latin1(_("Quote %(ref)s") % {"ref": doc.reference}), new_x="LMARGIN", new_y="NEXT"
    )
    pdf.set_font("Helvetica", "", 9)
    facts = [
        (_("Customer"), doc.customer),
        (_("Date"), formats.date_format(doc.issued, "d/m/Y")),
        (
            _("Valid until"),
            formats.date_format(doc.valid_until, "d/m/Y") if doc.valid_until else "-",
        ),
        (_("Currency"), doc.currency),
    ]
    if doc.title:
        facts.insert(0, (_("Subject"), doc.title))
    for label, value in facts:
        pdf.cell(35, 5, _latin1(f"{label}:"))
        pdf.cell(0, 5, _latin1(value), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)


def _columns(pdf: _Sheet) -> None:
    names = (
        _("Product"),
        _("Qty"),
        _("Unit price"),
        _("Amount"),
        _("Discount"),
        _("Tax"),
        _("Total"),
    )
    for width, name, align in zip(WIDTHS, names, "LRRRRRR", strict=True):
        pdf.cell_fit(width, name, align, bold=True)
    pdf.ln(ROW)


def _group(pdf: _Sheet, group: GroupTotals, shown: bool) -> None:
    if shown:
        pdf.cell_fit(sum(WIDTHS), group.name or _("Other items"), bold=True)
        pdf.ln(ROW)
    for line in group.lines:
        cells = (
            f"{line.sku} {line.description}",
            str(line.quantity),
            amount_text(line.unit_price),
            amount_text(line.base),
            amount_text(line.discount),
            amount_text(line.tax),
            amount_text(line.total),
        )
        for width, text, align in zip(WIDTHS, cells, "LRRRRRR", strict=True):
            pdf.cell_fit(width, text, align)
        pdf.ln(ROW)
    if shown:
        pdf.cell_fit(
            WIDTHS[0] + WIDTHS[1] + WIDTHS[2],
            _("Subtotal %(group)s") % {"group": group.name or _("Other items")},
            bold=True,
        )
        for width, value in zip(
            WIDTHS[3:], (group.subtotal, group.discount, group.tax, group.total), strict=True
        ):
            pdf.cell_fit(width, amount_text(value), "R", bold=True)
        pdf.ln(ROW + 1)


def _totals(pdf: _Sheet, doc: QuoteDocument) -> None:
    totals = doc.totals
    tax = f"{doc.tax_name or _('Tax')} {percent_text(totals.tax_rate)}"
    rows = (
        (_("Subtotal"), totals.subtotal),
        (_("Discount"), totals.discount),
        (tax, totals.tax),
        (_("Total %(currency)s") % {"currency": doc.currency}, totals.total),
    )
    pdf.ln(2)
    for label, value in rows:
        pdf.cell(sum(WIDTHS) - 60, ROW, "")
        pdf.cell_fit(35, label, bold=True)
        pdf.cell_fit(25, amount_text(value), "R", bold=True)
        pdf.ln(ROW)


def render(doc: QuoteDocument, language: str) -> bytes:
    """The quote's PDF in ``language``."""
    with translation.override(language):
        pdf = _Sheet(format="A4")
        pdf.set_margins(15, 15, 15)
        pdf.set_auto_page_break(True, 15)
        pdf.set_title(_latin1(doc.reference))
        pdf.set_creator("Lealtad")
        pdf.add_page()
        _heading(pdf, doc)
        _columns(pdf)
        for group in doc.totals.groups:
            _group(pdf, group, doc.show_groups)
        _totals(pdf, doc)
        return bytes(pdf.output())
