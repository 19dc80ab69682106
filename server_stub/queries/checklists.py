"""Published checklist versions: their canonical JSON and its sha256."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, text

from ..database import moment, parse_moment


@dataclass(frozen=True)
class ChecklistRow:
    id: str
    version: int
    sha256: str
    body: str


def get(conn: Connection, checklist_id: str, version: int) -> ChecklistRow | None:
    row = conn.execute(
        text("SELECT id, version, sha256, body FROM checklists WHERE id = :id AND version = :v"),
        {"id": checklist_id, "v": version},
    ).first()
    return ChecklistRow(row.id, row.version, row.sha256, row.body) if row else None


def newest_version(conn: Connection, checklist_id: str) -> int | None:
    return conn.execute(text("SELECT MAX(version) FROM checklists WHERE id = :id"), {"id": checklist_id}).scalar()


def all_rows(conn: Connection) -> list[ChecklistRow]:
    rows = conn.execute(text("SELECT id, version, sha256, body FROM checklists ORDER BY id, version"))
    return [ChecklistRow(r.id, r.version, r.sha256, r.body) for r in rows]


def insert(conn: Connection, row: ChecklistRow, now: datetime) -> bool:
    """Insert a version unless one is there; True when this call inserted it."""
    result = conn.execute(
        text("INSERT INTO checklists (id, version, sha256, body, published_at) VALUES (:id, :v, :sha, :body, :now) "
             "ON CONFLICT (id, version) DO NOTHING"),
        {"id": row.id, "v": row.version, "sha": row.sha256, "body": row.body, "now": moment(now)},
    )
    return result.rowcount == 1


@dataclass(frozen=True)
class VersionRow:
    id: str
    version: int
    sha256: str
    published_at: datetime
    visits: int


def versions(conn: Connection) -> list[VersionRow]:
    """Every published version, with how many visits its latest revision was made with."""
    rows = conn.execute(text(
        "SELECT c.id, c.version, c.sha256, c.published_at, COALESCE(used.n, 0) AS visits FROM checklists c "
        "LEFT JOIN (SELECT checklist_id, checklist_version, COUNT(*) AS n FROM visits "
        "           GROUP BY checklist_id, checklist_version) used "
        "ON used.checklist_id = c.id AND used.checklist_version = c.version "
        "ORDER BY c.id, c.version"
    ))
    return [_version_row(r) for r in rows]


def version(conn: Connection, checklist_id: str, number: int) -> VersionRow | None:
    row = conn.execute(text(
        "SELECT c.id, c.version, c.sha256, c.published_at, "
        "       (SELECT COUNT(*) FROM visits WHERE checklist_id = c.id AND checklist_version = c.version) AS visits "
        "FROM checklists c WHERE c.id = :id AND c.version = :v"
    ), {"id": checklist_id, "v": number}).first()
    return _version_row(row) if row else None


def version_numbers(conn: Connection, checklist_id: str) -> list[int]:
    rows = conn.execute(text("SELECT version FROM checklists WHERE id = :id ORDER BY version"), {"id": checklist_id})
    return [r.version for r in rows]


def _version_row(row) -> VersionRow:
    return VersionRow(row.id, row.version, row.sha256, parse_moment(row.published_at), row.visits)
