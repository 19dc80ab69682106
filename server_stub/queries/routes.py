"""Dealerships, assignments, and the change sequence that `sync/pull` cursors count."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import Connection, bindparam, text

from field_app.domain.route import Assignment, Dealership

from ..database import moment
from ..records import PlannedVisit

_COLUMNS = ("code", "name", "brand", "city", "address", "phone", "lat", "lon")


# --- the change sequence ---------------------------------------------------------------

def next_change(conn: Connection) -> int:
    """Take the next number of the sequence. The row lock this UPDATE takes is held to the
    end of the transaction, so numbers are handed out in commit order."""
    conn.execute(text("UPDATE change_counter SET value = value + 1 WHERE name = 'routes'"))
    return conn.execute(text("SELECT value FROM change_counter WHERE name = 'routes'")).scalar_one()


def current_change(conn: Connection) -> int:
    return conn.execute(text("SELECT value FROM change_counter WHERE name = 'routes'")).scalar_one()


# --- dealerships -----------------------------------------------------------------------

def dealerships(conn: Connection, codes: Iterable[str] | None = None) -> list[Dealership]:
    sql = "SELECT code, name, brand, city, address, phone, lat, lon FROM dealerships"
    if codes is None:
        rows = conn.execute(text(sql + " ORDER BY code"))
    else:
        codes = sorted(set(codes))
        if not codes:
            return []
        statement = text(sql + " WHERE code IN :codes ORDER BY code").bindparams(bindparam("codes", expanding=True))
        rows = conn.execute(statement, {"codes": codes})
    return [Dealership(**row._asdict()) for row in rows]


def dealer_exists(conn: Connection, code: str) -> bool:
    return conn.execute(text("SELECT 1 FROM dealerships WHERE code = :c"), {"c": code}).first() is not None


def upsert_dealership(conn: Connection, dealer: Dealership, now: datetime) -> None:
    conn.execute(
        text(
            "INSERT INTO dealerships (code, name, brand, city, address, phone, lat, lon, updated_at) "
            "VALUES (:code, :name, :brand, :city, :address, :phone, :lat, :lon, :now) "
            "ON CONFLICT (code) DO UPDATE SET name = excluded.name, brand = excluded.brand, "
            "city = excluded.city, address = excluded.address, phone = excluded.phone, "
            "lat = excluded.lat, lon = excluded.lon, updated_at = excluded.updated_at"
        ),
        {**dealer.model_dump(), "now": moment(now)},
    )


def touch_assignments_of_dealers(conn: Connection, codes: list[str], seq: int) -> None:
    """A dealership's details changed: its open assignments travel again on the next pull."""
    statement = text(
        "UPDATE assignments SET change_seq = :seq WHERE removed_at IS NULL AND dealer_code IN :codes"
    ).bindparams(bindparam("codes", expanding=True))
    conn.execute(statement, {"seq": seq, "codes": codes})


# --- assignments -----------------------------------------------------------------------

def next_position(conn: Connection, shopper_id: str, day: date) -> int:
    value = conn.execute(
        text("SELECT MAX(position) FROM assignments WHERE shopper_id = :s AND day = :d AND removed_at IS NULL"),
        {"s": shopper_id, "d": day.isoformat()},
    ).scalar()
    return (value or 0) + 1


def insert_assignment(conn: Connection, plan: PlannedVisit, now: datetime, seq: int) -> None:
    conn.execute(
        text(
            "INSERT INTO assignments (id, shopper_id, day, position, dealer_code, checklist_id, "
            "checklist_version, window_start, window_end, note, created_at, change_seq) "
            "VALUES (:id, :s, :day, :pos, :dealer, :cid, :cver, :ws, :we, :note, :now, :seq)"
        ),
        {
            "id": plan.assignment_id, "s": plan.shopper_id, "day": plan.day.isoformat(),
            "pos": plan.position, "dealer": plan.dealer_code, "cid": plan.checklist_id,
            "cver": plan.checklist_version, "ws": plan.window_start, "we": plan.window_end,
            "note": plan.note, "now": moment(now), "seq": seq,
        },
    )


def remove_assignment(conn: Connection, assignment_id: str, now: datetime, seq: int) -> bool:
    result = conn.execute(
        text("UPDATE assignments SET removed_at = :now, change_seq = :seq WHERE id = :id AND removed_at IS NULL"),
        {"id": assignment_id, "now": moment(now), "seq": seq},
    )
    return result.rowcount == 1


def assignment_exists(conn: Connection, assignment_id: str) -> bool:
    return conn.execute(text("SELECT 1 FROM assignments WHERE id = :id"), {"id": assignment_id}).first() is not None


def assignment_is_shoppers(conn: Connection, assignment_id: str, shopper_id: str) -> bool:
    row = conn.execute(
        text("SELECT 1 FROM assignments WHERE id = :id AND shopper_id = :s"), {"id": assignment_id, "s": shopper_id},
    ).first()
    return row is not None


@dataclass(frozen=True)
class RouteChanges:
    current: list[Assignment]
    removed: list[str]


_ASSIGNMENT = (
    "SELECT id, day, position, dealer_code, checklist_id, checklist_version, window_start, window_end, note, "
    "removed_at FROM assignments "
)


def _assignment(row) -> Assignment:
    return Assignment(
        id=row.id, day=date.fromisoformat(row.day), position=row.position, dealer_code=row.dealer_code,
        checklist_id=row.checklist_id, checklist_version=row.checklist_version,
        window_start=row.window_start, window_end=row.window_end, note=row.note,
    )


def route_from(conn: Connection, shopper_id: str, first_day: date) -> RouteChanges:
    rows = conn.execute(
        text(_ASSIGNMENT + "WHERE shopper_id = :s AND removed_at IS NULL AND day >= :d ORDER BY day, position, id"),
        {"s": shopper_id, "d": first_day.isoformat()},
    )
    return RouteChanges([_assignment(r) for r in rows], [])


def route_changes_since(conn: Connection, shopper_id: str, since: int) -> RouteChanges:
    rows = conn.execute(
        text(_ASSIGNMENT + "WHERE shopper_id = :s AND change_seq > :since ORDER BY day, position, id"),
        {"s": shopper_id, "since": since},
    ).all()
    return RouteChanges(
        [_assignment(r) for r in rows if r.removed_at is None],
        [r.id for r in rows if r.removed_at is not None],
    )
