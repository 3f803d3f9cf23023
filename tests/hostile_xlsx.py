"""Hand-built XLSX packages for the ratings import's bounds: hostile (tiny files that declare or hold huge sheets)
and malformed (XML that Excel never writes). Built with zipfile and hand-written XML, so nothing smooths them.
Used by tests/unit/test_ratings_import.py and bench/upload_bounds.py."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable, Iterable
from xml.sax.saxutils import escape

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
HEADERS = ("Mã đơn vị", "Mã cán bộ", "Họ và tên", "Năm", "Mức xếp loại", "Điểm")
GOOD_ROW = ("H40.12.05", "CB-1", "Nguyễn Văn An", 2025, "good", 86.5)


def cell(ref: str, value: str | int | float | None) -> str:
    """One cell: text inline, numbers as <v>, None as an empty cell."""
    if value is None:
        return f'<c r="{ref}"/>'
    if isinstance(value, str):
        return f'<c r="{ref}" t="inlineStr"><is><t>{escape(value)}</t></is></c>'
    return f'<c r="{ref}"><v>{value}</v></c>'


def row(number: int, values: Iterable[str | int | float | None]) -> str:
    cells = "".join(cell(f"{'ABCDEF'[i]}{number}", v) for i, v in enumerate(values))
    return f'<row r="{number}">{cells}</row>'


def sheet(rows: str | bytes, *, dimension: str = "A1:F2", head: str = "") -> bytes:
    """A worksheet: the header row, then `rows` as given (raw XML)."""
    body = rows.encode() if isinstance(rows, str) else rows
    return (
        (
            f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>{head}<worksheet xmlns="{MAIN}">'
            f'<dimension ref="{dimension}"/><sheetData>{row(1, HEADERS)}'
        ).encode()
        + body
        + b"</sheetData></worksheet>"
    )


def package(
    sheet_xml: bytes | None,
    *,
    shared: bytes | None = None,
    styles: bytes | None = None,
    compression: int = zipfile.ZIP_DEFLATED,
    sheet_name: str = "Xếp loại",
) -> bytes:
    """A minimal XLSX package around one worksheet (None: a workbook that names a sheet the package lacks)."""
    types = [
        '<Override PartName="/xl/workbook.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>',
        '<Override PartName="/xl/worksheets/sheet1.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>',
    ]
    rels = [f'<Relationship Id="rId1" Type="{REL}/worksheet" Target="worksheets/sheet1.xml"/>']
    if shared is not None:
        types.append(
            '<Override PartName="/xl/sharedStrings.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>'
        )
        rels.append(f'<Relationship Id="rId2" Type="{REL}/sharedStrings" Target="sharedStrings.xml"/>')
    if styles is not None:
        types.append(
            '<Override PartName="/xl/styles.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
        )
        rels.append(f'<Relationship Id="rId3" Type="{REL}/styles" Target="styles.xml"/>')
    parts: dict[str, bytes] = {
        "[Content_Types].xml": (
            '<?xml version="1.0" encoding="UTF-8"?>'
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>' + "".join(types) + "</Types>"
        ).encode(),
        "_rels/.rels": (
            f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{PKG_REL}">'
            f'<Relationship Id="rId1" Type="{REL}/officeDocument" Target="xl/workbook.xml"/></Relationships>'
        ).encode(),
        "xl/workbook.xml": (
            f'<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="{MAIN}" xmlns:r="{REL}"><sheets>'
            f'<sheet name="{escape(sheet_name)}" sheetId="1" r:id="rId1"/></sheets></workbook>'
        ).encode(),
        "xl/_rels/workbook.xml.rels": (
            f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{PKG_REL}">'
            + "".join(rels)
            + "</Relationships>"
        ).encode(),
    }
    if sheet_xml is not None:
        parts["xl/worksheets/sheet1.xml"] = sheet_xml
    if shared is not None:
        parts["xl/sharedStrings.xml"] = shared
    if styles is not None:
        parts["xl/styles.xml"] = styles
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression, compresslevel=9 if compression == zipfile.ZIP_DEFLATED else None) as z:
        for name, data in parts.items():
            z.writestr(name, data)
    return out.getvalue()


def shared_strings(strings: Iterable[str], count: int) -> bytes:
    body = "".join(f"<si><t>{escape(s)}</t></si>" for s in strings)
    return f'<?xml version="1.0" encoding="UTF-8"?><sst xmlns="{MAIN}" uniqueCount="{count}">{body}</sst>'.encode()


DATE_STYLES = (
    f'<?xml version="1.0" encoding="UTF-8"?><styleSheet xmlns="{MAIN}">'
    '<cellXfs count="2"><xf numFmtId="0"/><xf numFmtId="14" applyNumberFormat="1"/></cellXfs></styleSheet>'
).encode()
"""Styles whose second cell format (s="1") is the built-in date format 14 (d/m/yyyy)."""


# --- hostile: tiny files, huge sheets --------------------------------------------------------------------------


def empty_rows(n: int, *, compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    """The header, then n empty rows (blank rows that openpyxl never counted), then one valid row."""
    return package(
        sheet(b"<row/>" * n + row(n + 2, GOOD_ROW).encode(), dimension=f"A1:XFD{n + 2}"), compression=compression
    )


def declared_rows(n: int) -> bytes:
    """A sheet declaring n rows (its dimension) and holding n empty row elements: ~86 KB for 9,000,000."""
    return package(sheet(b"<row/>" * n, dimension=f"A1:XFD{n + 1}"))


def many_shared_strings(n: int, *, compression: int = zipfile.ZIP_DEFLATED, declared: bool = True) -> bytes:
    """n shared strings (all alike, so they pack to almost nothing), the header and one row that uses them;
    `declared` False leaves the count out of the file (the reader must count them itself)."""
    header = "".join(f'<c r="{"ABCDEF"[i]}1" t="s"><v>{i}</v></c>' for i in range(6))
    strings = shared_strings([*HEADERS, *(["x"] * (n - len(HEADERS)))], n if declared else 0)
    body = f'<worksheet xmlns="{MAIN}"><sheetData><row r="1">{header}</row>{row(2, GOOD_ROW)}</sheetData></worksheet>'
    return package(body.encode(), shared=strings, compression=compression)


def wide_declared(rows: int = 5000) -> bytes:
    """Valid rows in a sheet declaring 16,384 columns (A1:XFD…): openpyxl padded every row to that width."""
    body = "".join(row(n, (GOOD_ROW[0], f"CB-{n}", None, 2025, "good", None)) for n in range(2, rows + 2))
    return package(sheet(body, dimension=f"A1:XFD{rows + 1}"))


def wide_cells(rows: int = 2000) -> bytes:
    """Valid rows that each also hold a cell in the last column (XFD): read as six columns, not 16,384."""
    body = "".join(
        row(n, (GOOD_ROW[0], f"CB-{n}", None, 2025, "good", None))[: -len("</row>")]
        + f'<c r="XFD{n}"><v>1</v></c></row>'
        for n in range(2, rows + 2)
    )
    return package(sheet(body, dimension=f"A1:XFD{rows + 1}"))


def member_bomb() -> bytes:
    """A worksheet member that unpacks from a few KB to 50 MB of spaces."""
    return package(sheet(b" " * (50 * 1024 * 1024)))


def entity_bomb() -> bytes:
    """The 'billion laughs': entities that expand to gigabytes."""
    head = (
        '<!DOCTYPE worksheet [<!ENTITY a "aaaaaaaaaa">'
        + "".join(f'<!ENTITY {chr(98 + i)} "{("&" + chr(97 + i) + ";") * 10}">' for i in range(8))
        + "]>"
    )
    return package(sheet(row(2, ("&i;", "CB-1", None, 2025, "good", None)), head=head))


# --- malformed: XML Excel never writes ------------------------------------------------------------------------


def with_row(xml_row: str, **kwargs: bytes) -> bytes:
    return package(sheet(xml_row), **kwargs)  # type: ignore[arg-type]


def non_numeric_value() -> bytes:
    return with_row('<row r="2"><c r="A2" t="inlineStr"><is><t>H40.12.05</t></is></c><c r="D2"><v>abc</v></c></row>')


def huge_number() -> bytes:
    return with_row(f'<row r="2"><c r="D2"><v>{"9" * 5000}</v></c></row>')


def bad_shared_index() -> bytes:
    header = "".join(f'<c r="{"ABCDEF"[i]}1" t="s"><v>{i}</v></c>' for i in range(6))
    body = (
        f'<worksheet xmlns="{MAIN}"><sheetData><row r="1">{header}</row>'
        '<row r="2"><c r="E2" t="s"><v>99</v></c></row></sheetData></worksheet>'
    )
    return package(body.encode(), shared=shared_strings(HEADERS, len(HEADERS)))


def many_cells(rows: int, per_row: int) -> bytes:
    """Rows full of empty cells (stored, not packed): cells count even when empty."""
    cells = "".join(f'<c r="{_column(c)}{{n}}"/>' for c in range(1, per_row + 1))
    body = "".join(f'<row r="{n}">' + cells.replace("{n}", str(n)) + "</row>" for n in range(2, rows + 2))
    return package(sheet(body), compression=zipfile.ZIP_STORED)


def _column(number: int) -> str:
    letters = ""
    while number:
        number, rest = divmod(number - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def rows_out_of_order() -> bytes:
    return with_row(row(3, GOOD_ROW) + row(2, GOOD_ROW))


def truncated_xml() -> bytes:
    whole = sheet(row(2, GOOD_ROW))
    return package(whole[: len(whole) - 40])


def bad_iso_date() -> bytes:
    return with_row('<row r="2"><c r="D2" t="d"><v>2025-13-45</v></c></row>')


def bad_serial_date() -> bytes:
    return with_row('<row r="2"><c r="D2" s="1"><v>1e12</v></c></row>', styles=DATE_STYLES)


def not_a_zip() -> bytes:
    return b"Ma don vi;Ma can bo;Nam\nH40.12.05;CB-1;2025\n"


def zip_without_sheet() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("readme.txt", "không có gì")
    return out.getvalue()


def workbook_without_its_sheet() -> bytes:
    return package(None)


HOSTILE: dict[str, Callable[[], bytes]] = {
    "200,000 empty rows": lambda: empty_rows(200_000),
    "200,000 empty rows, stored": lambda: empty_rows(200_000, compression=zipfile.ZIP_STORED),
    "9,000,000 declared rows": lambda: declared_rows(9_000_000),
    "300,000 shared strings": lambda: many_shared_strings(300_000),
    "300,000 shared strings, stored": lambda: many_shared_strings(300_000, compression=zipfile.ZIP_STORED),
    "300,000 shared strings, stored, count not declared": lambda: many_shared_strings(
        300_000, compression=zipfile.ZIP_STORED, declared=False
    ),
    "202,000 empty cells, stored": lambda: many_cells(2000, 101),
    "16,384 columns declared (5,000 valid rows)": wide_declared,
    "a cell in column XFD on every row": wide_cells,
    "a 50 MB member": member_bomb,
    "entity expansion": entity_bomb,
}
"""The hostile files by what they are (the bench prints them in this order)."""

MALFORMED: dict[str, Callable[[], bytes]] = {
    "non-numeric <v>": non_numeric_value,
    "5,000-digit number": huge_number,
    "shared-string index out of range": bad_shared_index,
    "truncated XML": truncated_xml,
    "rows out of order": rows_out_of_order,
    "bad ISO date": bad_iso_date,
    "bad date serial": bad_serial_date,
    "not a zip": not_a_zip,
    "zip without a sheet": zip_without_sheet,
    "workbook without its sheet": workbook_without_its_sheet,
}
