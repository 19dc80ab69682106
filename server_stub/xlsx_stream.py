"""An XLSX workbook written while it is sent: its bytes come out in chunks as rows are
written, so a download of 100,000 rows starts at once and holds one chunk in memory.

openpyxl cannot do this: even in write-only mode it writes a sheet to a temporary file and
zips the whole book at `save()`, so nothing can be sent before the last row. Here the
sheet's XML goes straight into a deflated ZIP entry (`zipfile` writes to a stream that
cannot seek with data descriptors, as Java's `ZipOutputStream`, which Excel opens), and
what the compressor gives out is handed on.

What a workbook has: a sheet per `Sheet`, each with its columns' widths, its header row
frozen and in bold, an auto filter over the rows written (its range, known only at the
end, goes after the rows, and the workbook part, which names it too, after the sheets:
the order of a ZIP's entries is free). Cells are written as they come: text inline (no
shared strings table that would grow with the rows), numbers as numbers, a `datetime` as
a date cell ("yyyy-mm-dd hh:mm", naive: Excel has no time zones), None and "" as no cell.

Limits: a sheet's XML may not pass 2 GiB (`zipfile.ZIP64_LIMIT`) because ZIP64 entries
written as a stream are a form Excel refuses to open; `xlsx_entry_fits` says whether an
export of some rows should fit. Excel's own limit is 1,048,576 rows (`MAX_ROWS`).
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime

Value = str | int | float | datetime | date | None
CHUNK = 64 * 1024
MAX_ROWS = 1_048_576  # Excel's rows per sheet, the header's included
MAX_TEXT = 32_767  # Excel's characters per cell
ZIP_LIMIT = zipfile.ZIP64_LIMIT  # the most one entry may hold without ZIP64
COMPRESSLEVEL = 1  # deflate's fastest: sheet XML still shrinks some 10 times
HEADER_HEIGHT = 60  # points: four lines of a wrapped header
MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
RELS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PACKAGE_RELS = "http://schemas.openxmlformats.org/package/2006/relationships"
DECLARATION = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
EPOCH = datetime(1899, 12, 30)  # day 0 of Excel's 1900 date system, as it counts
# Characters XML 1.0 cannot carry (openpyxl refuses them too).
ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
# Excel reads "_x0041_" in a text as the character it names; its own "_" is written "_x005F_".
ESCAPE_LIKE = re.compile(r"_(x[0-9A-Fa-f]{4}_)")
DATE_STYLE, HEADER_STYLE = 1, 2  # indexes into STYLES' cellXfs
STYLES = (
    DECLARATION + f'<styleSheet xmlns="{MAIN}">'
    '<numFmts count="1"><numFmt numFmtId="164" formatCode="yyyy-mm-dd hh:mm"/></numFmts>'
    '<fonts count="2"><font><sz val="11"/><name val="Calibri"/><family val="2"/></font>'
    '<font><b/><sz val="11"/><name val="Calibri"/><family val="2"/></font></fonts>'
    '<fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill>'
    '</fills><borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="3"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    '<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1" applyAlignment="1">'
    '<alignment vertical="top" wrapText="1"/></xf></cellXfs>'
    '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
    '</styleSheet>'
)


@dataclass(frozen=True)
class Column:
    """A column's header and its width in characters of the default font."""

    title: str
    width: float = 12.0


@dataclass(frozen=True)
class Sheet:
    """A sheet's title (at most 31 characters are kept), its columns and its rows, each a
    sequence of values in the columns' order; `rows` is read once, as it is written."""

    title: str
    columns: Sequence[Column]
    rows: Iterable[Sequence[Value]]


def workbook_chunks(sheets: Sequence[Sheet], chunk_size: int = CHUNK,
                    compresslevel: int = COMPRESSLEVEL) -> Iterator[bytes]:
    """The workbook's bytes. The first chunk (the parts that do not depend on the rows and
    the start of the first sheet) comes before any row is read; then one about every
    `chunk_size` bytes."""
    titles = _titles([s.title for s in sheets])
    sink = _Sink()
    with zipfile.ZipFile(sink, "w", zipfile.ZIP_DEFLATED, allowZip64=False, compresslevel=compresslevel) as archive:
        archive.writestr("[Content_Types].xml", _content_types(len(sheets)))
        archive.writestr("_rels/.rels", _package_rels())
        archive.writestr("xl/styles.xml", STYLES)
        archive.writestr("xl/_rels/workbook.xml.rels", _workbook_rels(len(sheets)))
        filters = []
        for index, sheet in enumerate(sheets):
            with archive.open(f"xl/worksheets/sheet{index + 1}.xml", "w") as entry:
                filters.append((yield from _write_sheet(entry, sink, sheet, index == 0, chunk_size)))
        archive.writestr("xl/workbook.xml", _workbook(titles, filters))
    yield sink.take()


def cell_ref(column: int, row: int) -> str:
    """"A1" for column 0 of row 1."""
    return _letters(column) + str(row)


def xlsx_entry_fits(rows: int, columns: int, bytes_per_cell: int = 64) -> bool:
    """Whether `rows` rows of `columns` cells, at `bytes_per_cell` of XML each, stay under
    the size of one ZIP entry this writer can make."""
    return rows * (columns * bytes_per_cell + 16) < ZIP_LIMIT


class _Sink:
    """Where the ZIP is written: bytes kept until taken. It has no `tell`, so `zipfile`
    writes data descriptors and never seeks back."""

    def __init__(self) -> None:
        self._parts: list[bytes] = []
        self.size = 0

    def write(self, data) -> int:
        self._parts.append(bytes(data))
        self.size += len(data)
        return len(data)

    def flush(self) -> None:
        pass

    def take(self) -> bytes:
        data = b"".join(self._parts)
        self._parts.clear()
        self.size = 0
        return data


def _write_sheet(entry, sink: _Sink, sheet: Sheet, first: bool, chunk_size: int):
    """Write one sheet into its ZIP entry, yielding chunks as they fill; return the range
    of its auto filter ("A1:C10"), or None for a sheet without columns."""
    columns = list(sheet.columns)
    refs = [_letters(i) for i in range(len(columns))]
    entry.write(_sheet_head(columns, first).encode())
    entry.write(_row(1, refs, [c.title for c in columns], HEADER_STYLE, f' ht="{HEADER_HEIGHT}" customHeight="1"'))
    if sink.size:
        yield sink.take()  # the download has begun before a row is read
    number = 1
    pending: list[bytes] = []
    for values in sheet.rows:
        number += 1
        if number > MAX_ROWS:
            raise ValueError(f"a sheet holds at most {MAX_ROWS} rows")
        pending.append(_row(number, refs, values))
        if len(pending) >= 100:
            entry.write(b"".join(pending))
            pending.clear()
            if sink.size >= chunk_size:
                yield sink.take()
    entry.write(b"".join(pending))
    last = f"{refs[-1]}{number}" if refs else None
    tail = f'<autoFilter ref="A1:{last}"/>' if last else ""
    entry.write(f"</sheetData>{tail}</worksheet>".encode())
    return f"A1:{last}" if last else None


def _sheet_head(columns: list[Column], first: bool) -> str:
    selected = ' tabSelected="1"' if first else ""
    cols = "".join(f'<col min="{i}" max="{i}" width="{c.width:g}" customWidth="1"/>'
                   for i, c in enumerate(columns, start=1))
    return (
        DECLARATION + f'<worksheet xmlns="{MAIN}" xmlns:r="{RELS}">'
        f'<sheetViews><sheetView workbookViewId="0"{selected}>'
        '<pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/>'
        '<selection pane="bottomLeft" activeCell="A2" sqref="A2"/></sheetView></sheetViews>'
        '<sheetFormatPr defaultRowHeight="15"/>'
        + (f"<cols>{cols}</cols>" if cols else "")
        + "<sheetData>"
    )


def _row(number: int, refs: list[str], values: Sequence[Value], style: int = 0, attributes: str = "") -> bytes:
    r = str(number)
    s = f' s="{style}"' if style else ""
    parts = [f'<row r="{r}"{attributes}>']
    for ref, value in zip(refs, values):
        if value is None or value == "":
            continue
        if isinstance(value, str):
            parts.append(f'<c r="{ref}{r}"{s} t="inlineStr"><is>{_text(value)}</is></c>')
        elif isinstance(value, bool):
            parts.append(f'<c r="{ref}{r}"{s} t="b"><v>{int(value)}</v></c>')
        elif isinstance(value, (int, float)):
            parts.append(f'<c r="{ref}{r}"{s}><v>{value!r}</v></c>')
        elif isinstance(value, datetime):
            days = (value.replace(tzinfo=None) - EPOCH).total_seconds() / 86400
            parts.append(f'<c r="{ref}{r}" s="{DATE_STYLE}"><v>{days!r}</v></c>')
        elif isinstance(value, date):
            parts.append(f'<c r="{ref}{r}" s="{DATE_STYLE}"><v>{(value - EPOCH.date()).days}</v></c>')
        else:
            raise TypeError(f"no cell for {type(value).__name__}")
    parts.append("</row>")
    return "".join(parts).encode()


def _text(value: str) -> str:
    value = ILLEGAL.sub("", value)[:MAX_TEXT]
    if "_x" in value:
        value = ESCAPE_LIKE.sub(r"_x005F_\1", value)
    value = value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    if value[:1].isspace() or value[-1:].isspace():
        return f'<t xml:space="preserve">{value}</t>'
    return f"<t>{value}</t>"


def _letters(index: int) -> str:
    """The column's letters: 0 -> A, 25 -> Z, 26 -> AA."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _titles(wanted: list[str]) -> list[str]:
    """Sheet names Excel accepts: no []:*?/\\, at most 31 characters, each once."""
    found: list[str] = []
    for title in wanted:
        name = re.sub(r"[\[\]:*?/\\]", "_", title).strip("'")[:31] or "Sheet"
        base, n = name, 2
        while name.lower() in (f.lower() for f in found):
            name = f"{base[:31 - len(str(n)) - 1]} {n}"
            n += 1
        found.append(name)
    return found


def _attr(value: str) -> str:
    return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


def _content_types(sheets: int) -> str:
    sheet = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"
    return (
        DECLARATION + '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/xl/workbook.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
        '<Override PartName="/xl/styles.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
        + "".join(f'<Override PartName="/xl/worksheets/sheet{i}.xml" ContentType="{sheet}"/>'
                  for i in range(1, sheets + 1))
        + "</Types>"
    )


def _package_rels() -> str:
    return (
        DECLARATION + f'<Relationships xmlns="{PACKAGE_RELS}">'
        '<Relationship Id="rId1" Target="xl/workbook.xml" '
        'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument"/>'
        "</Relationships>"
    )


def _workbook_rels(sheets: int) -> str:
    kind = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/"
    return (
        DECLARATION + f'<Relationships xmlns="{PACKAGE_RELS}">'
        + "".join(f'<Relationship Id="rId{i}" Target="worksheets/sheet{i}.xml" Type="{kind}worksheet"/>'
                  for i in range(1, sheets + 1))
        + f'<Relationship Id="rId{sheets + 1}" Target="styles.xml" Type="{kind}styles"/>'
        "</Relationships>"
    )


def _workbook(titles: list[str], filters: list[str | None]) -> str:
    sheets = "".join(f'<sheet name="{_attr(t)}" sheetId="{i}" r:id="rId{i}"/>' for i, t in enumerate(titles, 1))
    names = "".join(
        f'<definedName name="_xlnm._FilterDatabase" localSheetId="{i}" hidden="1">'
        f"{_attr(_quoted(t))}!{_absolute(f)}</definedName>"
        for i, (t, f) in enumerate(zip(titles, filters)) if f
    )
    return (
        DECLARATION + f'<workbook xmlns="{MAIN}" xmlns:r="{RELS}">'
        '<bookViews><workbookView activeTab="0"/></bookViews>'
        f"<sheets>{sheets}</sheets>"
        + (f"<definedNames>{names}</definedNames>" if names else "")
        + "</workbook>"
    )


def _quoted(title: str) -> str:
    return "'" + title.replace("'", "''") + "'"


def _absolute(area: str) -> str:
    """"A1:C10" -> "$A$1:$C$10"."""
    return ":".join(re.sub(r"([A-Z]+)(\d+)", r"$\1$\2", part) for part in area.split(":"))
