"""Importing routes: many shoppers' stops over many days from one CSV (or XLSX) file, all
or nothing, every bad row reported by its line.

Columns (header row required, any order): shopper (an id such as sh_0123456789, or the
name when one active shopper has it), date (YYYY-MM-DD or DD.MM.YYYY), dealer (the
dealership's code), checklist (an id), version (empty: the newest published), window
(HH:MM-HH:MM, may be empty), note. Comma or semicolon separated, UTF-8 with or without a
BOM, as `dealers_csv` reads dealerships.

`check_routes` reads and checks a file without writing: errors (`Flaw`s by line, which
the CLI words in English and the console in the coordinator's language) and warnings (a
30-day repeat, the same dealership twice a day) to show before anything is saved.
`import_routes` checks again inside one write transaction and inserts every stop with
one executemany and ONE number of the route change sequence, so every phone gets its new
stops on its next pull. A day's imported stops follow the stops already planned, ordered
by the start of their windows (those without one last, in file order).
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import Connection

from . import limits, security
from .database import storable
from .errors import AdminError, RowProblem
from .queries import accounts, routes
from .store import ServerStore

COLUMNS = ("shopper", "date", "dealer", "checklist", "version", "window", "note")
REQUIRED = ("shopper", "date", "dealer", "checklist")
ALIASES = {"day": "date", "dealership": "dealer", "dealer_code": "dealer", "code": "dealer", "checklist_id": "checklist",
           "time": "window", "shopper_id": "shopper"}
REPEAT_DAYS = 30
MAX_NOTE = 500
MAX_ROWS = 50_000
_WINDOW = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")
_RU_DATE = re.compile(r"^(\d{1,2})\.(\d{1,2})\.(\d{4})$")

ENGLISH = {
    "not_utf8": "the file is not UTF-8 text ({reason})",
    "not_xlsx": "the file is not a readable XLSX workbook",
    "empty_file": "the file is empty; its first row must name the columns",
    "too_many_rows": "the file has more than {max} rows; split it",
    "missing_columns": "the header row must name the columns {required} (missing: {missing})",
    "unknown_columns": "unknown column(s) {unknown}; the columns are {columns}",
    "columns_twice": "column(s) named twice: {twice}",
    "field_count": "has {count} fields, the header has {expected}",
    "unreadable": "{column} has characters that cannot be saved",
    "too_long": "{column} has {length} characters, at most {max} are taken",
    "shopper_empty": "shopper is empty",
    "shopper_unknown": "there is no shopper '{value}'",
    "shopper_ambiguous": "{count} shoppers are named '{value}': give the id",
    "shopper_inactive": "shopper {value} is deactivated",
    "date_empty": "date is empty",
    "date_bad": "date '{value}' reads YYYY-MM-DD or DD.MM.YYYY",
    "date_past": "date {value} is in the past (today is {today})",
    "dealer_empty": "dealer is empty",
    "dealer_unknown": "there is no dealership with the code '{value}'",
    "dealer_inactive": "dealership {value} ({name}) is deactivated",
    "checklist_empty": "checklist is empty",
    "checklist_unknown": "there is no published checklist '{value}'",
    "version_bad": "version '{value}' is not a whole number from 1",
    "version_unknown": "checklist '{id}' has no version {value} (published: {versions})",
    "window_bad": "window '{value}' reads HH:MM-HH:MM, like 10:00-12:30",
    "window_backwards": "window '{value}' does not end after it starts",
    "note_long": "note has more than {max} characters",
    "duplicate_line": "the same stop as line {line}",
    "duplicate_planned": "the same stop is planned already",
    "overlap_line": "window {value} overlaps {other} on line {line} (same shopper, same day)",
    "overlap_planned": "window {value} overlaps {other} already planned at {dealer} that day",
    # warnings
    "repeat_line": "the same dealership on {day} ({days} days apart), line {line}",
    "repeat_planned": "the same dealership on {day} ({days} days apart), already planned",
    "same_day_line": "the same dealership again that day, line {line}",
    "same_day_planned": "the same dealership is planned that day already",
}


@dataclass(frozen=True)
class Flaw:
    """One thing wrong with (or worth a look at in) a line: a key and its values."""

    key: str
    column: str = ""
    values: dict[str, str] = field(default_factory=dict)

    def english(self) -> str:
        return ENGLISH[self.key].format(column=self.column, **self.values)


@dataclass(frozen=True)
class LineFlaws(RowProblem):
    """A line of the file with its flaws (errors, or warnings), for any language."""

    flaws: tuple[Flaw, ...] = ()


def _line(line: int, flaws: list[Flaw]) -> LineFlaws:
    return LineFlaws(line, "; ".join(f.english() for f in flaws), tuple(flaws))


class RouteImportError(AdminError):
    """The routes file has bad rows; nothing was imported."""

    def __init__(self, rows: list[LineFlaws]):
        self.rows = rows
        super().__init__("\n".join(p.text() for p in rows))


@dataclass(frozen=True)
class RouteRow:
    """A line as read, before the database is asked."""

    line: int
    shopper: str
    day: date
    dealer: str
    checklist: str
    version: int | None
    window: tuple[str, str] | None
    note: str


@dataclass(frozen=True)
class PlannedStop:
    line: int
    shopper_id: str
    day: date
    dealer: str
    checklist: str
    version: int
    window: tuple[str, str] | None
    note: str


@dataclass(frozen=True)
class RouteCheck:
    """A checked file: the stops it would plan and the warnings to show first."""

    stops: list[PlannedStop]
    warnings: list[LineFlaws]

    @property
    def shoppers(self) -> int:
        return len({s.shopper_id for s in self.stops})

    @property
    def days(self) -> int:
        return len({s.day for s in self.stops})

    @property
    def first_day(self) -> date | None:
        return min((s.day for s in self.stops), default=None)


@dataclass(frozen=True)
class RouteImport:
    """What an import did (or, with dry_run, would do)."""

    stops: int
    shoppers: int
    days: int
    warnings: list[LineFlaws]
    change: int | None  # the route change number phones see; None on a dry run
    dry_run: bool = False
    first_day: date | None = None  # the earliest day planned

    def as_json(self) -> dict:
        return {"stops": self.stops, "shoppers": self.shoppers, "days": self.days, "change": self.change,
                "dry_run": self.dry_run,
                "warnings": [{"line": w.line, "message": w.message} for w in self.warnings]}


# --- reading ---------------------------------------------------------------------------

def read_table(data: bytes | str, filename: str = "") -> list[tuple[int, list[str]]]:
    """The file's rows as (line, cells), the header first; XLSX when it looks like one."""
    if isinstance(data, bytes) and (data[:2] == b"PK" or filename.lower().endswith(".xlsx")):
        return _xlsx_rows(data)
    if isinstance(data, bytes):
        try:
            data = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise RouteImportError([_line(1, [Flaw("not_utf8", values={"reason": exc.reason})])]) from None
    first_line = data.split("\n", 1)[0]
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    reader = csv.reader(io.StringIO(data, newline=""), delimiter=delimiter)
    rows = []
    line = 0
    for cells in reader:
        start, line = line + 1, reader.line_num
        rows.append((start, cells))
        if len(rows) > MAX_ROWS + 1:
            raise RouteImportError([_line(start, [Flaw("too_many_rows", values={"max": str(MAX_ROWS)})])])
    return rows


def _xlsx_rows(data: bytes) -> list[tuple[int, list[str]]]:
    import openpyxl  # here, not at the top: only an XLSX upload pays for its import

    try:
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError):
        raise RouteImportError([_line(1, [Flaw("not_xlsx")])]) from None
    rows = []
    for number, values in enumerate(book.worksheets[0].iter_rows(values_only=True), start=1):
        rows.append((number, [_cell(v) for v in values]))
        if len(rows) > MAX_ROWS + 1:
            raise RouteImportError([_line(number, [Flaw("too_many_rows", values={"max": str(MAX_ROWS)})])])
    return rows


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def parse_routes(data: bytes | str, filename: str = "") -> list[RouteRow]:
    """Every row read, or RouteImportError listing every line whose cells are bad in
    themselves (the database is not asked here)."""
    rows, problems = _parse(data, filename)
    if problems:
        raise RouteImportError(problems)
    return rows


def _parse(data: bytes | str, filename: str) -> tuple[list[RouteRow], list[LineFlaws]]:
    """The rows read and the lines bad in themselves; a bad file or header is raised."""
    table = read_table(data, filename)
    while table and not any(c.strip() for c in table[-1][1]):
        table.pop()
    if not table:
        raise RouteImportError([_line(1, [Flaw("empty_file")])])
    header_line, raw = table[0]
    header = [ALIASES.get(h.strip().lower(), h.strip().lower()) for h in raw]
    while header and not header[-1]:
        header.pop()
    header_flaws = _header_flaws(header)
    if header_flaws:
        raise RouteImportError([_line(header_line, header_flaws)])
    rows: list[RouteRow] = []
    problems: list[LineFlaws] = []
    for line, cells in table[1:]:
        if not any(c.strip() for c in cells):
            continue
        while len(cells) > len(header) and not cells[-1].strip():
            cells = cells[:-1]
        if len(cells) < len(header) and all(not c.strip() for c in cells[len(header):]):
            cells = cells + [""] * (len(header) - len(cells))
        if len(cells) != len(header):
            problems.append(_line(line, [Flaw("field_count", values={"count": str(len(cells)),
                                                                     "expected": str(len(header))})]))
            continue
        flaws, row = read_row(line, dict(zip(header, cells)))
        if flaws:
            problems.append(_line(line, flaws))
        elif row is not None:
            rows.append(row)
    return rows, problems


def _header_flaws(header: list[str]) -> list[Flaw]:
    unknown = [h for h in header if h not in COLUMNS]
    missing = [c for c in REQUIRED if c not in header]
    twice = sorted({h for h in header if header.count(h) > 1})
    flaws = []
    if missing:
        flaws.append(Flaw("missing_columns", values={"required": ", ".join(REQUIRED), "missing": ", ".join(missing)}))
    if unknown:
        flaws.append(Flaw("unknown_columns", values={"unknown": ", ".join(unknown), "columns": ", ".join(COLUMNS)}))
    if twice:
        flaws.append(Flaw("columns_twice", values={"twice": ", ".join(twice)}))
    return flaws


_LIMITS = {"shopper": limits.SEARCH, "date": 20, "dealer": limits.DEALER_CODE, "checklist": 100, "version": 9,
           "window": 20, "note": MAX_NOTE}


def read_row(line: int, values: dict[str, str]) -> tuple[list[Flaw], RouteRow | None]:
    values = {name: text.strip() for name, text in values.items()}
    flaws = [Flaw("unreadable", name) for name, text in values.items() if not storable(text)]
    flaws += [Flaw("note_long", "note", {"max": str(MAX_NOTE)}) if name == "note" else
              Flaw("too_long", name, {"length": str(len(text)), "max": str(_LIMITS[name])})
              for name, text in values.items() if name in _LIMITS and len(text) > _LIMITS[name]]
    if flaws:
        return flaws, None
    shopper, dealer, checklist = values.get("shopper", ""), values.get("dealer", ""), values.get("checklist", "")
    if not shopper:
        flaws.append(Flaw("shopper_empty", "shopper"))
    day = read_day(values.get("date", ""), flaws)
    if not dealer:
        flaws.append(Flaw("dealer_empty", "dealer"))
    if not checklist:
        flaws.append(Flaw("checklist_empty", "checklist"))
    version_text = values.get("version", "")
    version = None
    if version_text:
        if version_text.isascii() and version_text.isdigit() and int(version_text) >= 1:
            version = int(version_text)
        else:
            flaws.append(Flaw("version_bad", "version", {"value": version_text}))
    window = read_window(values.get("window", ""), flaws)
    if flaws or day is None:
        return flaws, None
    return [], RouteRow(line, shopper, day, dealer, checklist, version, window, values.get("note", ""))


def read_day(text: str, flaws: list[Flaw]) -> date | None:
    if not text:
        flaws.append(Flaw("date_empty", "date"))
        return None
    try:
        russian = _RU_DATE.match(text)
        if russian:
            return date(int(russian[3]), int(russian[2]), int(russian[1]))
        if len(text) == 10:
            return date.fromisoformat(text)
    except ValueError:
        pass
    flaws.append(Flaw("date_bad", "date", {"value": text}))
    return None


def read_window(text: str, flaws: list[Flaw]) -> tuple[str, str] | None:
    plain = re.sub(r"\s+", "", text).replace("–", "-").replace("—", "-")
    if not plain:
        return None
    start, dash, end = plain.partition("-")
    if len(start) == 4:
        start = "0" + start
    if len(end) == 4:
        end = "0" + end
    if not (dash and _WINDOW.match(start) and _WINDOW.match(end)):
        flaws.append(Flaw("window_bad", "window", {"value": text}))
        return None
    if start >= end:
        flaws.append(Flaw("window_backwards", "window", {"value": text}))
        return None
    return start, end


# --- checking against the database -----------------------------------------------------

def check_routes(store: ServerStore, data: bytes | str, filename: str = "") -> RouteCheck:
    """Read and check a file without writing: the stops and warnings, or RouteImportError."""
    rows, problems = _parse(data, filename)
    with store.db.read() as conn:
        return _check(conn, rows, problems, store.now().date())


def import_routes(store: ServerStore, data: bytes | str, filename: str = "", *, dry_run: bool = False) -> RouteImport:
    """Plan every stop of the file in one transaction, or none (RouteImportError)."""
    rows, problems = _parse(data, filename)
    if dry_run:
        with store.db.read() as conn:
            checked = _check(conn, rows, problems, store.now().date())
        return RouteImport(len(checked.stops), checked.shoppers, checked.days, checked.warnings, None, True,
                           checked.first_day)
    now = store.now()
    with store.db.write() as conn:
        seq = routes.next_change(conn)  # first: its row lock keeps two imports (and console edits) apart
        checked = _check(conn, rows, problems, now.date())
        insert_stops(conn, checked.stops, now, seq)
    return RouteImport(len(checked.stops), checked.shoppers, checked.days, checked.warnings, seq, False,
                       checked.first_day)


def _check(conn: Connection, rows: list[RouteRow], parsed: list[LineFlaws], today: date) -> RouteCheck:
    stops, bad, warnings = check_rows(conn, rows, parsed, today)
    if bad:
        raise RouteImportError(bad)
    return RouteCheck(stops, warnings)


def check_rows(conn: Connection, rows: list[RouteRow], parsed: list[LineFlaws], today: date,
               sources: frozenset[tuple[str, str, date]] = frozenset(),
               dealers: dict[str, tuple[str, bool]] | None = None
               ) -> tuple[list[PlannedStop], list[LineFlaws], list[LineFlaws]]:
    """The rows that can be planned, the lines that cannot (with why) and the warnings:
    what an import refuses as a whole, and a week's copy skips line by line. `sources`:
    planned trips (shopper id, dealership, day) the rows are copies of, whose repeat is
    what was asked for and so no warning; `dealers`: code -> (name, active) of every
    dealership of the rows when the caller has read them already."""
    shoppers = accounts.list_shoppers(conn)
    by_id = {s.id: s for s in shoppers}
    by_name: dict[str, list] = defaultdict(list)
    for s in shoppers:
        if s.active:
            by_name[s.name.strip().casefold()].append(s)
    if dealers is None:
        dealers = routes.dealer_states(conn, {r.dealer for r in rows})
    versions = routes.checklist_versions(conn)
    problems: dict[int, list[Flaw]] = defaultdict(list)
    for bad in parsed:
        problems[bad.line].extend(bad.flaws)
    stops: list[PlannedStop] = []
    for row in rows:
        flaws = problems[row.line]
        shopper = by_id.get(row.shopper)
        if shopper is None:
            named = by_name.get(row.shopper.casefold(), [])
            if len(named) > 1:
                flaws.append(Flaw("shopper_ambiguous", "shopper", {"value": row.shopper, "count": str(len(named))}))
            elif named:
                shopper = named[0]
            else:
                flaws.append(Flaw("shopper_unknown", "shopper", {"value": row.shopper}))
        if shopper is not None and not shopper.active:
            flaws.append(Flaw("shopper_inactive", "shopper", {"value": shopper.label}))
        if row.day < today:
            flaws.append(Flaw("date_past", "date", {"value": row.day.isoformat(), "today": today.isoformat()}))
        state = dealers.get(row.dealer)
        if state is None:
            flaws.append(Flaw("dealer_unknown", "dealer", {"value": row.dealer}))
        elif not state[1]:
            flaws.append(Flaw("dealer_inactive", "dealer", {"value": row.dealer, "name": state[0]}))
        published = versions.get(row.checklist)
        version = row.version
        if published is None:
            flaws.append(Flaw("checklist_unknown", "checklist", {"value": row.checklist}))
        elif version is None:
            version = published[-1]
        elif version not in published:
            flaws.append(Flaw("version_unknown", "version", {"id": row.checklist, "value": str(version),
                                                             "versions": ", ".join(map(str, published))}))
        if not flaws and shopper is not None and version is not None:
            stops.append(PlannedStop(row.line, shopper.id, row.day, row.dealer, row.checklist, version, row.window,
                                     row.note))
    warnings: dict[int, list[Flaw]] = defaultdict(list)
    if stops:
        _compare(conn, stops, problems, warnings, sources)
    bad = [_line(line, flaws) for line, flaws in sorted(problems.items()) if flaws]
    refused = {b.line for b in bad}
    return ([s for s in stops if s.line not in refused], bad,
            [_line(line, flaws) for line, flaws in sorted(warnings.items()) if flaws and line not in refused])


def _compare(conn: Connection, stops: list[PlannedStop], problems: dict[int, list[Flaw]],
             warnings: dict[int, list[Flaw]], sources: frozenset[tuple[str, str, date]]) -> None:
    """Duplicates and overlapping windows (errors), and 30-day and same-day repeats
    (warnings), among the file's stops and against those planned already."""
    ids = sorted({s.shopper_id for s in stops})
    first, last = min(s.day for s in stops), max(s.day for s in stops)
    near = timedelta(days=REPEAT_DAYS)
    planned = routes.stops_between(conn, ids, first, last, with_visits=False)
    trips = routes.trips_between(conn, ids, first - near, last + near)
    planned_by_day: dict[tuple[str, date], list] = defaultdict(list)
    for p in planned:
        planned_by_day[(p.shopper_id, p.day)].append(p)
    file_by_day: dict[tuple[str, date], list[PlannedStop]] = defaultdict(list)
    for s in stops:
        key = (s.shopper_id, s.day)
        flaws = problems[s.line]
        for other in file_by_day[key]:
            if (other.dealer, other.window) == (s.dealer, s.window):
                flaws.append(Flaw("duplicate_line", values={"line": str(other.line)}))
            elif _overlap(s.window, other.window):
                flaws.append(Flaw("overlap_line", "window", {"value": _w(s.window), "other": _w(other.window),
                                                             "line": str(other.line)}))
            elif other.dealer == s.dealer:
                warnings[s.line].append(Flaw("same_day_line", values={"line": str(other.line)}))
        for p in planned_by_day.get(key, []):
            window = (p.window_start, p.window_end) if p.window_start else None
            if (p.dealer_code, window) == (s.dealer, s.window):
                flaws.append(Flaw("duplicate_planned"))
            elif _overlap(s.window, window):
                flaws.append(Flaw("overlap_planned", "window", {"value": _w(s.window), "other": _w(window),
                                                                "dealer": p.dealer_name}))
            elif p.dealer_code == s.dealer:
                warnings[s.line].append(Flaw("same_day_planned"))
        file_by_day[key].append(s)
    # 30-day repeats: the other days this shopper goes to this dealership
    visits: dict[tuple[str, str], list[tuple[date, int | None]]] = defaultdict(list)
    for trip in trips:
        if (trip.shopper_id, trip.dealer_code, trip.day) not in sources:
            visits[(trip.shopper_id, trip.dealer_code)].append((trip.day, None))
    for s in stops:
        visits[(s.shopper_id, s.dealer)].append((s.day, s.line))
    for s in stops:
        seen_days: set[date] = set()
        for day, line in sorted(visits[(s.shopper_id, s.dealer)], key=lambda v: (v[0], v[1] or 0)):
            apart = abs((day - s.day).days)
            if day == s.day or apart > REPEAT_DAYS or day in seen_days:
                continue
            seen_days.add(day)
            values = {"day": day.isoformat(), "days": str(apart)}
            if line is None:
                warnings[s.line].append(Flaw("repeat_planned", values=values))
            else:
                warnings[s.line].append(Flaw("repeat_line", values=values | {"line": str(line)}))


def _overlap(a: tuple[str, str] | None, b: tuple[str, str] | None) -> bool:
    return a is not None and b is not None and a[0] < b[1] and b[0] < a[1]


def _w(window: tuple[str, str] | None) -> str:
    return f"{window[0]}-{window[1]}" if window else ""


def insert_stops(conn: Connection, stops: list[PlannedStop], now: datetime, seq: int) -> None:
    """Insert these stops in one executemany, after each day's stops already planned."""
    if not stops:
        return
    by_day: dict[tuple[str, date], list[PlannedStop]] = defaultdict(list)
    for s in stops:
        by_day[(s.shopper_id, s.day)].append(s)
    taken = routes.last_positions(conn, sorted({s.shopper_id for s in stops}),
                                  min(s.day for s in stops), max(s.day for s in stops))
    rows = []
    for key, day_stops in by_day.items():
        ordered = sorted(day_stops, key=lambda s: (s.window is None, s.window or ("", ""), s.line))
        for position, s in enumerate(ordered, start=taken.get(key, 0) + 1):
            rows.append({
                "id": security.new_id("as_"), "s": s.shopper_id, "day": s.day.isoformat(), "pos": position,
                "dealer": s.dealer, "cid": s.checklist, "cver": s.version,
                "ws": s.window[0] if s.window else None, "we": s.window[1] if s.window else None,
                "note": s.note, "now": now, "seq": seq,
            })
    routes.insert_assignments(conn, rows)
