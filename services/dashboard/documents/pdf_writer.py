"""The layout model as a PDF (fpdf2, no browser): Debian's DejaVu Sans embedded, so Vietnamese diacritics are
intact and the text can be read back (pdftotext)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from fpdf import FPDF, FontFace
from fpdf.enums import XPos, YPos

from services.dashboard.documents import model
from services.dashboard.documents.model import NATIONAL, Align, Document
from services.dashboard.documents.text import scrub

FONT_DIRS: tuple[Path, ...] = (
    Path("/usr/share/fonts/truetype/dejavu"),  # Debian, Ubuntu: fonts-dejavu-core
    Path("/usr/share/fonts/dejavu"),  # Fedora, Arch
    Path("/usr/share/fonts/TTF"),
    Path("/usr/local/share/fonts"),
)
"""Where DejaVuSans.ttf and DejaVuSans-Bold.ttf are looked for, in order (when a PDF is rendered)."""
FONT_FILES = {"": "DejaVuSans.ttf", "B": "DejaVuSans-Bold.ttf"}
FAMILY = "DejaVu"
ALIGN: dict[Align, str] = {"left": "L", "center": "C", "right": "R", "justify": "J"}
BODY_PT = 11
TABLE_PT = 9
LINE_MM = 5.5


class FontMissing(RuntimeError):
    """The DejaVu fonts a PDF embeds are not installed."""


def font_files(dirs: Sequence[Path] | None = None) -> dict[str, Path]:
    """The regular and bold DejaVu Sans files (style → path); FontMissing says how to install them."""
    searched = tuple(dirs if dirs is not None else FONT_DIRS)
    found: dict[str, Path] = {}
    for style, name in FONT_FILES.items():
        path = next((d / name for d in searched if (d / name).is_file()), None)
        if path is None:
            raise FontMissing(
                f"font {name} not found in {', '.join(str(d) for d in searched)}: PDFs need Debian's DejaVu fonts "
                "for Vietnamese text; run `make doc-deps` (installs fonts-dejavu-core)"
            )
        found[style] = path
    return found


class _Pdf(FPDF):
    def footer(self) -> None:
        self.set_y(-12)
        self.set_font(FAMILY, "", 8)
        self.cell(0, 5, f"Trang {self.page_no()}/{{nb}}", align="C")


def _style(bold: bool) -> str:
    return "B" if bold else ""


class _Writer:
    def __init__(self, doc: Document, fonts: dict[str, Path]) -> None:
        pdf = _Pdf(orientation="L" if doc.landscape else "P", unit="mm", format="A4")
        pdf.set_margins(left=25, top=15, right=15)
        pdf.set_auto_page_break(True, margin=18)
        for style, path in fonts.items():
            pdf.add_font(FAMILY, style, str(path))
        pdf.set_title(doc.title)
        pdf.set_author(doc.author)
        pdf.set_lang("vi")
        pdf.set_creator("Thi đua")
        pdf.set_creation_date(doc.created)
        pdf.add_page()
        pdf.set_font(FAMILY, "", BODY_PT)
        self.pdf = pdf

    def _column(self, x: float, y: float, w: float, lines: Sequence[tuple[str, bool, float]], align: str) -> float:
        """(text, bold, size) lines in a column at (x, y) of width w; the y below them."""
        pdf = self.pdf
        pdf.set_xy(x, y)
        for text, bold, size in lines:
            pdf.set_font(FAMILY, _style(bold), size)
            pdf.multi_cell(w, size * 0.5, text, align=align, new_x=XPos.LEFT, new_y=YPos.NEXT)
        return pdf.get_y()

    def heading(self, h: model.Heading) -> None:
        pdf = self.pdf
        x, y, epw = pdf.l_margin, pdf.get_y(), pdf.epw
        lw, rw = epw * 0.45, epw * 0.55
        left = [(h.parent, False, 9.5), (h.body, True, 9.5)]
        y_left = self._column(x, y, lw, left, "C")
        pdf.line(x + lw * 0.35, y_left + 0.8, x + lw * 0.65, y_left + 0.8)
        if h.number:
            y_left = self._column(x, y_left + 2, lw, [(h.number, False, 9.5)], "C")
        y_right = self._column(x + lw, y, rw, [(NATIONAL[0], True, 10.0), (NATIONAL[1], True, 11.0)], "C")
        pdf.line(x + lw + rw * 0.3, y_right + 0.8, x + lw + rw * 0.7, y_right + 0.8)
        y_right = self._column(x + lw, y_right + 2, rw, [(h.place_date, False, 10.0)], "C")
        pdf.set_xy(x, max(y_left, y_right) + 6)

    def title(self, t: model.Title) -> None:
        pdf = self.pdf
        pdf.set_font(FAMILY, "B", 13)
        pdf.multi_cell(0, 7, t.name, align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.set_font(FAMILY, "B", BODY_PT)
        for line in t.about:
            pdf.multi_cell(0, LINE_MM, line, align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.ln(4)

    def paragraph(self, p: model.Paragraph) -> None:
        pdf = self.pdf
        pdf.set_font(FAMILY, _style(p.bold), BODY_PT)
        pdf.multi_cell(0, LINE_MM, p.text, align=ALIGN[p.align], new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.ln(1)

    def table(self, t: model.Table) -> None:
        pdf = self.pdf
        pdf.set_font(FAMILY, "", TABLE_PT)
        bold = FontFace(emphasis="BOLD")
        with pdf.table(
            align="LEFT",
            col_widths=tuple(c.width for c in t.columns),
            text_align=tuple(ALIGN[c.align] if c.align != "justify" else "L" for c in t.columns),
            headings_style=FontFace(emphasis="BOLD", fill_color=(232, 234, 237)),
            line_height=TABLE_PT * 0.5,
            padding=1,
            repeat_headings=1,
        ) as table:
            header = table.row()
            for column in t.columns:
                header.cell(column.header, align="C")
            for row in t.rows:
                cells = table.row()
                if row.kind == "group":
                    cells.cell(row.cells[0], colspan=len(t.columns), style=bold, align="L")
                    continue
                for text in row.cells:
                    cells.cell(text, style=bold if row.kind == "total" else None)
        pdf.set_font(FAMILY, "", BODY_PT)
        pdf.ln(3)

    def _signer(self, x: float, y: float, w: float, signer: model.Signer) -> float:
        lines = [(c, True, 10.0) for c in signer.capacity] + [("(Ký, ghi rõ họ tên)", False, 9.0)]
        below = self._column(x, y, w, lines, "C")
        return self._column(x, below + 20, w, [(signer.name or " ", True, 10.0)], "C")

    def signature(self, s: model.Signature) -> None:
        pdf = self.pdf
        if pdf.get_y() + 45 > pdf.h - pdf.b_margin:
            pdf.add_page()
        x, y, lw = pdf.l_margin, pdf.get_y() + 2, pdf.epw * 0.45
        ends = [self._signer(x + lw, y, pdf.epw - lw, s.right)]
        if s.left is not None:
            ends.append(self._signer(x, y, lw, s.left))
        elif s.recipients:
            lines = [("Nơi nhận:", True, 9.5)] + [(f"- {r}", False, 8.5) for r in s.recipients]
            ends.append(self._column(x, y, lw, lines, "L"))
        pdf.set_xy(x, max(ends) + 2)


def render(doc: Document, fonts: dict[str, Path] | None = None) -> bytes:
    """The document as PDF bytes (the fonts are located now unless given; FontMissing if absent); control
    characters are left out."""
    doc = scrub(doc)
    writer = _Writer(doc, fonts if fonts is not None else font_files())
    model.draw(doc, writer)
    return bytes(writer.pdf.output())
