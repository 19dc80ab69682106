"""The console's list of visits: filtered, newest first, a page at a time.

Pages are keyed by (started_at, uuid) of the last row shown, not by an offset, so a page
deep in 100,000 visits costs what the first one does; each filter has an index that
starts with its column and goes on with (started_at, uuid).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import Connection, text

from ..database import parse_moment

STATUSES = ("received", "returned", "approved")


@dataclass(frozen=True)
class VisitFilter:
    status: str | None = None
    dealer_code: str | None = None
    shopper_id: str | None = None
    checklist_id: str | None = None
    date_from: date | None = None
    date_to: date | None = None  # inclusive

    def where(self) -> tuple[str, dict]:
        clauses, params = ["v.latest_revision > 0"], {}
        for column, value in (("status", self.status), ("dealer_code", self.dealer_code),
                              ("shopper_id", self.shopper_id), ("checklist_id", self.checklist_id)):
            if value:
                clauses.append(f"v.{column} = :{column}")
                params[column] = value
        if self.date_from:
            clauses.append("v.started_at >= :date_from")
            params["date_from"] = self.date_from.isoformat()
        if self.date_to:
            clauses.append("v.started_at < :date_to")
            params["date_to"] = (self.date_to + timedelta(days=1)).isoformat()
        return " AND ".join(clauses), params


@dataclass(frozen=True)
class VisitListRow:
    uuid: str
    started_at: datetime
    shopper_id: str
    shopper_name: str
    dealer_code: str | None
    dealer_name: str | None
    checklist_id: str
    checklist_version: int
    status: str
    revision: int
    score_got: float
    score_out_of: float

    @property
    def percent(self) -> float | None:
        return None if not self.score_out_of else 100.0 * self.score_got / self.score_out_of

    @property
    def key(self) -> str:
        """Where the next page starts: this row's place in the order."""
        return f"{self.started_at.strftime('%Y-%m-%dT%H:%M:%S.%fZ')}|{self.uuid}"


def page(conn: Connection, where: VisitFilter, after: str | None = None, limit: int = 50) -> list[VisitListRow]:
    """Up to `limit` visits, newest first, those after the row whose `key` is `after`."""
    clause, params = where.where()
    if after:
        started, _, uuid = after.partition("|")
        clause += " AND (v.started_at < :after_started OR (v.started_at = :after_started AND v.uuid < :after_uuid))"
        params |= {"after_started": started, "after_uuid": uuid}
    rows = conn.execute(text(
        "SELECT v.uuid, v.started_at, v.shopper_id, s.name AS shopper_name, v.dealer_code, d.name AS dealer_name, "
        "v.checklist_id, v.checklist_version, v.status, v.latest_revision, v.score_got, v.score_out_of "
        "FROM visits v JOIN shoppers s ON s.id = v.shopper_id "
        "LEFT JOIN dealerships d ON d.code = v.dealer_code "
        f"WHERE {clause} ORDER BY v.started_at DESC, v.uuid DESC LIMIT :limit"
    ), params | {"limit": limit})
    return [VisitListRow(
        r.uuid, parse_moment(r.started_at), r.shopper_id, r.shopper_name, r.dealer_code, r.dealer_name,
        r.checklist_id, r.checklist_version, r.status, r.latest_revision, r.score_got or 0.0, r.score_out_of or 0.0,
    ) for r in rows]


def count(conn: Connection, where: VisitFilter) -> int:
    clause, params = where.where()
    return conn.execute(text(f"SELECT COUNT(*) FROM visits v WHERE {clause}"), params).scalar_one()


def checklist_ids(conn: Connection) -> list[str]:
    return [r.id for r in conn.execute(text("SELECT DISTINCT id FROM checklists ORDER BY id"))]
