"""What the console lists and counts of each visit: the summary columns of `visits` and
the per-dealership tally of standards met."""

from __future__ import annotations

import json
from collections.abc import Iterator

from sqlalchemy import Connection, text

from ..database import moment


def save_summary(conn: Connection, uuid: str, summary) -> None:
    """`summary` is a `summaries.VisitSummary` (not imported: the queries stay below it)."""
    conn.execute(
        text("UPDATE visits SET dealer_code = :dealer, checklist_id = :cid, checklist_version = :cver, "
             "started_at = :started, finalized_at = :finalized, score_got = :got, score_out_of = :out_of, "
             "section_scores = :sections WHERE uuid = :u"),
        {"u": uuid, "dealer": summary.dealer_code, "cid": summary.checklist_id, "cver": summary.checklist_version,
         "started": moment(summary.started_at), "finalized": moment(summary.finalized_at),
         "got": summary.got, "out_of": summary.out_of,
         "sections": json.dumps({k: list(v) for k, v in summary.sections.items()}, separators=(",", ":"))},
    )


def add_to_tally(conn: Connection, dealer_code: str, checklist_id: str, standards: dict[str, bool],
                 sign: int) -> None:
    """Count (sign 1) or uncount (sign -1) one visit's items in its dealership's tally."""
    if not standards:
        return
    conn.execute(
        text("INSERT INTO standard_tally (dealer_code, checklist_id, item_id, met, counted) "
             "VALUES (:d, :c, :i, :met, :counted) "
             "ON CONFLICT (dealer_code, checklist_id, item_id) DO UPDATE SET "
             "met = standard_tally.met + excluded.met, counted = standard_tally.counted + excluded.counted"),
        [{"d": dealer_code, "c": checklist_id, "i": item, "met": sign * int(met), "counted": sign}
         for item, met in standards.items()],
    )


def dealer_of_assignment(conn: Connection, assignment_id: str | None) -> str | None:
    if assignment_id is None:
        return None
    return conn.execute(text("SELECT dealer_code FROM assignments WHERE id = :a"), {"a": assignment_id}).scalar()


def latest_payloads(conn: Connection) -> Iterator[tuple[str, str, str, str | None]]:
    """(uuid, status, payload, dealer code) of every visit's latest revision."""
    rows = conn.execute(text(
        "SELECT v.uuid, v.status, r.payload, a.dealer_code FROM visits v "
        "JOIN visit_revisions r ON r.visit_uuid = v.uuid AND r.revision = v.latest_revision "
        "LEFT JOIN assignments a ON a.id = r.assignment_id ORDER BY v.uuid"
    ))
    for row in rows:
        yield row.uuid, row.status, row.payload, row.dealer_code


def checklist_body(conn: Connection, checklist_id: str, version: int) -> str:
    return conn.execute(
        text("SELECT body FROM checklists WHERE id = :id AND version = :v"), {"id": checklist_id, "v": version},
    ).scalar_one()


def clear_tally(conn: Connection) -> None:
    conn.execute(text("DELETE FROM standard_tally"))
