"""The production calendar's years a coordinator imported (table `calendar_years`)."""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import Connection, bindparam, text

from field_app.domain.workdays import CalendarYear, parse_year

from ..database import moment, parse_moment


def years(conn: Connection) -> list[CalendarYear]:
    """Every imported year, oldest first."""
    rows = conn.execute(text("SELECT year, source, transfers FROM calendar_years ORDER BY year"))
    return [parse_year({"year": r.year, "source": r.source, "transfers": json.loads(r.transfers)}) for r in rows]


def imported_at(conn: Connection, numbers: Iterable[int]) -> dict[int, datetime]:
    """When each of these years was imported, for those imported already."""
    numbers = sorted(set(numbers))
    if not numbers:
        return {}
    statement = text("SELECT year, imported_at FROM calendar_years WHERE year IN :years").bindparams(
        bindparam("years", expanding=True))
    return {r.year: parse_moment(r.imported_at) for r in conn.execute(statement, {"years": numbers})}


def save_year(conn: Connection, year: CalendarYear, now: datetime) -> None:
    """Keep the year, in place of the one imported before, if any."""
    data = year.to_json()
    conn.execute(
        text("INSERT INTO calendar_years (year, source, transfers, imported_at) VALUES (:y, :s, :t, :now) "
             "ON CONFLICT (year) DO UPDATE SET source = excluded.source, transfers = excluded.transfers, "
             "imported_at = excluded.imported_at"),
        {"y": year.year, "s": year.source, "t": json.dumps(data["transfers"], separators=(",", ":")),
         "now": moment(now)},
    )
