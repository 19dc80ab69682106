"""The server's production calendar: the decrees the package ships, with the years a
coordinator imported (`fieldaudit admin import-calendar`) added or put in their place.

Follow-ups the server stores count working days by it, and every pull sends the imported
years, so that a phone counts by the same calendar.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from sqlalchemy import Connection

from field_app.domain.errors import InvalidCalendarError
from field_app.domain.workdays import CalendarYear, WorkCalendar, read_calendar_years, shipped_calendar

from .database import storable
from .queries import calendar as q
from .records import ImportedYear
from .store import ServerStore


def server_calendar(conn: Connection) -> WorkCalendar:
    """The shipped calendar with the imported years (an imported year replaces a shipped one)."""
    return shipped_calendar().with_years(q.years(conn))


def imported_years(store: ServerStore) -> list[CalendarYear]:
    with store.db.read() as conn:
        return q.years(conn)


def import_calendar(store: ServerStore, path: Path | str) -> list[ImportedYear]:
    """Import the years of a calendar file: one year's object
    `{"year": 2027, "source": "...", "transfers": [{"from": "2027-01-02", "to": "2027-05-03"}]}`
    or `{"years": [...]}`. A file with anything wrong imports nothing (`InvalidCalendarError`,
    naming the file)."""
    path = Path(path)
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InvalidCalendarError(f"{path}: the file is not UTF-8 text ({exc.reason})") from None
    try:
        return import_calendar_text(store, text)
    except InvalidCalendarError as exc:
        raise InvalidCalendarError(f"{path}: {exc}") from None


def import_calendar_text(store: ServerStore, text: str) -> list[ImportedYear]:
    """The same from the file's text, all years in one transaction with the due moments
    of the follow-ups still open counted again by the new calendar."""
    from .visits import recount_follow_ups  # visits counts by server_calendar, defined here

    years = read_calendar_years(text)
    for year in years:
        if not storable(year.source):
            raise InvalidCalendarError(f"{year.year}: 'source' has a character that cannot be stored (NUL)")
    shipped = shipped_calendar()
    now = store.now()
    with store.db.write() as conn:
        before = q.imported_at(conn, (y.year for y in years))
        for year in years:
            q.save_year(conn, year, now)
        recount_follow_ups(store, conn)
    return [ImportedYear(year=y.year, source=y.source, transfers=len(y.transfers), working_days=working_days(y),
                         replaced_import_of=before.get(y.year), replaced_shipped=shipped.has_decree(y.year))
            for y in years]


def working_days(year: CalendarYear) -> int:
    """How many working days the year has by its decree."""
    days = (date(year.year + 1, 1, 1) - date(year.year, 1, 1)).days
    return days - len(WorkCalendar([year]).days_off(year.year))
