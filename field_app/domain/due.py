"""When a follow-up is put to the shopper: one function for the phone and the server.

A follow-up's rule gives a window in which the dealer should act (call the client back,
...), counted from an anchor: the visit's start, its finish, or a moment the shopper
recorded in a `datetime` question. The shopper is asked once the window has closed, so the
dealer had all its time. Working days are counted in the dealership's time zone by the
production calendar.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from .checklist import AnchorQuestion, DueRule, Offset
from .errors import InvalidTimezoneError
from .workdays import WorkCalendar

DEFAULT_TIMEZONE = "Europe/Moscow"


@dataclass(frozen=True)
class Window:
    """When the dealer may act, and when the shopper is asked whether it did."""

    opens_at: datetime
    closes_at: datetime

    @property
    def ask_at(self) -> datetime:
        return self.closes_at


@dataclass(frozen=True)
class Anchors:
    """The moments a rule may count from; `recorded` are the visit's datetime answers."""

    start: datetime
    finish: datetime | None = None
    recorded: dict[str, datetime] | None = None

    def moment(self, anchor: str | AnchorQuestion) -> datetime:
        """The anchor's moment; an unanswered question counts from the finish."""
        if isinstance(anchor, AnchorQuestion):
            found = (self.recorded or {}).get(anchor.question)
            if found is not None:
                return found
            anchor = "finish"
        if anchor == "finish" and self.finish is not None:
            return self.finish
        return self.start


def window(rule: DueRule, anchors: Anchors, zone: str, calendar: WorkCalendar) -> Window:
    """The rule's window for a visit at a dealership in `zone` (an IANA name)."""
    try:
        return _window(rule, anchors.moment(rule.anchor), ZoneInfo(zone), calendar)
    except OverflowError:  # a phone whose clock says year 9999
        far = datetime.max.replace(tzinfo=timezone.utc)
        return Window(far, far)


def _window(rule: DueRule, at: datetime, tz: ZoneInfo, calendar: WorkCalendar) -> Window:
    if rule.after_hours is not None:
        moment = _plus_hours(at, rule.after_hours)
        return Window(moment, moment)
    if rule.within_working_days is not None:
        return Window(at, _end_of_working_day(at, rule.within_working_days, tz, calendar))
    assert rule.window is not None  # the model holds exactly one of the three
    opens = _offset(at, rule.window.from_, tz, calendar, end=False)
    closes = _offset(at, rule.window.to, tz, calendar, end=True)
    return Window(opens, max(opens, closes))


def zone_or_default(name: str | None) -> ZoneInfo:
    """The IANA zone of that name; Moscow's for none, or for a stored name that is not a
    zone (names are refused when saved: `check_zone`)."""
    try:
        return ZoneInfo(name or DEFAULT_TIMEZONE)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        return ZoneInfo(DEFAULT_TIMEZONE)


def check_zone(zone: str) -> None:
    """Raise `InvalidTimezoneError` unless `zone` is an IANA time zone name."""
    try:
        ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError, OSError):  # "Europe" is a folder: IsADirectoryError
        raise InvalidTimezoneError(f"{zone!r} is not an IANA time zone such as Europe/Moscow") from None


def parse_moment(value: object) -> datetime | None:
    """A `datetime` answer's moment, or None when it is not an ISO moment with an offset."""
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else None


def _offset(at: datetime, offset: Offset, tz: ZoneInfo, calendar: WorkCalendar, *, end: bool) -> datetime:
    if offset.hours is not None:
        return _plus_hours(at, offset.hours)
    assert offset.working_days is not None
    if end:
        return _end_of_working_day(at, offset.working_days, tz, calendar)
    day = calendar.working_day_after(at.astimezone(tz).date(), offset.working_days)
    return _midnight(day, tz)


def _end_of_working_day(at: datetime, n: int, tz: ZoneInfo, calendar: WorkCalendar) -> datetime:
    """The end of the nth working day after the day of `at` in `tz` (midnight after it)."""
    day = calendar.working_day_after(at.astimezone(tz).date(), n)
    return _midnight(day + timedelta(days=1), tz)


def _midnight(day: date, tz: ZoneInfo) -> datetime:
    return datetime.combine(day, time(0), tzinfo=tz)


def _plus_hours(at: datetime, hours: float) -> datetime:
    return at + timedelta(hours=hours)
