"""PDF building blocks shared by every printed document (告知书, forms A–E, reports).

Text is set in WenQuanYi Micro Hei (文泉驿微米黑, from the pinned PyPI package
`paperang-p2-fonts-cjk`), embedded as a TrueType subset with a ToUnicode map, so the PDFs
print the same everywhere and their text can be searched and copied. It is the only font a PDF
names: the canvas and the QR drawing start in it too (ReportLab would otherwise list Helvetica and
Times-Roman, which no PDF embeds). Table rows split across pages, so any length of text prints.
"""

from __future__ import annotations

import io
from collections.abc import Iterable
from functools import cache
from importlib import resources

from reportlab.graphics.barcode.qr import QrCodeWidget
from reportlab.graphics.shapes import Drawing
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import Flowable, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

FONT = "WenQuanYiMicroHei"


@cache
def register_font() -> str:
    path = resources.files("paperang_p2_fonts_cjk").joinpath("fonts", "wqy-microhei.ttc")
    pdfmetrics.registerFont(TTFont(FONT, str(path), subfontIndex=0))
    return FONT


@cache
def styles() -> dict[str, ParagraphStyle]:
    font = register_font()
    base = ParagraphStyle("base", fontName=font, fontSize=10.5, leading=16, wordWrap="CJK")
    return {
        "base": base,
        "title": ParagraphStyle(
            "title", parent=base, fontSize=18, leading=26, alignment=TA_CENTER, spaceAfter=4 * mm
        ),
        "subtitle": ParagraphStyle(
            "subtitle", parent=base, fontSize=10, alignment=TA_CENTER, textColor=colors.grey
        ),
        "h2": ParagraphStyle(
            "h2", parent=base, fontSize=12.5, leading=20, spaceBefore=3 * mm, spaceAfter=1.5 * mm
        ),
        "small": ParagraphStyle(
            "small", parent=base, fontSize=9, leading=13, textColor=colors.HexColor("#444444")
        ),
        "cell": ParagraphStyle("cell", parent=base, fontSize=10, leading=14),
    }


def p(text: str, style: str = "base") -> Paragraph:
    """A paragraph of plain text (escaped), CJK line breaking."""
    from xml.sax.saxutils import escape

    return Paragraph(escape(str(text)).replace("\n", "<br/>"), styles()[style])


def grid(rows: Iterable[Iterable], col_widths: list[float] | None = None, *, header: bool = False) -> Table:
    """A bordered table whose cells are wrapped paragraphs; strings are escaped."""
    data = [
        [c if isinstance(c, Flowable) else p("" if c is None else c, "cell") for c in row] for row in rows
    ]
    # splitInRow: a row taller than the rest of the page (a long free text) continues on the next
    # page instead of failing the whole document with a LayoutError.
    table = Table(data, colWidths=col_widths, repeatRows=1 if header else 0, splitInRow=1)
    style = [
        ("FONTNAME", (0, 0), (-1, -1), FONT),  # a cell style's default would name Helvetica
        ("GRID", (0, 0), (-1, -1), 0.6, colors.black),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("TOPPADDING", (0, 0), (-1, -1), 4),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 4),
    ]
    if header:
        style.append(("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eeeeee")))
    table.setStyle(TableStyle(style))
    return table


def qr(url: str, size: float = 28 * mm) -> Drawing:
    widget = QrCodeWidget(url)
    x1, y1, x2, y2 = widget.getBounds()
    drawing = Drawing(size, size, transform=[size / (x2 - x1), 0, 0, size / (y2 - y1), 0, 0])
    drawing.initialFontName = register_font()  # else the renderer sets (and lists) Times-Roman
    drawing.add(widget)
    return drawing


def signature_lines(*labels: str) -> Table:
    """Signature and date lines side by side (签字 / 日期)."""
    cells = [
        [p(f"{label}（签字）：", "base"), p("日期：\u3000\u3000\u3000年\u3000\u3000月\u3000\u3000日", "base")]
        for label in labels
    ]
    table = Table(cells, colWidths=[95 * mm, 75 * mm], rowHeights=[14 * mm] * len(cells))
    table.setStyle(TableStyle([("FONTNAME", (0, 0), (-1, -1), FONT), ("VALIGN", (0, 0), (-1, -1), "BOTTOM")]))
    return table


def build(flowables: list, *, title: str, author: str = "帮办代办平台", subject: str = "") -> bytes:
    """Render an A4 document and return its bytes; the footer carries page numbers."""
    register_font()
    buffer = io.BytesIO()

    def footer(canvas, doc):
        canvas.saveState()
        canvas.setFont(FONT, 8.5)
        canvas.setFillColor(colors.grey)
        canvas.drawCentredString(A4[0] / 2, 10 * mm, f"第 {doc.page} 页")
        canvas.restoreState()

    doc = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=20 * mm,
        rightMargin=20 * mm,
        topMargin=18 * mm,
        bottomMargin=18 * mm,
        title=title,
        author=author,
        subject=subject,
        creator="Bangban",
        # The canvas starts in Helvetica, which a PDF then lists as a font it does not embed.
        initialFontName=FONT,
    )
    doc.build(list(flowables), onFirstPage=footer, onLaterPages=footer)
    return buffer.getvalue()


__all__ = ["FONT", "build", "grid", "p", "qr", "register_font", "signature_lines", "styles", "Spacer", "mm"]
