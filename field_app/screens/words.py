"""Words that depend on what they are about: dates in the UI's language ("4 декабря 2026",
"December 4, 2026", never "04.12.2026" beside them), a call called a call, and a unit
declined by the number before it."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from field_app.domain.checklist import Checklist
from field_app.domain.i18n import Translator
from field_app.domain.plural import Number
from field_app.domain.units import unit_for


def long_date(t: Translator, day: date) -> str:
    """4 декабря 2026 / December 4, 2026."""
    return t("common.date", day=day.day, month=t(f"common.month_{day.month}"), year=day.year)


def day_month(t: Translator, day: date) -> str:
    """4 декабря / December 4: a day near enough that its year goes without saying."""
    return t("common.day_month", day=day.day, month=t(f"common.month_{day.month}"))


def local(at: datetime) -> tuple[date, str]:
    """A stored moment as the phone's day and its time of day (24 h)."""
    moment = at.astimezone()
    return moment.date(), moment.strftime("%H:%M")


def in_zone(at: datetime, zone: str) -> tuple[date, str]:
    """A moment as a day and a time of day (24 h) in a time zone (a dealership's)."""
    moment = at.astimezone(ZoneInfo(zone))
    return moment.date(), moment.strftime("%H:%M")


def date_time(t: Translator, at: datetime, zone: str) -> str:
    """4 декабря 2026, 14:30 / December 4, 2026 at 14:30, in a time zone (a dealership's)."""
    day, time = in_zone(at, zone)
    return t("common.date_time", date=long_date(t, day), time=time)


def utc_offset(at: datetime, zone: str | None = None) -> str:
    """The zone's offset at that moment (the phone's without one): UTC+3, UTC+10, UTC+5:30, UTC−3."""
    offset = (at.astimezone(ZoneInfo(zone)) if zone else at.astimezone()).utcoffset() or timedelta(0)
    minutes = round(offset.total_seconds() / 60)
    sign = "+" if minutes >= 0 else "\u2212"
    hours, rest = divmod(abs(minutes), 60)
    return f"UTC{sign}{hours}" + (f":{rest:02d}" if rest else "")


def kind(checklist: Checklist) -> str:
    """'visit' or 'call': which of a pair of texts (`..._visit`, `..._call`) speaks of it."""
    return "call" if checklist.channel == "call" else "visit"


def unit(checklist: Checklist, number: Number | None, word: str | None) -> str:
    """A checklist's unit word in the form the number asks for, in the checklist's language."""
    if not word:
        return ""
    return unit_for(number if number is not None else 0, word, checklist.locale)
