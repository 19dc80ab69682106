"""The Russian production calendar: which days are working days.

A day is a working day unless it is a Saturday or Sunday, a non-working holiday of Labour
Code article 112, or the day off that article moves from a holiday falling on a weekend
(except the January holidays, which the government moves by decree instead). The
government's yearly decree then transfers days off: each `Transfer` makes `to` a day off and
`from_` a working day (unless `from_` is itself a holiday, as 4 January 2025 was).

The decrees for known years ship with the package (`calendars/ru.json`); a coordinator adds
a new year's with `fieldaudit admin import-calendar`, and phones receive it on their next
pull. A year without its decree still follows article 112, only without transfers.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache

from .errors import InvalidCalendarError
from .resources import shipped_calendars

# Article 112, part 1: (month, day). The January days are not moved when they fall on a weekend.
HOLIDAYS = ((1, 1), (1, 2), (1, 3), (1, 4), (1, 5), (1, 6), (1, 7), (1, 8),
            (2, 23), (3, 8), (5, 1), (5, 9), (6, 12), (11, 4))
NOT_MOVED_MONTH = 1
FIRST_YEAR, LAST_YEAR = 1992, 2200
MAX_TRANSFERS = 20


@dataclass(frozen=True)
class Transfer:
    """One line of a decree: «перенести выходной день с <from_> на <to>»."""

    from_: date
    to: date


@dataclass(frozen=True)
class CalendarYear:
    """A year's decree: its transfers and where they come from."""

    year: int
    transfers: tuple[Transfer, ...]
    source: str = ""

    def to_json(self) -> dict:
        return {"year": self.year, "source": self.source,
                "transfers": [{"from": t.from_.isoformat(), "to": t.to.isoformat()} for t in self.transfers]}


def parse_year(data: object) -> CalendarYear:
    """A `CalendarYear` from its JSON form; `InvalidCalendarError` says what is wrong."""
    if not isinstance(data, dict):
        raise InvalidCalendarError("a calendar year is an object with 'year' and 'transfers'")
    unknown = set(data) - {"year", "source", "transfers"}
    if unknown:
        raise InvalidCalendarError(f"unknown key(s) {', '.join(sorted(unknown))}")
    year = data.get("year")
    if not isinstance(year, int) or isinstance(year, bool) or not FIRST_YEAR <= year <= LAST_YEAR:
        raise InvalidCalendarError(f"'year' must be a year between {FIRST_YEAR} and {LAST_YEAR}, not {year!r}")
    source = data.get("source", "")
    if not isinstance(source, str) or len(source) > 500:
        raise InvalidCalendarError("'source' must be a text of at most 500 characters")
    raw = data.get("transfers", [])
    if not isinstance(raw, list) or len(raw) > MAX_TRANSFERS:
        raise InvalidCalendarError(f"'transfers' must be a list of at most {MAX_TRANSFERS} transfers")
    transfers = []
    for n, item in enumerate(raw, 1):
        if not isinstance(item, dict) or set(item) != {"from", "to"}:
            raise InvalidCalendarError(f"transfer {n} must be an object with 'from' and 'to' dates")
        try:
            from_, to = date.fromisoformat(str(item["from"])), date.fromisoformat(str(item["to"]))
        except ValueError:
            raise InvalidCalendarError(f"transfer {n}: dates are written YYYY-MM-DD") from None
        if to.year != year:
            raise InvalidCalendarError(f"transfer {n}: the day off {to} is not in {year}")
        if abs(from_.year - year) > 1:
            raise InvalidCalendarError(f"transfer {n}: {from_} is too far from {year}")
        transfers.append(Transfer(from_, to))
    return CalendarYear(year, tuple(transfers), source)


def read_calendar_years(text: str) -> list[CalendarYear]:
    """The years of a calendar file: one year's object, or `{"years": [...]}`."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InvalidCalendarError(f"the file is not JSON ({exc.msg}, line {exc.lineno})") from None
    items = data.get("years") if isinstance(data, dict) and "years" in data else [data]
    if not isinstance(items, list) or not items:
        raise InvalidCalendarError("'years' must be a list of calendar years")
    years = []
    for n, item in enumerate(items, 1):
        try:
            years.append(parse_year(item))
        except InvalidCalendarError as exc:
            if len(items) == 1:
                raise
            named = item.get("year") if isinstance(item, dict) else None
            which = f"year {n} of {len(items)}" + (f" ({named})" if isinstance(named, int) else "")
            raise InvalidCalendarError(f"{which}: {exc}") from None
    twice = sorted({y.year for y in years if [z.year for z in years].count(y.year) > 1})
    if twice:
        raise InvalidCalendarError(f"year(s) given twice: {', '.join(map(str, twice))}")
    return years


class WorkCalendar:
    """Working days by the production calendar, given the decrees known for some years."""

    def __init__(self, years: list[CalendarYear] | tuple[CalendarYear, ...] = ()) -> None:
        self.years = {y.year: y for y in years}

    def with_years(self, years: list[CalendarYear]) -> WorkCalendar:
        """This calendar with `years` added (a year given again replaces the one here)."""
        return WorkCalendar([*self.years.values(), *years])

    def has_decree(self, year: int) -> bool:
        return year in self.years

    def is_working_day(self, day: date) -> bool:
        return day not in self.days_off(day.year)

    def working_day_after(self, day: date, n: int) -> date:
        """The nth working day after `day` (`day` itself not counted)."""
        if n < 1:
            raise ValueError("n counts from 1")
        while n:
            day += timedelta(days=1)
            n -= self.is_working_day(day)
        return day

    def days_off(self, year: int) -> frozenset[date]:
        """Every non-working day of the year: weekends, holidays, and days off moved there."""
        decree = self.years.get(year)
        return _days_off(year, decree.transfers if decree else ())

    def __eq__(self, other: object) -> bool:
        return isinstance(other, WorkCalendar) and self.years == other.years


@lru_cache(maxsize=64)
def _days_off(year: int, transfers: tuple[Transfer, ...]) -> frozenset[date]:
    holidays = {date(year, m, d) for m, d in HOLIDAYS}
    days = (date(year, 1, 1) + timedelta(days=i) for i in range(366))
    off = {d for d in days if d.year == year and d.weekday() >= 5} | holidays
    for holiday in sorted(holidays):
        if holiday.weekday() >= 5 and holiday.month != NOT_MOVED_MONTH:
            moved = holiday + timedelta(days=1)
            while moved in off:
                moved += timedelta(days=1)
            off.add(moved)
    # A transfer lives in the year of its day off; a `from_` in another year stays a day off.
    for t in transfers:
        off.add(t.to)
        if t.from_.year == year and t.from_ not in holidays:
            off.discard(t.from_)
    return frozenset(d for d in off if d.year == year)


@lru_cache(maxsize=1)
def shipped_calendar() -> WorkCalendar:
    """The decrees that ship with the package."""
    text = (shipped_calendars() / "ru.json").read_text(encoding="utf-8")
    return WorkCalendar(read_calendar_years(text))
