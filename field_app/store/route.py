"""SQL for the route: dealerships, assignments, and the visit each stop has started."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlite_utils import Database

from field_app.domain.records import VisitStatus
from field_app.domain.route import Assignment, Dealership

# Written by the sync client; the store only reads it, so it needs no sync code.
PAIRED_SHOPPER_SETTING = "sync.shopper_id"


@dataclass(frozen=True)
class Stop:
    """One stop of the route as the Today screen lists it. A stop whose visit has begun
    carries its visit's checklist version: a newer version the coordinator moved the stop
    to after that (a re-pin) is for a visit not yet begun, and this visit keeps its own."""

    assignment: Assignment
    dealership: Dealership
    visit_uuid: str | None
    visit_status: VisitStatus | None


def put_dealership(db: Database, dealership: Dealership) -> None:
    db["dealerships"].upsert(dealership.model_dump(), pk="code")


def places(db: Database, codes: list[str]) -> dict[str, tuple[str, str]]:
    """The time zone and brand of each of these dealerships the phone holds, by code."""
    found = {}
    for code in codes:
        row = db.execute("SELECT timezone, brand FROM dealerships WHERE code = ?", [code]).fetchone()
        if row is not None:
            found[code] = (row[0], row[1])
    return found


def put_assignment(db: Database, assignment: Assignment) -> None:
    row = assignment.model_dump()
    row["day"] = assignment.day.isoformat()
    db["assignments"].upsert(row, pk="id")


def assignment(db: Database, assignment_id: str) -> Assignment | None:
    rows = list(db.query("SELECT * FROM assignments WHERE id = ?", [assignment_id]))
    return Assignment.model_validate(rows[0]) if rows else None


def visit_of(db: Database, assignment_id: str) -> str | None:
    rows = list(db.query(
        "SELECT uuid FROM visits WHERE assignment_id = ? ORDER BY started_at LIMIT 1", [assignment_id]))
    return rows[0]["uuid"] if rows else None


_STOPS = """
SELECT a.*, d.name, d.brand, d.city, d.address, d.phone, d.lat, d.lon, d.timezone,
       v.uuid AS visit_uuid, v.status AS visit_status, v.checklist_version AS visit_checklist_version
FROM assignments a
JOIN dealerships d ON d.code = a.dealer_code
LEFT JOIN visits v ON v.uuid = (
    SELECT uuid FROM visits WHERE assignment_id = a.id ORDER BY started_at LIMIT 1)
WHERE {where}
ORDER BY a.day, a.position, a.id
"""


def stops(db: Database, first: date, last: date) -> list[Stop]:
    return _stops(db, "a.day >= ? AND a.day <= ?", [first.isoformat(), last.isoformat()])


def stop(db: Database, assignment_id: str) -> Stop | None:
    found = _stops(db, "a.id = ?", [assignment_id])
    return found[0] if found else None


def _stops(db: Database, where: str, params: list[str]) -> list[Stop]:
    result = []
    for row in db.query(_STOPS.format(where=where), params):
        dealership = Dealership(
            code=row["dealer_code"], name=row["name"], brand=row["brand"], city=row["city"],
            address=row["address"], phone=row["phone"], lat=row["lat"], lon=row["lon"],
            timezone=row["timezone"],
        )
        fields = {k: row[k] for k in Assignment.model_fields}
        if row["visit_checklist_version"] is not None:
            fields["checklist_version"] = row["visit_checklist_version"]
        status = row["visit_status"]
        result.append(Stop(Assignment.model_validate(fields), dealership, row["visit_uuid"],
                           VisitStatus(status) if status else None))
    return result


def setting(db: Database, key: str) -> str | None:
    rows = list(db.query("SELECT value FROM settings WHERE key = ?", [key]))
    return rows[0]["value"] if rows else None


def put_setting(db: Database, key: str, value: str) -> None:
    db["settings"].upsert({"key": key, "value": value}, pk="key")


def put_settings(db: Database, values: dict[str, str]) -> None:
    for key, value in values.items():
        put_setting(db, key, value)


def delete_setting(db: Database, key: str) -> None:
    db.execute("DELETE FROM settings WHERE key = ?", [key])


def paired_shopper(db: Database) -> str | None:
    """The shopper the phone is paired as now, as the sync client keeps it (empty when
    unpaired); a visit records it in the transaction that starts it."""
    return setting(db, PAIRED_SHOPPER_SETTING) or None


def unstarted(db: Database) -> list[str]:
    """The ids of the stops no visit has started."""
    rows = db.execute(
        "SELECT id FROM assignments a WHERE NOT EXISTS (SELECT 1 FROM visits WHERE assignment_id = a.id) ORDER BY id")
    return [assignment_id for (assignment_id,) in rows]


def drop_unstarted(db: Database, assignment_ids: list[str]) -> list[str]:
    """Delete the assignments no visit has started; the others stay (the shopper's work)."""
    dropped = []
    for assignment_id in assignment_ids:
        cursor = db.execute(
            """
            DELETE FROM assignments
            WHERE id = ? AND NOT EXISTS (SELECT 1 FROM visits WHERE assignment_id = ?)
            """,
            [assignment_id, assignment_id],
        )
        if cursor.rowcount:
            dropped.append(assignment_id)
    return dropped
