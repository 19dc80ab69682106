"""What the console lists and counts of each visit: the summary columns of `visits`, the
visit's standards met (`visit_standards`) and the tally of standards met per month and
status over all dealerships (`month_tally`)."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator

from sqlalchemy import Connection, text

from ..database import moment


def save_summary(conn: Connection, uuid: str, summary) -> None:
    """`summary` is a `summaries.VisitSummary` (not imported: the queries stay below it)."""
    met = sum(1 for ok in summary.standards.values() if ok)
    conn.execute(
        text("UPDATE visits SET dealer_code = :dealer, checklist_id = :cid, checklist_version = :cver, "
             "started_at = :started, finalized_at = :finalized, score_got = :got, score_out_of = :out_of, "
             "section_scores = :sections, standards_met = :met, standards_counted = :counted WHERE uuid = :u"),
        {"u": uuid, "dealer": summary.dealer_code, "cid": summary.checklist_id, "cver": summary.checklist_version,
         "started": moment(summary.started_at), "finalized": moment(summary.finalized_at),
         "got": summary.got, "out_of": summary.out_of,
         "sections": json.dumps({k: list(v) for k, v in summary.sections.items()}, separators=(",", ":")),
         "met": met, "counted": len(summary.standards)},
    )
    conn.execute(
        text("INSERT INTO visit_standards (visit_uuid, items) VALUES (:u, :items) "
             "ON CONFLICT (visit_uuid) DO UPDATE SET items = excluded.items"),
        {"u": uuid, "items": standards_json(summary.standards)},
    )


def standards_json(standards: dict[str, bool]) -> str:
    """{item key: 1 met, 0 not met}, compact: what `visit_standards.items` holds."""
    return json.dumps({k: int(ok) for k, ok in standards.items()}, separators=(",", ":"), ensure_ascii=False)


TallyKey = tuple[str, str, str, str]  # (checklist id, month "YYYY-MM", status, item key)


def tally_of(checklist_id: str, started_at: str, status: str, items: dict[str, int]) -> Counter:
    """One visit's rows of the tally: (key, "met") and (key, "counted") -> 1 or 0."""
    found: Counter = Counter()
    for item, met in items.items():
        key = (checklist_id, started_at[:7], status, item)
        found[key, "met"] += int(met)
        found[key, "counted"] += 1
    return found


def visit_tally(conn: Connection, uuid: str) -> Counter:
    """The tally rows of the visit's latest revision under its status and month; none for a
    visit without a dealership (off route), which no figure counts."""
    row = conn.execute(text(
        "SELECT v.checklist_id, v.started_at, v.status, s.items FROM visits v "
        "JOIN visit_standards s ON s.visit_uuid = v.uuid WHERE v.uuid = :u AND v.dealer_code IS NOT NULL"
    ), {"u": uuid}).first()
    if row is None:
        return Counter()
    return tally_of(row.checklist_id, row.started_at, row.status, json.loads(row.items))


def add_to_tally(conn: Connection, rows: Counter, sign: int = 1) -> None:
    """Add (sign 1) or take away (sign -1) the rows of `tally_of`."""
    keys = {key for key, _ in rows}
    if not keys:
        return
    conn.execute(
        text("INSERT INTO month_tally (checklist_id, month, status, item_id, met, counted) "
             "VALUES (:c, :m, :s, :i, :met, :counted) "
             "ON CONFLICT (checklist_id, month, status, item_id) DO UPDATE SET "
             "met = month_tally.met + excluded.met, counted = month_tally.counted + excluded.counted"),
        [{"c": c, "m": m, "s": s, "i": i, "met": sign * rows[(c, m, s, i), "met"],
          "counted": sign * rows[(c, m, s, i), "counted"]} for c, m, s, i in sorted(keys)],
    )


def lock_visit(conn: Connection, uuid: str) -> None:
    """Hold the visit's row for this transaction (PostgreSQL: an update that changes nothing
    takes the row lock; SQLite's writer lock is already the whole database), so that what
    is read of it next, and moved in the tally, is not changing underneath."""
    conn.execute(text("UPDATE visits SET updated_at = updated_at WHERE uuid = :u"), {"u": uuid})


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
    conn.execute(text("DELETE FROM month_tally"))
    conn.execute(text("DELETE FROM visit_standards"))
