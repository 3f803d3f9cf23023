"""The layout every document is built as (pure data): the statutory heading, title, paragraphs, tables and the
signature block. The DOCX and PDF writers draw the same model, so both files say the same thing."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal, Protocol

Align = Literal["left", "center", "right", "justify"]
NATIONAL = ("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc")
"""The national name and motto every heading carries (quốc hiệu, tiêu ngữ)."""


@dataclass(frozen=True)
class Heading:
    """The two-column heading of a Vietnamese administrative document (Decree 30/2020, Annex I): the issuing
    body under its parent on the left, the national name and motto on the right, then the place and date."""

    parent: str
    body: str
    number: str | None
    place_date: str


@dataclass(frozen=True)
class Title:
    """The document's name (upper case, bold) and the lines saying what it is about."""

    name: str
    about: tuple[str, ...] = ()


@dataclass(frozen=True)
class Paragraph:
    text: str
    bold: bool = False
    italic: bool = False
    align: Align = "justify"


@dataclass(frozen=True)
class Column:
    header: str
    width: float  # relative to the other columns
    align: Align = "left"


@dataclass(frozen=True)
class Row:
    """A table row; a "group" row is one bold cell across the table, a "total" row is bold."""

    cells: tuple[str, ...]
    kind: Literal["body", "group", "total"] = "body"


@dataclass(frozen=True)
class Table:
    columns: tuple[Column, ...]
    rows: tuple[Row, ...]


@dataclass(frozen=True)
class Signer:
    """A signature: the capacity lines (e.g. "TM. HỘI ĐỒNG …", "CHỦ TỊCH"), room to sign, the name."""

    capacity: tuple[str, ...]
    name: str = ""


@dataclass(frozen=True)
class Signature:
    """The signature block: the signer on the right; on the left either "Nơi nhận" or a second signer."""

    right: Signer
    left: Signer | None = None
    recipients: tuple[str, ...] = ()


Block = Heading | Title | Paragraph | Table | Signature


@dataclass(frozen=True)
class Document:
    title: str  # the file's metadata title
    created: datetime
    blocks: tuple[Block, ...]
    landscape: bool = False
    author: str = ""


class Writer(Protocol):
    """What a file format draws each block with (docx_writer, pdf_writer)."""

    def heading(self, h: Heading) -> None: ...
    def title(self, t: Title) -> None: ...
    def paragraph(self, p: Paragraph) -> None: ...
    def table(self, t: Table) -> None: ...
    def signature(self, s: Signature) -> None: ...


def draw(doc: Document, writer: Writer) -> None:
    """Hand every block of the document, in order, to the writer."""
    for block in doc.blocks:
        if isinstance(block, Heading):
            writer.heading(block)
        elif isinstance(block, Title):
            writer.title(block)
        elif isinstance(block, Paragraph):
            writer.paragraph(block)
        elif isinstance(block, Table):
            writer.table(block)
        else:
            writer.signature(block)
