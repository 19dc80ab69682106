"""What the console lists and counts of each visit: the summary columns of `visits`, the
visit's standards met (`visit_standards`) and the tally of standards met per month and
status over all dealerships (`month_tally`). A visit's month is `visits.local_month`, the
month of its start in its dealership's time zone (`summaries.local_month`)."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass

from sqlalchemy import Connection, text

from ..database import moment


def save_summary(conn: Connection, uuid: str, summary) -> None:
    """`summary` is a `summaries.VisitSummary` (not imported: the queries stay below it)."""
    met = sum(1 for ok in summary.standards.values() if ok)
    conn.execute(
        text("UPDATE visits SET dealer_code = :dealer, checklist_id = :cid, checklist_version = :cver, "
             "started_at = :started, finalized_at = :finalized, score_got = :got, score_out_of = :out_of, "
             "section_scores = :sections, standards_met = :met, standards_counted = :counted, "
             "local_month = :month WHERE uuid = :u"),
        {"u": uuid, "dealer": summary.dealer_code, "cid": summary.checklist_id, "cver": summary.checklist_version,
         "started": moment(summary.started_at), "finalized": moment(summary.finalized_at),
         "got": summary.got, "out_of": summary.out_of,
         "sections": json.dumps({k: list(v) for k, v in summary.sections.items()}, separators=(",", ":")),
         "met": met, "counted": len(summary.standards), "month": summary.month},
    )
    conn.execute(
        text("INSERT INTO visit_standards (visit_uuid, items) VALUES (:u, :items) "
             "ON CONFLICT (visit_uuid) DO UPDATE SET items = excluded.items"),
        {"u": uuid, "items": standards_json(summary.standards)},
    )


def standards_json(standards: dict[str, bool]) -> str:
    """{item key: 1 met, 0 not met}, compact: what `visit_standards.items` holds."""
    return json.dumps({k: int(ok) for k, ok in standards.items()}, separators=(",", ":"), ensure_ascii=False)


TallyKey = tuple[str, str, str, str]  # (checklist id, local month "YYYY-MM", status, item key)


def tally_of(checklist_id: str, month: str, status: str, items: dict[str, int],
             into: Counter | None = None) -> Counter:
    """One visit's rows of the tally: (key, "met") and (key, "counted") -> 1 or 0, added to
    `into` when given (many visits' rows). `month` is the visit's local month, "YYYY-MM"
    (never a moment: its month in UTC may be another)."""
    if len(month) != 7:
        raise ValueError(f"a month of the tally is YYYY-MM, not {month!r}")
    found: Counter = Counter() if into is None else into
    for item, met in items.items():
        key = (checklist_id, month, status, item)
        found[key, "met"] += int(met)
        found[key, "counted"] += 1
    return found


def visit_tally(conn: Connection, uuid: str) -> Counter:
    """The tally rows of the visit's latest revision under its status and month; none for a
    visit without a dealership (off route), which no figure counts."""
    row = conn.execute(text(
        "SELECT v.checklist_id, v.local_month, v.status, s.items FROM visits v "
        "JOIN visit_standards s ON s.visit_uuid = v.uuid WHERE v.uuid = :u AND v.dealer_code IS NOT NULL"
    ), {"u": uuid}).first()
    if row is None:
        return Counter()
    return tally_of(row.checklist_id, row.local_month, row.status, json.loads(row.items))


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


def dealer_zone(conn: Connection, dealer_code: str | None, *, hold: bool = False) -> str | None:
    """The dealership's time zone (None without one). `hold`: on PostgreSQL, keep the
    dealership's row from changing until this transaction ends (FOR SHARE), so that a
    change of its zone waits for what is counted in the zone read here, or this read waits
    for the change (SQLite's writer lock already orders them)."""
    if dealer_code is None:
        return None
    lock = " FOR SHARE" if hold and conn.dialect.name != "sqlite" else ""
    return conn.execute(text(f"SELECT timezone FROM dealerships WHERE code = :c{lock}"), {"c": dealer_code}).scalar()


def latest_payloads(conn: Connection) -> Iterator[tuple[str, str, str, str | None, str | None]]:
    """(uuid, status, payload, dealer code, its time zone) of every visit's latest revision."""
    rows = conn.execute(text(
        "SELECT v.uuid, v.status, r.payload, a.dealer_code, d.timezone FROM visits v "
        "JOIN visit_revisions r ON r.visit_uuid = v.uuid AND r.revision = v.latest_revision "
        "LEFT JOIN assignments a ON a.id = r.assignment_id "
        "LEFT JOIN dealerships d ON d.code = a.dealer_code ORDER BY v.uuid"
    ))
    for row in rows:
        yield row.uuid, row.status, row.payload, row.dealer_code, row.timezone


@dataclass(frozen=True)
class Started:
    """When a summarized visit started, where, and the month it counts in now."""

    uuid: str
    started_at: str  # as stored
    timezone: str | None  # its dealership's (None: no dealership)
    local_month: str | None


def starts(conn: Connection, dealer_code: str | None = None) -> list[Started]:
    """Every summarized visit, or those of one dealership (`visits_by_dealer`)."""
    where, params = ("v.dealer_code = :d", {"d": dealer_code}) if dealer_code is not None else ("1 = 1", {})
    rows = conn.execute(text(
        "SELECT v.uuid, v.started_at, d.timezone, v.local_month FROM visits v "
        f"LEFT JOIN dealerships d ON d.code = v.dealer_code WHERE {where} AND v.started_at IS NOT NULL"
    ), params)
    return [Started(r.uuid, r.started_at, r.timezone, r.local_month) for r in rows]


def lock_dealers_visits(conn: Connection, dealer_code: str) -> None:
    """Hold the rows of the dealership's visits for this transaction (PostgreSQL), so that
    a review under way has passed, or waits, before their months and tally rows are read."""
    if conn.dialect.name != "sqlite":
        conn.execute(text("SELECT uuid FROM visits WHERE dealer_code = :d FOR UPDATE"), {"d": dealer_code})


def set_local_months(conn: Connection, months: list[tuple[str, str]]) -> None:
    """(uuid, local month) pairs."""
    if months:
        conn.execute(text("UPDATE visits SET local_month = :m WHERE uuid = :u"),
                     [{"u": u, "m": m} for u, m in months])


def counted_visits(conn: Connection, dealer_code: str | None = None) -> Iterator[tuple[str, str, str, dict[str, int]]]:
    """(checklist id, local month, status, items) of every visit with a dealership, or of
    one dealership's visits: what `tally_of` counts."""
    where, params = ("v.dealer_code = :d", {"d": dealer_code}) if dealer_code is not None \
        else ("v.dealer_code IS NOT NULL", {})
    rows = conn.execute(text(
        "SELECT v.checklist_id, v.local_month, v.status, s.items FROM visits v "
        f"JOIN visit_standards s ON s.visit_uuid = v.uuid WHERE {where}"
    ), params)
    for row in rows:
        yield row.checklist_id, row.local_month, row.status, json.loads(row.items)


def unsummarized(conn: Connection) -> bool:
    """Whether a visit with a revision has no summary (a server from before migration 12)."""
    return conn.execute(text(
        "SELECT 1 FROM visits WHERE latest_revision > 0 AND standards_counted IS NULL LIMIT 1")).first() is not None


def checklist_body(conn: Connection, checklist_id: str, version: int) -> str:
    return conn.execute(
        text("SELECT body FROM checklists WHERE id = :id AND version = :v"), {"id": checklist_id, "v": version},
    ).scalar_one()


def clear_tally(conn: Connection, *, standards: bool = True) -> None:
    """Empty the tally, and (`standards`) every visit's standards met."""
    conn.execute(text("DELETE FROM month_tally"))
    if standards:
        conn.execute(text("DELETE FROM visit_standards"))
