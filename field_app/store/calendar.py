"""Queries on `calendar_years`: the production calendar's years a pull brought. The
calendar the phone counts working days by is the one it ships with, these years over it
(`Store.calendar`)."""

from __future__ import annotations

import json
from datetime import datetime

from sqlite_utils import Database

from field_app.domain.workdays import CalendarYear, parse_year

from .codec import moment_text


def _body(year: CalendarYear) -> str:
    return json.dumps(year.to_json(), ensure_ascii=False, sort_keys=True)


def put(db: Database, year: CalendarYear, now: datetime) -> bool:
    """Keep a year, replacing the one stored; False when the same year is stored already."""
    body = _body(year)
    row = db.execute("SELECT body FROM calendar_years WHERE year = ?", [year.year]).fetchone()
    if row is not None and row[0] == body:
        return False
    db.execute(
        """
        INSERT INTO calendar_years (year, body, received_at) VALUES (?, ?, ?)
        ON CONFLICT (year) DO UPDATE SET body = excluded.body, received_at = excluded.received_at
        """,
        [year.year, body, moment_text(now)],
    )
    return True


def years(db: Database) -> list[CalendarYear]:
    """Every year stored, oldest first (each was read by `parse_year` before it was kept)."""
    return [parse_year(json.loads(body)) for (body,) in
            db.execute("SELECT body FROM calendar_years ORDER BY year").fetchall()]
