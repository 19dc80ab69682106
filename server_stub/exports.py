"""Visits of one checklist as CSV or XLSX: one row per visit, one column per standard, then
each section's score and the total, in percent.

The columns are every standard any version of the checklist judged (`standards.py`), in
the newest version's order (those only older versions judged come after, then the
follow-ups): a v1 visit and a v2 visit put their answers on standard 2.3 in one column,
whatever each version's question id and wording. The header names the standard and its
newest wording. A question without a standard id has a column of its own version's, an
older version's marked with its number. The study's own wording (`study_text`), for
coordinators, is on a second sheet of the XLSX file, "standards": a row per column and
version with the standard id, the question id, the text and the study's wording. A CSV
file holds one table, kept as it was: the visits.

Rows are read a batch at a time (`queries/exports.py`), each batch in a short read
transaction of its own, and written out as they come, so 100,000 visits never sit in
memory together and no transaction stays open for the whole download.

CSV: `;` between cells and `,` as the decimal mark, with a UTF-8 byte order mark. That is
what Excel expects in a Russian locale: there `,` is the decimal mark, so a `,`-separated
file opens as one column, and without the mark Excel reads the Cyrillic as ANSI. A text
cell that starts like a formula gets a leading `'` (CSV injection). XLSX cells of text are
written as strings, so none of them is ever taken for a formula.
"""

from __future__ import annotations

import csv
import io
import json
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from typing import BinaryIO

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from field_app.domain.checklist import Checklist, FollowUp, Question, YesNoLabels
from field_app.domain.due import DEFAULT_TIMEZONE
from field_app.domain.records import VisitRevision
from field_app.domain.visit import Visit
from field_app.domain.workdays import WorkCalendar

from . import analytics
from .calendars import server_calendar
from .queries import exports as q
from .queries.visit_list import VisitFilter
from .standards import Standard, Standards
from .store import ServerStore

Cell = str | int | float
BATCH = 1000
FORMATS = ("csv", "xlsx")
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# What Excel and other spreadsheets read as the start of a formula (OWASP's list).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
DEFAULT_LABELS = YesNoLabels()


@dataclass(frozen=True)
class Headings:
    """The export's words in the coordinator's language: the library itself has none."""

    visit: tuple[str, ...]  # uuid, shopper, dealership code, its name, version, started, finalized, status, revision
    statuses: dict[str, str]
    na: str  # the answer "not applicable"
    follow_ups: str  # the title of the follow-ups' score
    score: str  # a section's score column, "{title}, %"
    total: str
    # The column of a question without a standard id that only an older version asked.
    older: str = "{title} (version {version})"
    standards_sheet: str = "Standards"
    # The standards sheet: column, standard id, version, question id, text, the study's wording.
    standards: tuple[str, ...] = ("Column", "Standard", "Version", "Question", "Text", "Study wording")


def rows(store: ServerStore, where: VisitFilter, headings: Headings, batch_size: int = BATCH) -> Iterator[list[Cell]]:
    """The header, then a row per visit of `where.checklist_id`, oldest first. An unknown
    checklist raises here, before the first row, while an error page can still be sent."""
    assert where.checklist_id, "an export is of one checklist"
    with store.db.read() as conn:
        calendar = server_calendar(conn)
    columns = _Columns(analytics.checklist_versions(store, where.checklist_id), calendar)
    return _rows(store, where, headings, columns, batch_size)


def standards_rows(store: ServerStore, checklist_id: str, headings: Headings) -> list[list[Cell]]:
    """The standards sheet: its header, then for each item column of `rows`, in their order,
    a row per version that has the item, newest first."""
    versions = analytics.checklist_versions(store, checklist_id)
    found: list[list[Cell]] = [list(headings.standards)]
    for standard in Standards(versions).all():
        title = _title(standard, versions[0].version, headings)
        for version, item in standard.versions:
            found.append([title, standard.standard_id or "", version, item.id, item.text,
                          getattr(item, "study_text", None) or ""])
    return found


def filename(checklist_id: str, day: date, fmt: str) -> str:
    return f"{checklist_id}_{day.isoformat()}.{fmt}"


def csv_chunks(table: Iterator[list[Cell]], chunk_chars: int = 64 * 1024) -> Iterator[bytes]:
    buffer = io.StringIO()
    buffer.write("\ufeff")
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    for row in table:
        writer.writerow([_csv_cell(c) for c in row])
        if buffer.tell() >= chunk_chars:
            yield buffer.getvalue().encode()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue().encode()


def xlsx_file(table: Iterator[list[Cell]], sheet_title: str,
              more_sheets: Iterable[tuple[str, Iterable[list[Cell]]]] = ()) -> BinaryIO:
    """The rows as a workbook in an anonymous temporary file, read from its start, with
    `more_sheets` (title, rows) after the first. The file has no name on the disk: it is
    gone when closed, however the download ends."""
    workbook = Workbook(write_only=True)
    for title, sheet_rows in [(sheet_title, table), *more_sheets]:
        sheet = workbook.create_sheet(title[:31])  # Excel's longest sheet name
        for row in sheet_rows:
            sheet.append([_xlsx_cell(sheet, c) for c in row])
    file = tempfile.TemporaryFile()
    try:
        workbook.save(file)
    except BaseException:
        file.close()
        raise
    file.seek(0)
    return file


def file_chunks(file: BinaryIO, size: int = 64 * 1024) -> Iterator[bytes]:
    with file:
        while chunk := file.read(size):
            yield chunk


def _rows(store: ServerStore, where: VisitFilter, headings: Headings, columns: "_Columns",
          batch_size: int) -> Iterator[list[Cell]]:
    yield columns.header(headings)
    after = None
    while True:
        with store.db.read() as conn:
            found = q.batch(conn, where, after, batch_size)
        for row in found:
            yield columns.cells(row, headings)
        if len(found) < batch_size:
            return
        after = (found[-1].started_at, found[-1].uuid)


class _Columns:
    def __init__(self, versions: list[Checklist], calendar: WorkCalendar):  # newest first
        self.versions = {v.version: v for v in versions}
        self.calendar = calendar
        self.newest = versions[0].version
        self.standards = Standards(versions)
        self.questions = self.standards.questions
        self.follow_ups = self.standards.follow_ups
        # Per version: its item in each question and follow-up column, None where it has none.
        self.asked = {v.version: ([s.item_in(v.version) for s in self.questions],
                                  [s.item_in(v.version) for s in self.follow_ups]) for v in versions}
        self.sections = _union(v.sections for v in versions)
        self.has_follow_ups = bool(self.follow_ups)

    def header(self, h: Headings) -> list[Cell]:
        return [
            *h.visit,
            *(_title(s, self.newest, h) for s in [*self.questions, *self.follow_ups]),
            *(h.score.format(title=s.title) for s in self.sections),
            *([h.score.format(title=h.follow_ups)] if self.has_follow_ups else []),
            h.total,
        ]

    def cells(self, row: q.ExportRow, h: Headings) -> list[Cell]:
        checklist = self.versions[row.checklist_version]
        revision = VisitRevision.model_validate_json(row.payload)
        visit = Visit(
            uuid=row.uuid, checklist=checklist, checklist_sha256=revision.checklist.sha256,
            started_at=revision.started_at, answers=dict(revision.answers),
            timers={k: list(v) for k, v in revision.timers.items()}, photos=list(revision.photos),
            timezone=row.dealer_timezone or DEFAULT_TIMEZONE, brand=row.dealer_brand or "", calendar=self.calendar,
        )
        shown = visit.visible(revision.finalized_at)
        own, own_follow_ups = self.asked[row.checklist_version]
        sections = json.loads(row.section_scores or "{}")
        return [
            row.uuid, row.shopper_name, row.dealer_code or "", row.dealer_name or "", row.checklist_version,
            _when(row.started_at), _when(row.finalized_at), h.statuses.get(row.status, row.status), row.revision,
            *(_answer(x, visit, revision, h) if x is not None and x.id in shown else "" for x in own),
            *(_words(f, revision.follow_ups[f.id].value) if f is not None and f.id in revision.follow_ups else ""
              for f in own_follow_ups),
            *(_percent(*sections.get(s.id, (0, 0))) for s in self.sections),
            *([_percent(*sections.get("follow_ups", (0, 0)))] if self.has_follow_ups else []),
            _percent(row.score_got or 0, row.score_out_of or 0),
        ]


def _union(groups) -> list:
    """Each id once, as its first (newest) version has it, in first-seen order."""
    seen: dict[str, object] = {}
    for group in groups:
        for entry in group:
            seen.setdefault(entry.id, entry)
    return list(seen.values())


def _title(standard: Standard, newest: int, h: Headings) -> str:
    """The standard id and the newest wording; a question without a standard id that only
    an older version asked says which version."""
    item = standard.newest
    title = f"{standard.standard_id} {item.text}" if standard.standard_id else item.text
    if isinstance(item, Question) and not standard.standard_id and standard.newest_version != newest:
        title = h.older.format(title=title, version=standard.newest_version)
    return title


def _answer(question: Question, visit: Visit, revision: VisitRevision, h: Headings) -> Cell:
    answer = revision.answers.get(question.id)
    if answer is not None and answer.na:
        return h.na
    if question.type == "photo":
        return len(visit.photos_of(question.id)) or ""
    return _words(question, visit.value(question.id, revision.finalized_at))


def _words(item: Question | FollowUp, value) -> Cell:
    """An answer as a reader of the export wants it: the checklist's words for yes/no and
    for a choice, numbers and text as they are."""
    if value is None:
        return ""
    if item.type == "yes_no":
        labels = item.labels or DEFAULT_LABELS
        return labels.yes if value is True else labels.no
    if item.type == "choice":
        return next((o.label for o in item.options or [] if o.id == value), str(value))
    return value


def _percent(got: float, out_of: float) -> Cell:
    return round(100.0 * got / out_of, 1) if out_of > 0 else ""


def _when(stored: str) -> str:
    # Stored moments are fixed-width UTC text (`database.moment`): cut, not parsed, on every row.
    return f"{stored[:10]} {stored[11:19]}"


def _csv_cell(value: Cell) -> str:
    if isinstance(value, str):
        return "'" + value if value.startswith(FORMULA_START) else value
    if isinstance(value, float):
        return (str(int(value)) if value.is_integer() else repr(value)).replace(".", ",")
    return str(value)


def _xlsx_cell(sheet, value: Cell):
    if not isinstance(value, str):
        return value
    # XML cannot carry most control characters; openpyxl would refuse the whole file.
    value = ILLEGAL_CHARACTERS_RE.sub("", value)
    if not value.startswith(FORMULA_START):
        return value
    cell = WriteOnlyCell(sheet, value=value)
    cell.data_type = "s"  # text, not the formula openpyxl takes a leading "=" for
    return cell
