"""Visits as the server receives them: immutable revisions, idempotent per (uuid, revision).

A revision is identified by the sha256 of its canonical JSON: the same revision sent again
(a retry after a lost answer) is recognised and answered as before, with nothing written;
the same revision number with other content is a conflict. Every check that needs no
database runs before the write transaction opens.

The console reads a visit here too (`visit_detail`, `photo_file`) and passes its verdict
(`review_visit`).
"""

from __future__ import annotations

import dataclasses
import hashlib
import re
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from sqlalchemy import Connection

from field_app.domain.canonical import canonical_json
from field_app.domain.checklist import AnswerValue, Checklist
from field_app.domain.due import DEFAULT_TIMEZONE
from field_app.domain.records import PhotoRef, RecordingRef, VisitRevision
from field_app.domain.revision_check import open_follow_ups, revision_problems
from field_app.domain.scoring import VisitScore
from field_app.domain.sync_messages import VisitReceipt
from field_app.domain.visit import MAX_TEXT, Visit

from . import evidence_store, security, summaries
from .calendars import server_calendar
from .database import MAX_INTEGER, storable
from .errors import (
    AlreadyReviewedError,
    AssignmentNotFoundError,
    ChecklistMismatchError,
    InvalidRequestError,
    NotFoundError,
    RevisionConflictError,
    RevisionInvalidError,
    UnknownVisitError,
)
from .queries import recordings as recordings_q, routes, summaries as summary_q, visits as q
from .queries.visit_list import WAITING
from .records import Device, Review, VisitRow
from .store import ServerStore


def put_revision(store: ServerStore, device: Device, uuid: str, revision: VisitRevision) -> VisitReceipt:
    if revision.revision > MAX_INTEGER:
        raise RevisionInvalidError([f"revision: {revision.revision} is more than the {MAX_INTEGER} a visit may reach"])
    entry = store.catalog.get(revision.checklist.id, revision.checklist.version)
    if entry.sha256 != revision.checklist.sha256:
        raise ChecklistMismatchError(
            f"{revision.checklist.id}@{revision.checklist.version} is published with sha256 {entry.sha256}, "
            f"not {revision.checklist.sha256}."
        )
    problems = revision_problems(entry.checklist, revision, max_photo_bytes=store.settings.max_photo_bytes,
                                 max_recording_bytes=store.settings.max_recording_bytes)
    if problems:
        raise RevisionInvalidError(problems)
    try:
        payload = canonical_json(revision)
    except UnicodeEncodeError:
        raise RevisionInvalidError(["the visit has text that is not valid Unicode (a lone surrogate)"]) from None
    digest = hashlib.sha256(payload).hexdigest()
    _check_stored_sizes(store, revision)
    summary = summaries.summarize(entry.checklist, revision, dealer_code=None)
    now = store.now()

    with store.db.write() as conn:
        # Its photos' turn first, before any row: the completion of their uploads waits for
        # this transaction, or this one for it (`evidence_store`).
        evidence_store.hold_photos(store, conn, (p.sha256 for p in revision.photos))
        # Its dealership's zone decides the month it counts in: read (and held) before the
        # visit's row is, as a change of that zone holds the dealership, then its visits.
        dealer = summary_q.dealer_of_assignment(conn, revision.assignment_id) \
            if revision.assignment_id is not None and storable(revision.assignment_id) else None
        zone = summary_q.dealer_zone(conn, dealer, hold=True)
        visit = q.claim_visit(conn, uuid, device.shopper_id, now)
        if visit.shopper_id != device.shopper_id:
            raise UnknownVisitError()
        if revision.assignment_id is not None and not (
                storable(revision.assignment_id)
                and routes.assignment_is_shoppers(conn, revision.assignment_id, device.shopper_id)):
            raise AssignmentNotFoundError(f"There is no assignment {revision.assignment_id!r} of yours.")
        new_visit = visit.latest_revision == 0
        known = None if new_visit else q.revision_sha256(conn, uuid, revision.revision)
        if known is not None and known != digest:
            raise RevisionConflictError(
                f"The server already holds revision {revision.revision} of this visit with other content; "
                "send changes as a new revision."
            )
        if known is not None:  # a retry: answer as before, write nothing
            held = (visit, q.revisions(conn, uuid), q.photos_of_visit(conn, uuid), recordings_q.of_visit(conn, uuid))
        else:
            _check_photo_sizes(conn, device.shopper_id, revision)
            q.insert_revision(conn, q.NewRevision(
                uuid=uuid, revision=revision.revision, payload=payload.decode(), payload_sha256=digest,
                assignment_id=revision.assignment_id, checklist_id=revision.checklist.id,
                checklist_version=revision.checklist.version, finalized_at=revision.finalized_at,
                shopper_id=device.shopper_id, device_id=device.id, photos=revision.photos,
                flags_at=now if store.settings.compute_flags else None,
            ), now)
            recordings_q.insert(conn, uuid, revision.revision, device.shopper_id,
                                [(r, entry.checklist.question(r.question_id).recording_seconds())
                                 for r in revision.recordings])
            # Its flags, in a savepoint: they never refuse the visit, and a failure computing
            # them is logged and rolled back, the visit kept (`evidence_store`).
            evidence_store.revision_stored(store, conn, uuid, revision, received_at=now,
                                           shopper_id=device.shopper_id, dealer_code=dealer)
            if revision.revision > visit.latest_revision:
                if not new_visit:
                    summaries.uncount(conn, uuid)
                q.set_latest(conn, uuid, revision.revision, revision.assignment_id, now)
                summary = summaries.at_dealership(summary, dealer, zone)
                summaries.record(conn, uuid, summary)
                due = _open_follow_ups(conn, entry.checklist, revision, summary.dealer_code)
                q.replace_follow_ups(conn, uuid, due, clear=not new_visit)
                visit = VisitRow(uuid, visit.shopper_id, revision.revision, "received")
            if new_visit:
                held = (visit, [revision.revision], sorted({p.sha256 for p in revision.photos}),
                        sorted({r.sha256 for r in revision.recordings}))
            else:
                held = (visit, q.revisions(conn, uuid), q.photos_of_visit(conn, uuid),
                        recordings_q.of_visit(conn, uuid))
    # Which photos are in place is asked of the disk, after the write lock is let go.
    return _receipt(store, *held)


def receipt(store: ServerStore, device: Device, uuid: str) -> VisitReceipt:
    with store.db.read() as conn:
        visit = q.get_visit(conn, uuid)
        if visit is None or visit.shopper_id != device.shopper_id or visit.latest_revision == 0:
            raise UnknownVisitError()
        numbers, photos = q.revisions(conn, uuid), q.photos_of_visit(conn, uuid)
        recordings = recordings_q.of_visit(conn, uuid)
    return _receipt(store, visit, numbers, photos, recordings)


def missing_photos(store: ServerStore, uuid: str) -> list[str]:
    """The photos the visit's stored revisions name that are not stored (yet)."""
    with store.db.read() as conn:
        photos = q.photos_of_visit(conn, uuid)
    return [sha for sha in photos if not store.files.is_in_place(sha)]


def revision_of(store: ServerStore, uuid: str, revision: int) -> VisitRevision:
    """A stored revision as it was received (for the console and exports)."""
    with store.db.read() as conn:
        payload = q.revision_payload(conn, uuid, revision)
    if payload is None:
        raise UnknownVisitError(f"There is no revision {revision} of visit {uuid}.")
    return VisitRevision.model_validate_json(payload)


# Why a review's comment cannot be kept: a code the console translates, and the message
# the library's error carries.
REVIEW_PROBLEMS = {
    "comment_required": "A returned visit needs a comment that tells the shopper what to correct.",
    "comment_too_long": f"A review's comment may have at most {MAX_TEXT} characters.",
    "comment_unstorable": "The comment has a character that cannot be stored (NUL).",
}


def review_problem(action: str, comment: str) -> str | None:
    """The REVIEW_PROBLEMS code of what is wrong with the comment, or None."""
    if action == "return" and not comment.strip():
        return "comment_required"
    if len(comment) > MAX_TEXT:
        return "comment_too_long"
    if not storable(comment):
        return "comment_unstorable"
    return None


def review_visit(store: ServerStore, uuid: str, action: str, comment: str, by: str,
                 *, revision: int | None = None, only_waiting: bool = False,
                 check: Callable[[Connection, int], None] | None = None) -> Review:
    """A coordinator approves the visit's latest revision or returns it for correction;
    a returned visit reaches the shopper's phone with the comment on its next pull.
    `revision` is the one the coordinator looked at: if a newer one has arrived since,
    the review is refused rather than passing a verdict on what nobody has read.
    `only_waiting`: refused too (AlreadyReviewedError) when the revision has a verdict
    already, as approving several at once asks. Both are checked in the transaction that
    writes the verdict, the visit's row held: a verdict or a revision that lands just
    before is seen, never judged over. `check(conn, revision)`, the caller's own rule
    (`reviewing.review`: a flagged revision needs a comment), runs there too and raises
    to refuse: flags computed again just before are seen."""
    if action not in ("approve", "return"):
        raise InvalidRequestError(f"A review approves or returns a visit, not {action!r}.")
    problem = review_problem(action, comment)
    if problem is not None:
        raise InvalidRequestError(REVIEW_PROBLEMS[problem])
    now = store.now()
    with store.db.write() as conn:
        if storable(uuid):
            summary_q.lock_visit(conn, uuid)  # two verdicts at once move the tally one after the other
        visit = q.get_visit(conn, uuid) if storable(uuid) else None
        if visit is None or visit.latest_revision == 0:
            raise UnknownVisitError(f"There is no visit {uuid}.")
        if revision is not None and revision != visit.latest_revision:
            raise RevisionConflictError(
                f"Revision {visit.latest_revision} of visit {uuid} arrived after revision {revision} was looked at.")
        if only_waiting and visit.status != WAITING:
            raise AlreadyReviewedError(f"Revision {visit.latest_revision} of visit {uuid} is {visit.status} already.")
        if check is not None:
            check(conn, visit.latest_revision)
        review = Review(security.new_id("rv_"), uuid, visit.latest_revision, action, comment.strip(), by, now)
        summaries.uncount(conn, uuid)  # counted again under its new status
        q.insert_review(conn, review)
        summaries.count(conn, uuid)
    return review


@dataclasses.dataclass(frozen=True)
class VisitDetail:
    """One revision of a visit as the console shows it, beside the visit's history."""

    header: q.VisitHeader
    revision: VisitRevision
    checklist: Checklist
    score: VisitScore
    shown: set[str]  # the questions `show_if` let the shopper see
    values: dict[str, AnswerValue | None]  # a stopwatch's value is its elapsed seconds
    revisions: list[q.RevisionRow]
    reviews: list[Review]
    pending_follow_ups: dict[str, datetime]
    stored_photos: set[str]  # the revision's photos whose files have arrived

    @property
    def is_latest(self) -> bool:
        return self.revision.revision == self.header.latest_revision


def visit_detail(store: ServerStore, uuid: str, revision: int | None = None) -> VisitDetail:
    """The visit's latest revision, or the one asked for, read as the phone scored it."""
    with store.db.read() as conn:
        header = q.visit_header(conn, uuid) if storable(uuid) else None
        if header is None or header.latest_revision == 0:
            raise UnknownVisitError(f"There is no visit {uuid}.")
        number = header.latest_revision if revision is None else revision
        payload = q.revision_payload(conn, uuid, number) if 1 <= number <= MAX_INTEGER else None
        if payload is None:
            raise UnknownVisitError(f"There is no revision {number} of visit {uuid}.")
        history, reviews = q.revision_history(conn, uuid), q.reviews_of(conn, uuid)
        pending = q.pending_follow_ups(conn, uuid)
        zone, brand = _place(conn, header.dealer_code)
        calendar = server_calendar(conn)
    shown = VisitRevision.model_validate_json(payload)
    checklist = store.catalog.get(shown.checklist.id, shown.checklist.version).checklist
    # Visit is what decides, on the phone, which questions show and what a stopwatch says.
    visit = Visit(uuid=uuid, checklist=checklist, checklist_sha256=shown.checklist.sha256,
                  started_at=shown.started_at, assignment_id=shown.assignment_id,
                  finalized_at=shown.finalized_at, answers=dict(shown.answers),
                  timers={k: list(v) for k, v in shown.timers.items()}, photos=list(shown.photos),
                  recordings=list(shown.recordings), follow_ups=dict(shown.follow_ups), timezone=zone, brand=brand, calendar=calendar)
    at = shown.finalized_at
    return VisitDetail(
        header=header, revision=shown, checklist=checklist, score=visit.score(at), shown=visit.visible(at),
        values={question.id: visit.value(question.id, at) for question in checklist.questions()},
        revisions=history, reviews=reviews, pending_follow_ups=pending,
        stored_photos={p.sha256 for p in shown.photos if store.files.is_in_place(p.sha256)},
    )


_SHA256 = re.compile(r"[0-9a-f]{64}")


def photo_file(store: ServerStore, uuid: str, sha256: str) -> Path:
    """The stored file of a photo that a revision of the visit names. Any other name, or a
    photo not uploaded yet, is not found: a sha256 is never a path by itself."""
    if not (_SHA256.fullmatch(sha256) and storable(uuid)):
        raise NotFoundError("There is no such photo.")
    with store.db.read() as conn:
        named = q.names_photo(conn, uuid, sha256)
    if not (named and store.files.is_in_place(sha256)):
        raise NotFoundError("There is no such photo.")
    return store.files.blob_path(sha256)


def recount_follow_ups(store: ServerStore, conn, dealer_code: str | None = None) -> int:
    """Count again when the follow-ups still open fall due, after the calendar gained a
    year or a dealership changed its time zone or brand; how many visits were recounted."""
    waiting = q.visits_waiting_for_follow_ups(conn, dealer_code)
    for uuid, latest, assignment_id in waiting:
        revision = VisitRevision.model_validate_json(q.revision_payload(conn, uuid, latest) or "{}")
        checklist = store.catalog.get(revision.checklist.id, revision.checklist.version).checklist
        dealer = summary_q.dealer_of_assignment(conn, assignment_id)
        q.replace_follow_ups(conn, uuid, _open_follow_ups(conn, checklist, revision, dealer))
    return len(waiting)


def _open_follow_ups(conn, checklist: Checklist, revision: VisitRevision,
                     dealer_code: str | None) -> list[tuple[str, datetime]]:
    """The revision's open follow-ups, due by their rules at its dealership (found through
    its assignment; a visit without one counts in Moscow's zone) and the server's calendar."""
    if not checklist.follow_ups:
        return []
    zone, brand = _place(conn, dealer_code)
    return open_follow_ups(checklist, revision, timezone=zone, brand=brand, calendar=server_calendar(conn))


def _place(conn, dealer_code: str | None) -> tuple[str, str]:
    """The time zone and brand of the dealership (the defaults without one)."""
    found = routes.dealerships(conn, [dealer_code]) if dealer_code is not None else []
    return (found[0].timezone, found[0].brand) if found else (DEFAULT_TIMEZONE, "")


def _check_stored_sizes(store: ServerStore, revision: VisitRevision) -> None:
    # A file already stored has its size for good: the upload's length comes from the visit.
    problems = []
    for where, blob in _blobs(revision):
        size = store.files.stored_size(blob.sha256)
        if size is not None and size != blob.bytes:
            problems.append(f"{where}: {blob.sha256[:12]} is stored with {size} bytes, not {blob.bytes}")
    if problems:
        raise RevisionInvalidError(problems)


def _check_photo_sizes(conn, shopper_id: str, revision: VisitRevision) -> None:
    # One sha256 is one file, of one size, whichever of the shopper's visits names it.
    blobs = _blobs(revision)
    sizes = q.photo_sizes(conn, shopper_id, (blob.sha256 for _, blob in blobs))
    problems = [
        f"{where}: {blob.sha256[:12]} is {sizes[blob.sha256]} bytes elsewhere, not {blob.bytes}"
        for where, blob in blobs if sizes.get(blob.sha256, blob.bytes) != blob.bytes
    ]
    if problems:
        raise RevisionInvalidError(problems)


def _blobs(revision: VisitRevision) -> list[tuple[str, PhotoRef | RecordingRef]]:
    """The revision's photos and recordings, each with where it is in the revision."""
    return [*((f"photos[{i}]", p) for i, p in enumerate(revision.photos)),
            *((f"recordings[{i}]", r) for i, r in enumerate(revision.recordings))]


def _receipt(store: ServerStore, visit: VisitRow, revisions: list[int], photos: list[str],
             recordings: list[str]) -> VisitReceipt:
    return VisitReceipt(
        uuid=visit.uuid, revision=visit.latest_revision, revisions=revisions, status=visit.status,
        missing_photos=[sha for sha in photos if not store.files.is_in_place(sha)],
        missing_recordings=[sha for sha in recordings if not store.files.is_in_place(sha)],
    )
