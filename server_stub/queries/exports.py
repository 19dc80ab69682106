"""Visits for an export, a batch at a time: each with its latest revision's payload and
the codes of its flags (read for the batch in one more query, never for all at once).

Batches are keyed by (started_at, uuid) of the last row read, oldest first, not by an
offset: the checklist index (checklist_id, started_at, uuid) walks to the next batch
directly, so batch 100 costs what batch 1 does.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from sqlalchemy import Connection, text

from .visit_list import VisitFilter, flag_codes


@dataclass(frozen=True)
class ExportRow:
    uuid: str
    shopper_name: str
    dealer_code: str | None
    dealer_name: str | None
    checklist_version: int
    started_at: str  # as stored: ISO-8601 UTC text
    finalized_at: str
    status: str
    revision: int
    score_got: float | None
    score_out_of: float | None
    section_scores: str | None  # JSON {section id: [got, out of]}
    payload: str  # the latest revision's canonical JSON
    dealer_timezone: str | None = None  # where follow-ups fall due (None: no dealership)
    dealer_brand: str | None = None
    dealer_city: str | None = None
    flags: tuple[str, ...] = ()  # the codes of the latest revision's flags, each once


def batch(conn: Connection, where: VisitFilter, after: tuple[str, str] | None, limit: int) -> list[ExportRow]:
    """Up to `limit` visits after the (started_at, uuid) `after`, oldest first."""
    clause, params = where.where()
    if after is not None:
        clause += " AND (v.started_at > :after_started OR (v.started_at = :after_started AND v.uuid > :after_uuid))"
        params |= {"after_started": after[0], "after_uuid": after[1]}
    rows = conn.execute(text(
        "SELECT v.uuid, s.name AS shopper_name, v.dealer_code, d.name AS dealer_name, v.checklist_version, "
        "v.started_at, v.finalized_at, v.status, v.latest_revision, v.score_got, v.score_out_of, v.section_scores, "
        "r.payload, d.timezone AS dealer_timezone, d.brand AS dealer_brand, d.city AS dealer_city "
        "FROM visits v JOIN shoppers s ON s.id = v.shopper_id "
        "JOIN visit_revisions r ON r.visit_uuid = v.uuid AND r.revision = v.latest_revision "
        "LEFT JOIN dealerships d ON d.code = v.dealer_code "
        f"WHERE {clause} ORDER BY v.started_at, v.uuid LIMIT :limit"
    ), params | {"limit": limit})
    found = [ExportRow(
        r.uuid, r.shopper_name, r.dealer_code, r.dealer_name, r.checklist_version, r.started_at,
        r.finalized_at, r.status, r.latest_revision, r.score_got, r.score_out_of, r.section_scores, r.payload,
        r.dealer_timezone, r.dealer_brand, r.dealer_city,
    ) for r in rows]
    codes = flag_codes(conn, [(row.uuid, row.revision) for row in found])
    return [replace(row, flags=codes.get((row.uuid, row.revision), ())) for row in found]


def count(conn: Connection, where: VisitFilter) -> int:
    """How many visits `where` chooses (what an export of them would hold)."""
    clause, params = where.where()
    return conn.execute(text(f"SELECT COUNT(*) FROM visits v WHERE {clause}"), params).scalar_one()
