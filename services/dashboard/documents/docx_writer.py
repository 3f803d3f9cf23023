"""The layout model as a Word document (python-docx): Times New Roman 13, A4, the margins of Decree 30/2020."""

from __future__ import annotations

import io
from datetime import UTC

from docx import Document as new_document
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt
from docx.table import Table as DocxTable
from docx.table import _Cell
from docx.text.paragraph import Paragraph as DocxParagraph

from services.dashboard.documents import model
from services.dashboard.documents.model import NATIONAL, Align, Document
from services.dashboard.documents.text import scrub

FONT = "Times New Roman"
BODY_PT = 13
TABLE_PT = 11
ALIGN = {
    "left": WD_ALIGN_PARAGRAPH.LEFT,
    "center": WD_ALIGN_PARAGRAPH.CENTER,
    "right": WD_ALIGN_PARAGRAPH.RIGHT,
    "justify": WD_ALIGN_PARAGRAPH.JUSTIFY,
}
MARGINS_MM = (20, 20, 30, 15)  # top, bottom, left, right


def _run(p: DocxParagraph, text: str, *, bold: bool = False, italic: bool = False, size: float | None = None) -> None:
    run = p.add_run(text)
    run.bold = bold or None
    run.italic = italic or None
    if size:
        run.font.size = Pt(size)


def _para(p: DocxParagraph, align: Align, *, after: float = 3) -> DocxParagraph:
    p.alignment = ALIGN[align]
    p.paragraph_format.space_after = Pt(after)
    p.paragraph_format.space_before = Pt(0)
    return p


def _lines(
    cell: _Cell, lines: list[tuple[str, bool, bool]], align: Align, size: float | None = None, after: float = 0
) -> None:
    """Write (text, bold, italic) lines into a cell, one paragraph each (a text's own newlines too)."""
    first = True
    for text, bold, italic in lines:
        for part in text.split("\n"):
            p = cell.paragraphs[0] if first else cell.add_paragraph()
            first = False
            _para(p, align, after=after)
            _run(p, part, bold=bold, italic=italic, size=size)


def _no_borders(table: DocxTable) -> None:
    tbl = table._tbl
    borders = OxmlElement("w:tblBorders")
    for edge in ("top", "left", "bottom", "right", "insideH", "insideV"):
        el = OxmlElement(f"w:{edge}")
        el.set(qn("w:val"), "nil")
        borders.append(el)
    tbl.tblPr.append(borders)


def _shade(cell: _Cell, fill: str) -> None:
    shd = OxmlElement("w:shd")
    shd.set(qn("w:val"), "clear")
    shd.set(qn("w:color"), "auto")
    shd.set(qn("w:fill"), fill)
    cell._tc.get_or_add_tcPr().append(shd)


class _Writer:
    def __init__(self, doc: Document) -> None:
        self.out = new_document()
        section = self.out.sections[0]
        width, height = (Mm(297), Mm(210)) if doc.landscape else (Mm(210), Mm(297))
        section.orientation = WD_ORIENT.LANDSCAPE if doc.landscape else WD_ORIENT.PORTRAIT
        section.page_width, section.page_height = width, height
        top, bottom, left, right = MARGINS_MM
        section.top_margin, section.bottom_margin = Mm(top), Mm(bottom)
        section.left_margin, section.right_margin = Mm(left), Mm(right)
        self.width_mm = (297 if doc.landscape else 210) - left - right
        normal = self.out.styles["Normal"]
        normal.font.name = FONT
        normal.font.size = Pt(BODY_PT)
        fonts = normal.element.get_or_add_rPr().get_or_add_rFonts()
        for attr in ("w:ascii", "w:hAnsi", "w:cs", "w:eastAsia"):
            fonts.set(qn(attr), FONT)
        props = self.out.core_properties
        props.title = doc.title
        props.author = doc.author
        props.language = "vi-VN"
        created = doc.created.astimezone(UTC) if doc.created.tzinfo else doc.created
        props.created = props.modified = created.replace(tzinfo=None)  # Word reads these as UTC
        props.last_modified_by = doc.author
        props.revision = 1

    def heading(self, h: model.Heading) -> None:
        table = self.out.add_table(rows=1, cols=2)
        _no_borders(table)
        left, right = table.rows[0].cells
        left.width, right.width = Mm(self.width_mm * 0.42), Mm(self.width_mm * 0.58)
        _lines(left, [(h.parent, False, False), (h.body, True, False), ("―――――", False, False)], "center", 12)
        if h.number:
            _lines(left, [(h.number, False, False)], "center", 12)
        motto = [(NATIONAL[0], True, False), (NATIONAL[1], True, False), ("―――――――――――", False, False)]
        _lines(right, [*motto, (h.place_date, False, True)], "center", 12)
        self.out.add_paragraph()

    def title(self, t: model.Title) -> None:
        p = _para(self.out.add_paragraph(), "center", after=0)
        _run(p, t.name, bold=True, size=14)
        for line in t.about:
            _run(_para(self.out.add_paragraph(), "center", after=0), line, bold=True)
        self.out.add_paragraph()

    def paragraph(self, para: model.Paragraph) -> None:
        _run(_para(self.out.add_paragraph(), para.align), para.text, bold=para.bold, italic=para.italic)

    def table(self, t: model.Table) -> None:
        table = self.out.add_table(rows=1, cols=len(t.columns))
        table.style = self.out.styles["Table Grid"]
        table.alignment = WD_TABLE_ALIGNMENT.CENTER
        table.autofit = False
        total = sum(c.width for c in t.columns)
        widths = [Mm(self.width_mm * c.width / total) for c in t.columns]
        header = table.rows[0]
        flag = OxmlElement("w:tblHeader")  # repeat the header row on every page
        flag.set(qn("w:val"), "true")
        header._tr.get_or_add_trPr().append(flag)
        for cell, column, width in zip(header.cells, t.columns, widths, strict=True):
            cell.width = width
            _shade(cell, "E8EAED")
            _lines(cell, [(column.header, True, False)], "center", TABLE_PT)
        for row in t.rows:
            cells = table.add_row().cells
            for cell, width in zip(cells, widths, strict=True):
                cell.width = width
            if row.kind == "group":
                merged = cells[0].merge(cells[-1])
                _lines(merged, [(row.cells[0], True, False)], "left", TABLE_PT)
                continue
            for cell, text, column in zip(cells, row.cells, t.columns, strict=True):
                align: Align = column.align if column.align != "justify" else "left"
                _lines(cell, [(text, row.kind == "total", False)], align, TABLE_PT)
        self.out.add_paragraph()

    def signature(self, s: model.Signature) -> None:
        table = self.out.add_table(rows=1, cols=2)
        _no_borders(table)
        left, right = table.rows[0].cells
        left.width = right.width = Mm(self.width_mm / 2)
        if s.left is not None:
            self._signer(left, s.left)
        elif s.recipients:
            _lines(left, [("Nơi nhận:", True, True)], "left", 12)
            _lines(left, [(f"- {r}", False, False) for r in s.recipients], "left", 11)
        self._signer(right, s.right)

    @staticmethod
    def _signer(cell: _Cell, signer: model.Signer) -> None:
        lines = [(c, True, False) for c in signer.capacity]
        lines += [("(Ký, ghi rõ họ tên)", False, True), ("\n\n\n", False, False), (signer.name, True, False)]
        _lines(cell, lines, "center", 13)


def render(doc: Document) -> bytes:
    """The document as DOCX bytes (characters XML cannot hold are left out, never an error)."""
    doc = scrub(doc)
    writer = _Writer(doc)
    model.draw(doc, writer)
    buffer = io.BytesIO()
    writer.out.save(buffer)
    return buffer.getvalue()
