"""Queries on `open_follow_ups`: each visit's follow-ups still unanswered, with when
they fall due, so that Today reads what is open instead of rebuilding every visit done.

The rows are written with the revision that changes them (`replace`, in the freezing
transaction) from `Visit.open_follow_ups`, the domain's one rule, which the server uses
too. Whether a follow-up is due now is the visit's status (finalized or synced: a
returned visit asks nothing until it is sent again) and the moment.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlite_utils import Database

from field_app.domain.visit import Visit

from .codec import moment_text, read_moment


@dataclass(frozen=True)
class DueFollowUpRow:
    """A follow-up due and unanswered, with what Today names it by."""

    visit_uuid: str
    follow_up_id: str
    due_at: datetime
    checklist_id: str
    checklist_version: int
    dealership_name: str  # empty for a visit made without a stop of the route


def replace(db: Database, visit: Visit) -> None:
    """The visit's open follow-ups as its just-frozen revision leaves them."""
    db.execute("DELETE FROM open_follow_ups WHERE visit_uuid = ?", [visit.uuid])
    if visit.finalized_at is None:
        return
    for follow_up, due_at in visit.open_follow_ups(visit.finalized_at):
        db.execute(
            "INSERT INTO open_follow_ups (visit_uuid, follow_up_id, due_at) VALUES (?, ?, ?)",
            [visit.uuid, follow_up.id, moment_text(due_at)],
        )


def frozen_with_open(db: Database, dealer_codes: list[str] | None = None) -> list[str]:
    """The visits with open follow-ups whose rows their last frozen revision wrote (not one
    reopened and being corrected: its next revision writes them), of some dealerships'
    stops or of all: those whose due moments move with the calendar or the dealership."""
    where, params = "", []
    if dealer_codes is not None:
        marks = ", ".join("?" for _ in dealer_codes)
        where = f"AND v.assignment_id IN (SELECT id FROM assignments WHERE dealer_code IN ({marks}))"
        params = list(dealer_codes)
    rows = db.execute(
        f"""
        SELECT v.uuid FROM visits v
        WHERE v.status IN ('finalized', 'synced', 'returned')
          AND EXISTS (SELECT 1 FROM open_follow_ups o WHERE o.visit_uuid = v.uuid) {where}
        ORDER BY v.started_at, v.uuid
        """,
        params,
    )
    return [uuid for (uuid,) in rows.fetchall()]


def due(db: Database, now: datetime) -> list[DueFollowUpRow]:
    """Every follow-up due by `now` and not answered, earliest first."""
    rows = db.execute(
        """
        SELECT o.visit_uuid, o.follow_up_id, o.due_at, v.checklist_id, v.checklist_version,
               coalesce(d.name, '')
        FROM open_follow_ups o
        JOIN visits v ON v.uuid = o.visit_uuid
        LEFT JOIN assignments a ON a.id = v.assignment_id
        LEFT JOIN dealerships d ON d.code = a.dealer_code
        WHERE o.due_at <= ? AND v.status IN ('finalized', 'synced')
          AND NOT EXISTS (SELECT 1 FROM follow_up_answers f
                          WHERE f.visit_uuid = o.visit_uuid AND f.follow_up_id = o.follow_up_id)
        ORDER BY o.due_at, v.started_at, v.uuid, o.rowid
        """,
        [moment_text(now)],
    )
    return [
        DueFollowUpRow(uuid, follow_up_id, read_moment(due_at), checklist_id, version, name)
        for uuid, follow_up_id, due_at, checklist_id, version, name in rows
    ]
