"""Visits, their immutable revisions, the photos each revision names, reviews and the
follow-ups still open."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, bindparam, text

from field_app.domain.records import PhotoRef

from ..database import moment, parse_moment
from ..records import Review, VisitRow


def claim_visit(conn: Connection, uuid: str, shopper_id: str, now: datetime) -> VisitRow:
    """The visit's row, made for this shopper when new, and locked for this transaction:
    concurrent PUTs of one visit (a retry racing its original) take turns. The update that
    changes nothing is what takes the row lock (on PostgreSQL; SQLite's writer lock is
    already the whole database)."""
    row = conn.execute(
        text("INSERT INTO visits (uuid, shopper_id, latest_revision, status, created_at, updated_at) "
             "VALUES (:u, :s, 0, 'received', :now, :now) "
             "ON CONFLICT (uuid) DO UPDATE SET updated_at = visits.updated_at "
             "RETURNING uuid, shopper_id, latest_revision, status"),
        {"u": uuid, "s": shopper_id, "now": moment(now)},
    ).one()
    return VisitRow(row.uuid, row.shopper_id, row.latest_revision, row.status)


def get_visit(conn: Connection, uuid: str) -> VisitRow | None:
    row = conn.execute(
        text("SELECT uuid, shopper_id, latest_revision, status FROM visits WHERE uuid = :u"), {"u": uuid},
    ).first()
    return VisitRow(row.uuid, row.shopper_id, row.latest_revision, row.status) if row else None


def revision_sha256(conn: Connection, uuid: str, revision: int) -> str | None:
    return conn.execute(
        text("SELECT payload_sha256 FROM visit_revisions WHERE visit_uuid = :u AND revision = :r"),
        {"u": uuid, "r": revision},
    ).scalar()


def revision_payload(conn: Connection, uuid: str, revision: int) -> str | None:
    return conn.execute(
        text("SELECT payload FROM visit_revisions WHERE visit_uuid = :u AND revision = :r"),
        {"u": uuid, "r": revision},
    ).scalar()


@dataclass(frozen=True)
class NewRevision:
    uuid: str
    revision: int
    payload: str
    payload_sha256: str
    assignment_id: str | None
    checklist_id: str
    checklist_version: int
    finalized_at: datetime
    shopper_id: str
    device_id: str
    photos: list[PhotoRef]
    flags_at: datetime | None = None  # its flags are computed in this transaction (evidence_store)


def insert_revision(conn: Connection, rev: NewRevision, now: datetime) -> None:
    conn.execute(
        text(
            "INSERT INTO visit_revisions (visit_uuid, revision, payload, payload_sha256, assignment_id, "
            "checklist_id, checklist_version, finalized_at, received_at, device_id, flags_at) "
            "VALUES (:u, :r, :payload, :sha, :a, :cid, :cver, :fin, :now, :dev, :flags_at)"
        ),
        {
            "u": rev.uuid, "r": rev.revision, "payload": rev.payload, "sha": rev.payload_sha256,
            "a": rev.assignment_id, "cid": rev.checklist_id, "cver": rev.checklist_version,
            "fin": moment(rev.finalized_at), "now": moment(now), "dev": rev.device_id,
            "flags_at": moment(rev.flags_at) if rev.flags_at is not None else None,
        },
    )
    # One photo may be named twice by a question: the table keeps it once.
    unique = {(p.sha256, p.question_id): p.bytes for p in rev.photos}
    if unique:
        conn.execute(
            text("INSERT INTO revision_photos (visit_uuid, revision, sha256, question_id, bytes) "
                 "VALUES (:u, :r, :sha, :q, :bytes)"),
            [{"u": rev.uuid, "r": rev.revision, "sha": sha, "q": q, "bytes": size} for (sha, q), size in unique.items()],
        )
        conn.execute(
            text("INSERT INTO shopper_photos (shopper_id, sha256, bytes) VALUES (:s, :sha, :bytes) "
                 "ON CONFLICT (shopper_id, sha256) DO NOTHING"),
            [{"s": rev.shopper_id, "sha": sha, "bytes": size} for (sha, _), size in unique.items()],
        )


def set_latest(conn: Connection, uuid: str, revision: int, assignment_id: str | None, now: datetime) -> None:
    """A newer revision arrived: it is what the coordinator reviews next, in its turn in
    the review queue (`received_at`)."""
    conn.execute(
        text("UPDATE visits SET latest_revision = :r, assignment_id = :a, status = 'received', received_at = :now, "
             "updated_at = :now WHERE uuid = :u"),
        {"u": uuid, "r": revision, "a": assignment_id, "now": moment(now)},
    )


def revisions(conn: Connection, uuid: str) -> list[int]:
    rows = conn.execute(text("SELECT revision FROM visit_revisions WHERE visit_uuid = :u ORDER BY revision"), {"u": uuid})
    return [r.revision for r in rows]


def photos_of_visit(conn: Connection, uuid: str) -> list[str]:
    """The sha256 of every photo any stored revision of the visit names."""
    rows = conn.execute(
        text("SELECT DISTINCT sha256 FROM revision_photos WHERE visit_uuid = :u ORDER BY sha256"), {"u": uuid},
    )
    return [r.sha256 for r in rows]


def photo_sizes(conn: Connection, shopper_id: str, shas: Iterable[str]) -> dict[str, int]:
    """The sizes this shopper's stored revisions already give these photos."""
    shas = sorted(set(shas))
    if not shas:
        return {}
    statement = text(
        "SELECT sha256, bytes FROM shopper_photos WHERE shopper_id = :s AND sha256 IN :shas"
    ).bindparams(bindparam("shas", expanding=True))
    return {row.sha256: row.bytes for row in conn.execute(statement, {"s": shopper_id, "shas": shas})}


# --- reviews -------------------------------------------------------------------------

def insert_review(conn: Connection, review: Review) -> None:
    conn.execute(
        text("INSERT INTO visit_reviews (id, visit_uuid, revision, action, comment, reviewed_by, reviewed_at) "
             "VALUES (:id, :u, :r, :action, :comment, :by, :at)"),
        {"id": review.id, "u": review.visit_uuid, "r": review.revision, "action": review.action,
         "comment": review.comment, "by": review.reviewed_by, "at": moment(review.reviewed_at)},
    )
    conn.execute(
        text("UPDATE visits SET status = :status, reviewed_revision = :r, review_comment = :comment, "
             "reviewed_at = :at, updated_at = :at WHERE uuid = :u"),
        {"u": review.visit_uuid, "r": review.revision, "comment": review.comment,
         "status": "approved" if review.action == "approve" else "returned", "at": moment(review.reviewed_at)},
    )


@dataclass(frozen=True)
class ReturnedRow:
    uuid: str
    revision: int
    comment: str
    returned_at: datetime


def returned_visits(conn: Connection, shopper_id: str) -> list[ReturnedRow]:
    rows = conn.execute(
        text("SELECT uuid, reviewed_revision, review_comment, reviewed_at FROM visits "
             "WHERE shopper_id = :s AND status = 'returned' ORDER BY reviewed_at, uuid"),
        {"s": shopper_id},
    )
    return [ReturnedRow(r.uuid, r.reviewed_revision, r.review_comment, parse_moment(r.reviewed_at)) for r in rows]


@dataclass(frozen=True)
class ApprovedRow:
    uuid: str
    revision: int
    approved_at: datetime


def approved_visits(conn: Connection, shopper_id: str, since: datetime) -> list[ApprovedRow]:
    """The shopper's visits whose latest review, at `since` or later, approved them."""
    rows = conn.execute(
        text("SELECT uuid, reviewed_revision, reviewed_at FROM visits "
             "WHERE shopper_id = :s AND status = 'approved' AND reviewed_at >= :since ORDER BY reviewed_at, uuid"),
        {"s": shopper_id, "since": moment(since)},
    )
    return [ApprovedRow(r.uuid, r.reviewed_revision, parse_moment(r.reviewed_at)) for r in rows]


# --- follow-ups ------------------------------------------------------------------------

def replace_follow_ups(conn: Connection, uuid: str, due: list[tuple[str, datetime]], clear: bool = True) -> None:
    if clear:
        conn.execute(text("DELETE FROM pending_follow_ups WHERE visit_uuid = :u"), {"u": uuid})
    if due:
        conn.execute(
            text("INSERT INTO pending_follow_ups (visit_uuid, follow_up_id, due_at) VALUES (:u, :f, :due)"),
            [{"u": uuid, "f": fid, "due": moment(at)} for fid, at in due],
        )


def visits_waiting_for_follow_ups(conn: Connection, dealer_code: str | None = None) -> list[tuple[str, int, str | None]]:
    """(uuid, latest revision, assignment id) of every visit with a follow-up still open,
    of one dealership when `dealer_code` is given."""
    sql = ("SELECT DISTINCT v.uuid, v.latest_revision, v.assignment_id FROM pending_follow_ups f "
           "JOIN visits v ON v.uuid = f.visit_uuid")
    if dealer_code is not None:
        sql += " JOIN assignments a ON a.id = v.assignment_id WHERE a.dealer_code = :d"
    rows = conn.execute(text(sql + " ORDER BY v.uuid"), {"d": dealer_code})
    return [(r.uuid, r.latest_revision, r.assignment_id) for r in rows]


def follow_ups_of(conn: Connection, shopper_id: str) -> list[tuple[str, str, datetime]]:
    rows = conn.execute(
        text("SELECT f.visit_uuid, f.follow_up_id, f.due_at FROM pending_follow_ups f "
             "JOIN visits v ON v.uuid = f.visit_uuid WHERE v.shopper_id = :s ORDER BY f.due_at, f.visit_uuid, "
             "f.follow_up_id"),
        {"s": shopper_id},
    )
    return [(r.visit_uuid, r.follow_up_id, parse_moment(r.due_at)) for r in rows]


# --- the console's page of one visit -----------------------------------------------------

@dataclass(frozen=True)
class VisitHeader:
    """Who made the visit and where, and where its review stands."""

    uuid: str
    shopper_id: str
    shopper_name: str
    dealer_code: str | None
    dealer_name: str | None
    latest_revision: int
    status: str


def visit_header(conn: Connection, uuid: str) -> VisitHeader | None:
    row = conn.execute(
        text("SELECT v.uuid, v.shopper_id, s.name AS shopper_name, v.dealer_code, d.name AS dealer_name, "
             "v.latest_revision, v.status FROM visits v JOIN shoppers s ON s.id = v.shopper_id "
             "LEFT JOIN dealerships d ON d.code = v.dealer_code WHERE v.uuid = :u"),
        {"u": uuid},
    ).first()
    if row is None:
        return None
    return VisitHeader(row.uuid, row.shopper_id, row.shopper_name, row.dealer_code, row.dealer_name,
                       row.latest_revision, row.status)


@dataclass(frozen=True)
class RevisionRow:
    """One stored revision of a visit: when the phone froze it, when it arrived, from which phone."""

    revision: int
    finalized_at: datetime
    received_at: datetime
    device_id: str
    device_name: str | None


def revision_history(conn: Connection, uuid: str) -> list[RevisionRow]:
    rows = conn.execute(
        text("SELECT r.revision, r.finalized_at, r.received_at, r.device_id, d.name AS device_name "
             "FROM visit_revisions r LEFT JOIN devices d ON d.id = r.device_id "
             "WHERE r.visit_uuid = :u ORDER BY r.revision"),
        {"u": uuid},
    )
    return [RevisionRow(r.revision, parse_moment(r.finalized_at), parse_moment(r.received_at), r.device_id,
                        r.device_name) for r in rows]


def reviews_of(conn: Connection, uuid: str) -> list[Review]:
    rows = conn.execute(
        text("SELECT id, visit_uuid, revision, action, comment, reviewed_by, reviewed_at FROM visit_reviews "
             "WHERE visit_uuid = :u ORDER BY reviewed_at, id"),
        {"u": uuid},
    )
    return [Review(r.id, r.visit_uuid, r.revision, r.action, r.comment, r.reviewed_by, parse_moment(r.reviewed_at))
            for r in rows]


def pending_follow_ups(conn: Connection, uuid: str) -> dict[str, datetime]:
    """The visit's follow-ups still unanswered, each with when it is due."""
    rows = conn.execute(
        text("SELECT follow_up_id, due_at FROM pending_follow_ups WHERE visit_uuid = :u"), {"u": uuid},
    )
    return {r.follow_up_id: parse_moment(r.due_at) for r in rows}


def names_photo(conn: Connection, uuid: str, sha256: str) -> bool:
    """Whether a stored revision of the visit names the photo (a lookup by the primary key's prefix)."""
    return conn.execute(
        text("SELECT 1 FROM revision_photos WHERE visit_uuid = :u AND sha256 = :sha LIMIT 1"),
        {"u": uuid, "sha": sha256},
    ).first() is not None
