"""Visits of one checklist as CSV or XLSX, for Excel: one row per visit, streamed.

A row: the visit (uuid, shopper, dealership code, name, city and brand, checklist
`id@version`, started and finalized in the dealership's local time with a column naming
its zone, status, revision, and the codes of its flags, `evidence.CODES`, separated by
commas), its total score and each section's in percent, then a group
of columns per question and per follow-up:

- the answer, in the checklist's words (a stopwatch as "m:ss", a recorded moment as a
  date in local time, a photo question as its number of photos);
- a stopwatch's seconds, a number to add up (stopwatches only);
- the score of the answer from 0 to 1 (the option's or band's score over the best one; the
  question's weight is not in it, the section and total percentages weigh). Only for items
  that can score: a photo or a text has no score column;
- the shopper's comment on the question. One column per question whether or not any
  visit has one: the file is written while it is sent, so whether a question has a comment
  in some visit is known only at the end, and a layout that does not change with the
  visits keeps a reader's filters and formulas working from one month's file to the next.
  The auto filter finds the non-empty ones.

The groups are every standard any version of the checklist judged (`standards.py`), in
the newest version's order; a question only older versions asked (a question removed
since) comes after the last question of its section, and is marked "(version N)". The
header names the standard and its newest wording; the study's own wording, for
coordinators, is on the XLSX file's second sheet, "Standards": a row per group and version
with the standard id, the question id, the text and the study's wording. A CSV file holds
one table: the visits.

Times: stored moments are UTC; a visit's are written in its dealership's time zone
(`dealerships.timezone`, Europe/Moscow for a visit without one), as a naive date cell in
the XLSX file (Excel has no zones) and as "YYYY-MM-DD HH:MM:SS" in the CSV file, with the
zone's name beside them.

Rows are read a batch at a time (`queries/exports.py`, keyed, not offset), each batch in
a short read transaction of its own, and written out as they come (`xlsx_stream.py` for
XLSX): 100,000 visits never sit in memory together and the download begins at once.

CSV: with UTF-8's byte order mark, without which Excel reads the Cyrillic as ANSI. For a
Russian console `;` between cells and `,` as the decimal mark, as Excel expects in a
Russian locale (there `,` is the decimal mark, so a `,`-separated file opens as one
column); for an English one `,` and `.`. A text cell that starts like a formula gets a
leading `'` (CSV injection). XLSX cells of text are written as text, never as formulas.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from field_app.domain.checklist import Checklist, FollowUp, Question, YesNoLabels
from field_app.domain.due import DEFAULT_TIMEZONE, parse_moment, zone_or_default
from field_app.domain.records import VisitRevision
from field_app.domain.scoring import Points, points
from field_app.domain.visit import Visit
from field_app.domain.workdays import WorkCalendar

from . import analytics
from .calendars import server_calendar
from .queries import exports as q
from .queries.visit_list import VisitFilter
from .standards import Standard, Standards, key_of
from .store import ServerStore
from .xlsx_stream import MAX_ROWS, Column, Sheet, workbook_chunks, xlsx_entry_fits

Cell = str | int | float | datetime | None
Item = Question | FollowUp
BATCH = 1000
FORMATS = ("csv", "xlsx")
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# What Excel and other spreadsheets read as the start of a formula (OWASP's list).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
# The console's language -> (cell separator, decimal mark) of its CSV files.
CSV_FORMS = {"ru": (";", ","), "en": (",", ".")}
DEFAULT_LABELS = YesNoLabels()
# Widths in characters, from what the columns hold.
WIDTH = {"uuid": 37, "name": 24, "code": 11, "city": 14, "moment": 17, "zone": 18, "short": 11, "number": 9,
         "text": 30, "comment": 24, "most": 40}


@dataclass(frozen=True)
class Headings:
    """The export's words in the coordinator's language: the library itself has none."""

    # uuid, shopper, dealership code, its name, city, brand, checklist, started, finalized,
    # time zone, status, revision
    visit: tuple[str, ...]
    statuses: dict[str, str]
    na: str  # the answer "not applicable"
    follow_ups: str  # the title of the follow-ups' score
    score: str  # a section's score column, "{title}, %"
    total: str
    flags: str = "Flags"  # the codes of the visit's flags
    points: str = "{title}: score 0-1"  # a question's score column
    seconds: str = "{title}: seconds"  # a stopwatch's seconds
    comment: str = "{title}: comment"
    # The column of a question that only an older version asked.
    older: str = "{title} (version {version})"
    standards_sheet: str = "Standards"
    # The standards sheet: column, standard id, version, question id, text, the study's wording.
    standards: tuple[str, ...] = ("Column", "Standard", "Version", "Question", "Text", "Study wording")


@dataclass(frozen=True)
class Table:
    """An export's columns and its rows, each a list of cells in the columns' order;
    `rows` reads the database as it is iterated, once."""

    columns: list[Column]
    rows: Iterator[list[Cell]]

    @property
    def header(self) -> list[str]:
        return [c.title for c in self.columns]


def table(store: ServerStore, where: VisitFilter, headings: Headings, batch_size: int | None = None) -> Table:
    """The visits of `where.checklist_id`, oldest first. An unknown checklist raises here,
    before the first row, while an error page can still be sent."""
    assert where.checklist_id, "an export is of one checklist"
    with store.db.read() as conn:
        calendar = server_calendar(conn)
    layout = _Layout(analytics.checklist_versions(store, where.checklist_id), calendar, headings)
    return Table(layout.columns, _rows(store, where, layout, batch_size or BATCH))


def standards_table(store: ServerStore, checklist_id: str, headings: Headings) -> Table:
    """The standards sheet: for each question's and follow-up's group of `table`, in their
    order, a row per version that has the item, newest first."""
    layout = _Layout(analytics.checklist_versions(store, checklist_id), None, headings)
    widths = [WIDTH["most"], WIDTH["code"], WIDTH["number"], WIDTH["name"], WIDTH["most"], WIDTH["most"]]
    found: list[list[Cell]] = []
    for group in layout.groups:
        for version, item in group.standard.versions:
            found.append([group.title, group.standard.standard_id or "", version, item.id, item.text,
                          getattr(item, "study_text", None) or ""])
    return Table([Column(t, w) for t, w in zip(headings.standards, widths)], iter(found))


def fits_one_sheet(store: ServerStore, where: VisitFilter, visits: Table) -> bool:
    """Whether the visits `where` chooses fit one XLSX sheet: Excel's rows, and the size
    of XML `xlsx_stream` can write as one entry."""
    with store.db.read() as conn:
        count = q.count(conn, where)
    return count < MAX_ROWS and xlsx_entry_fits(count, len(visits.columns))


def filename(checklist_id: str, day: date, fmt: str) -> str:
    return f"{checklist_id}_{day.isoformat()}.{fmt}"


def csv_chunks(visits: Table, language: str = "ru", chunk_chars: int = 64 * 1024) -> Iterator[bytes]:
    """The table as CSV for Excel in `language`'s locale: the header at once, then a chunk
    about every `chunk_chars` characters."""
    delimiter, decimal = CSV_FORMS.get(language, CSV_FORMS["en"])
    buffer = io.StringIO()
    buffer.write("\ufeff")
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow([_csv_cell(c, decimal) for c in visits.header])
    yield _take(buffer)
    for row in visits.rows:
        writer.writerow([_csv_cell(c, decimal) for c in row])
        if buffer.tell() >= chunk_chars:
            yield _take(buffer)
    yield _take(buffer)


def xlsx_chunks(visits: Table, sheet_title: str, standards: Table, standards_title: str) -> Iterator[bytes]:
    """The workbook: the visits' sheet, then the standards sheet, as it is written."""
    return workbook_chunks([Sheet(sheet_title, visits.columns, visits.rows),
                            Sheet(standards_title, standards.columns, standards.rows)])


def _take(buffer: io.StringIO) -> bytes:
    data = buffer.getvalue().encode()
    buffer.seek(0)
    buffer.truncate()
    return data


def _rows(store: ServerStore, where: VisitFilter, layout: "_Layout", batch_size: int) -> Iterator[list[Cell]]:
    after = None
    while True:
        with store.db.read() as conn:
            found = q.batch(conn, where, after, batch_size)
        for row in found:
            yield layout.cells(row)
        if len(found) < batch_size:
            return
        after = (found[-1].started_at, found[-1].uuid)


@dataclass(frozen=True)
class _Group:
    """The columns of one question or follow-up across versions: its answer, then its
    seconds (a stopwatch), its score (an item that can score) and its comment."""

    standard: Standard
    title: str
    follow_up: bool
    timer: bool
    scored: bool

    @property
    def size(self) -> int:
        return 2 + self.timer + self.scored


class _Layout:
    """The columns of an export of some versions of a checklist, and a visit's cells."""

    def __init__(self, versions: list[Checklist], calendar: WorkCalendar | None, h: Headings):  # newest first
        self.h = h
        self.versions = {v.version: v for v in versions}
        self.calendar = calendar
        newest = versions[0].version
        known = Standards(versions)
        ordered = [*_by_section(versions, known), *known.follow_ups]
        self.groups = [_Group(s, _title(s, newest, h), isinstance(s.newest, FollowUp),
                              any(i.type == "timer" for _, i in s.versions),
                              any(_can_score(i) for _, i in s.versions)) for s in ordered]
        # Per version: its item in each group, None where it has none.
        self.items = {v.version: [g.standard.item_in(v.version) for g in self.groups] for v in versions}
        self.sections = _union(v.sections for v in versions)
        self.has_follow_ups = any(g.follow_up for g in self.groups)
        self.columns = self._columns()

    def _columns(self) -> list[Column]:
        h = self.h
        widths = [WIDTH["uuid"], WIDTH["name"], WIDTH["code"], WIDTH["name"], WIDTH["city"], WIDTH["short"],
                  max(len(f"{c.id}@{c.version}") + 2 for c in self.versions.values()), WIDTH["moment"],
                  WIDTH["moment"], WIDTH["zone"], WIDTH["short"], WIDTH["number"]]
        columns = [Column(t, w) for t, w in zip(h.visit, widths)] + [Column(h.flags, WIDTH["text"])]
        scores = [h.total, *(h.score.format(title=s.title) for s in self.sections),
                  *([h.score.format(title=h.follow_ups)] if self.has_follow_ups else [])]
        columns += [Column(t, WIDTH["number"] + 1) for t in scores]
        for g in self.groups:
            columns.append(Column(g.title, _answer_width(g)))
            if g.timer:
                columns.append(Column(h.seconds.format(title=g.title), WIDTH["number"]))
            if g.scored:
                columns.append(Column(h.points.format(title=g.title), WIDTH["number"]))
            columns.append(Column(h.comment.format(title=g.title), WIDTH["comment"]))
        return columns

    def cells(self, row: q.ExportRow) -> list[Cell]:
        h = self.h
        checklist = self.versions[row.checklist_version]
        zone_name = row.dealer_timezone or DEFAULT_TIMEZONE
        zone = zone_or_default(zone_name)  # ZoneInfo keeps each zone it made
        revision = VisitRevision.model_validate_json(row.payload)
        visit = Visit(
            uuid=row.uuid, checklist=checklist, checklist_sha256=revision.checklist.sha256,
            started_at=revision.started_at, answers=dict(revision.answers),
            timers={k: list(v) for k, v in revision.timers.items()}, photos=list(revision.photos),
            recordings=list(revision.recordings), timezone=zone_name, brand=row.dealer_brand or "", calendar=self.calendar,
        )
        at = revision.finalized_at
        shown = visit.visible(at)
        scored = visit.score(at).questions
        sections = json.loads(row.section_scores or "{}")
        cells: list[Cell] = [
            row.uuid, row.shopper_name, row.dealer_code or "", row.dealer_name or "", row.dealer_city or "",
            row.dealer_brand or "", f"{checklist.id}@{checklist.version}", _local(row.started_at, zone),
            _local(row.finalized_at, zone), zone_name, h.statuses.get(row.status, row.status), row.revision,
            ", ".join(row.flags),
            _percent(row.score_got or 0, row.score_out_of or 0),
            *(_percent(*sections.get(s.id, (0, 0))) for s in self.sections),
            *([_percent(*sections.get("follow_ups", (0, 0)))] if self.has_follow_ups else []),
        ]
        for group, item in zip(self.groups, self.items[row.checklist_version]):
            if item is None:
                cells += [""] * group.size
            elif group.follow_up:
                answer = revision.follow_ups.get(item.id)
                value = answer.value if answer is not None else None
                cells.append(_cell(item, value, zone) if answer is not None else "")
                if group.timer:
                    cells.append(value if item.type == "timer" and value is not None else "")
                if group.scored:
                    cells.append(_score(points(item, value)))
                cells.append(answer.comment if answer is not None else "")
            elif item.id not in shown:
                cells += [""] * group.size
            else:
                answer = revision.answers.get(item.id)
                na = answer is not None and answer.na
                value = None if na else visit.value(item.id, at)
                if na:
                    cells.append(h.na)
                elif item.type == "photo":
                    cells.append(len(visit.photos_of(item.id)) or "")
                elif item.type == "audio":
                    cells.append(len(visit.recordings_of(item.id)) or "")
                else:
                    cells.append(_cell(item, value, zone))
                if group.timer:
                    cells.append(value if item.type == "timer" and value is not None else "")
                if group.scored:
                    cells.append(_score(scored.get(item.id)))
                cells.append(answer.comment if answer is not None else "")
        return cells


def _by_section(versions: list[Checklist], known: Standards) -> list[Standard]:
    """The questions' standards section by section: the newest version's in its order,
    then in each section those only older versions asked, after its last question; a
    section only older versions have comes after the newest version's sections."""
    sections: dict[str, list[Standard]] = {}
    seen: set[str] = set()
    for checklist in versions:  # newest first: an item's section is the newest one's that has it
        for section in checklist.sections:
            for question in section.questions:
                key = key_of(checklist.version, question)
                if key not in seen:
                    seen.add(key)
                    sections.setdefault(section.id, []).append(known[key])
    return [standard for group in sections.values() for standard in group]


def _union(groups) -> list:
    """Each id once, as its first (newest) version has it, in first-seen order."""
    seen: dict[str, object] = {}
    for group in groups:
        for entry in group:
            seen.setdefault(entry.id, entry)
    return list(seen.values())


def _title(standard: Standard, newest: int, h: Headings) -> str:
    """The standard id and the newest wording; a question the newest version no longer
    asks says the last version that did."""
    item = standard.newest
    title = f"{standard.standard_id} {item.text}" if standard.standard_id else item.text
    if isinstance(item, Question) and standard.newest_version != newest:
        title = h.older.format(title=title, version=standard.newest_version)
    return title


def _can_score(item: Item) -> bool:
    if item.type == "yes_no":
        return True
    if item.type == "choice":
        return any(o.score is not None for o in item.options or [])
    return any(b.score is not None for b in getattr(item, "bands", None) or [])


def _answer_width(group: _Group) -> float:
    kinds = {item.type for _, item in group.standard.versions}
    if kinds <= {"yes_no", "timer", "counter", "number", "photo"}:
        labels = [len(l) for _, i in group.standard.versions for l in _labels(i)]
        return max([WIDTH["number"], *(n + 2 for n in labels)])
    if kinds == {"datetime"}:
        return WIDTH["moment"]
    if kinds == {"choice"}:
        longest = max((len(o.label) for _, i in group.standard.versions for o in i.options or []), default=0)
        return min(max(longest + 2, WIDTH["short"]), WIDTH["most"])
    return WIDTH["text"]


def _labels(item: Item) -> list[str]:
    if item.type != "yes_no":
        return []
    labels = item.labels or DEFAULT_LABELS
    return [labels.yes, labels.no]


def _cell(item: Item, value, zone: ZoneInfo) -> Cell:
    """An answer as a reader of the export wants it: the checklist's words for yes/no and
    for a choice, a stopwatch as m:ss, a recorded moment in local time, numbers and text
    as they are."""
    if value is None:
        return ""
    if item.type == "yes_no":
        labels = item.labels or DEFAULT_LABELS
        return labels.yes if value is True else labels.no
    if item.type == "choice":
        return next((o.label for o in item.options or [] if o.id == value), str(value))
    if item.type == "timer" and isinstance(value, (int, float)):
        seconds = int(value)
        return f"{seconds // 60}:{seconds % 60:02d}"
    if item.type == "datetime":
        moment = parse_moment(value)
        return moment.astimezone(zone).replace(tzinfo=None, microsecond=0) if moment else str(value)
    return value


def _score(got: Points | None) -> Cell:
    return round(got.got / got.out_of, 3) if got is not None and got.out_of > 0 else ""


def _percent(got: float, out_of: float) -> Cell:
    return round(100.0 * got / out_of, 1) if out_of > 0 else ""



def _local(stored: str, zone: ZoneInfo) -> datetime:
    """A stored moment (UTC text, `database.moment`) as the wall clock of `zone` shows it."""
    return datetime.fromisoformat(stored).astimezone(zone).replace(tzinfo=None, microsecond=0)


def _csv_cell(value: Cell, decimal: str) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return "'" + value if value.startswith(FORMULA_START) else value
    if isinstance(value, datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, float):
        return (str(int(value)) if value.is_integer() else repr(value)).replace(".", decimal)
    return str(value)
