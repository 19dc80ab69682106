"""Queries on a visit's rows: `visits`, `answers`, `timer_events`, `photos`,
`recordings`, `follow_up_answers`. A `Visit` is rebuilt from these rows and nothing else."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Callable

from sqlite_utils import Database

from field_app.domain.checklist import Checklist
from field_app.domain.records import Answer, FollowUpAnswer, PhotoRef, RecordingRef, TimerEvent, VisitStatus
from field_app.domain.visit import Visit

from .codec import (
    moment_text,
    moment_text_or_none,
    read_moment,
    read_moment_or_none,
    read_value,
    value_text,
)


@dataclass(frozen=True)
class VisitSummary:
    """One line of the phone's list of visits, read without rebuilding the visit."""

    uuid: str
    checklist_id: str
    checklist_version: int
    status: VisitStatus
    revision: int
    assignment_id: str | None
    started_at: datetime
    updated_at: datetime
    current_section: str | None
    shopper_id: str | None  # whose account it was made under; None: the phone was not paired


def insert(db: Database, visit: Visit, shopper_id: str | None, now: datetime) -> None:
    db.execute(
        """
        INSERT INTO visits (uuid, assignment_id, checklist_id, checklist_version, checklist_sha256,
                            status, revision, started_at, finalized_at, updated_at, shopper_id)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
        """,
        [
            visit.uuid, visit.assignment_id, visit.checklist.id, visit.checklist.version,
            visit.checklist_sha256, visit.status.value, visit.revision,
            moment_text(visit.started_at), moment_text_or_none(visit.finalized_at), moment_text(now), shopper_id,
        ],
    )


def exists(db: Database, uuid: str) -> bool:
    return db.execute("SELECT 1 FROM visits WHERE uuid = ?", [uuid]).fetchone() is not None


def load(db: Database, uuid: str, checklist_of: Callable[[str, int], Checklist]) -> Visit | None:
    row = db.execute(
        """
        SELECT assignment_id, checklist_id, checklist_version, checklist_sha256,
               status, revision, started_at, finalized_at
        FROM visits WHERE uuid = ?
        """,
        [uuid],
    ).fetchone()
    if row is None:
        return None
    assignment_id, checklist_id, version, sha256, status, revision, started_at, finalized_at = row
    answers = {
        question_id: Answer(value=read_value(value), na=bool(na), comment=comment, answered_at=read_moment(at))
        for question_id, value, na, comment, at in db.execute(
            "SELECT question_id, value, na, comment, answered_at FROM answers WHERE visit_uuid = ?", [uuid]
        )
    }
    timers: dict[str, list[TimerEvent]] = {}
    for question_id, event, at in db.execute(
        "SELECT question_id, event, at FROM timer_events WHERE visit_uuid = ? ORDER BY id", [uuid]
    ):
        timers.setdefault(question_id, []).append(TimerEvent(event=event, at=read_moment(at)))
    photos = [
        PhotoRef(sha256=digest, bytes=size, question_id=question_id, taken_at=read_moment(taken_at))
        for question_id, digest, size, taken_at in db.execute(
            # The order photos were added in is the order the revision lists them in.
            "SELECT question_id, sha256, bytes, taken_at FROM photos WHERE visit_uuid = ? ORDER BY rowid",
            [uuid],
        )
    ]
    follow_ups = {
        follow_up_id: FollowUpAnswer(value=read_value(value), comment=comment, answered_at=read_moment(at))
        for follow_up_id, value, comment, at in db.execute(
            "SELECT follow_up_id, value, comment, answered_at FROM follow_up_answers WHERE visit_uuid = ?",
            [uuid],
        )
    }
    return Visit(
        uuid=uuid,
        checklist=checklist_of(checklist_id, version),
        checklist_sha256=sha256,
        started_at=read_moment(started_at),
        assignment_id=assignment_id,
        status=VisitStatus(status),
        revision=revision,
        finalized_at=read_moment_or_none(finalized_at),
        answers=answers,
        timers=timers,
        photos=photos,
        follow_ups=follow_ups,
    )


def place(db: Database, assignment_id: str | None) -> tuple[str, str] | None:
    """The time zone and brand of the dealership of a visit's stop; None for a visit made
    without a stop (or whose stop's dealership the phone does not hold)."""
    if assignment_id is None:
        return None
    row = db.execute(
        """
        SELECT d.timezone, d.brand FROM assignments a JOIN dealerships d ON d.code = a.dealer_code
        WHERE a.id = ?
        """,
        [assignment_id],
    ).fetchone()
    return None if row is None else (row[0], row[1])


def save_status(db: Database, visit: Visit, now: datetime) -> None:
    """Write the visit's own columns that shopper actions change."""
    db.execute(
        "UPDATE visits SET status = ?, revision = ?, finalized_at = ?, updated_at = ? WHERE uuid = ?",
        [visit.status.value, visit.revision, moment_text_or_none(visit.finalized_at), moment_text(now), visit.uuid],
    )


def put_answer(db: Database, uuid: str, question_id: str, answer: Answer) -> None:
    db.execute(
        """
        INSERT INTO answers (visit_uuid, question_id, value, na, comment, answered_at)
        VALUES (?, ?, ?, ?, ?, ?)
        ON CONFLICT (visit_uuid, question_id) DO UPDATE SET
            value = excluded.value, na = excluded.na,
            comment = excluded.comment, answered_at = excluded.answered_at
        """,
        [uuid, question_id, value_text(answer.value), int(answer.na), answer.comment, moment_text(answer.answered_at)],
    )


def add_timer_event(db: Database, uuid: str, question_id: str, event: TimerEvent) -> None:
    db.execute(
        "INSERT INTO timer_events (visit_uuid, question_id, event, at) VALUES (?, ?, ?, ?)",
        [uuid, question_id, event.event, moment_text(event.at)],
    )


def add_photo(db: Database, uuid: str, photo: PhotoRef, path: str | Path) -> None:
    db.execute(
        """
        INSERT INTO photos (visit_uuid, question_id, sha256, bytes, taken_at, path)
        VALUES (?, ?, ?, ?, ?, ?)
        """,
        [uuid, photo.question_id, photo.sha256, photo.bytes, moment_text(photo.taken_at), str(path)],
    )


def remove_photo(db: Database, uuid: str, question_id: str, sha256: str) -> None:
    db.execute(
        "DELETE FROM photos WHERE visit_uuid = ? AND question_id = ? AND sha256 = ?",
        [uuid, question_id, sha256],
    )


def recordings_of(db: Database, uuid: str) -> list[RecordingRef]:
    """The visit's recordings in the order they were added. Not in `load`: migration 6
    rebuilds visits before the table exists."""
    return [
        RecordingRef(sha256=digest, bytes=size, question_id=question_id, recorded_at=read_moment(at))
        for question_id, digest, size, at in db.execute(
            "SELECT question_id, sha256, bytes, recorded_at FROM recordings WHERE visit_uuid = ? ORDER BY rowid",
            [uuid],
        )
    ]


def add_recording(db: Database, uuid: str, recording: RecordingRef, path: str | Path) -> None:
    db.execute(
        """
        INSERT INTO recordings (visit_uuid, question_id, sha256, bytes, recorded_at, path)
        VALUES (?, ?, ?, ?, ?, ?)
        """,
        [uuid, recording.question_id, recording.sha256, recording.bytes, moment_text(recording.recorded_at),
         str(path)],
    )


def remove_recording(db: Database, uuid: str, question_id: str, sha256: str) -> None:
    db.execute(
        "DELETE FROM recordings WHERE visit_uuid = ? AND question_id = ? AND sha256 = ?",
        [uuid, question_id, sha256],
    )


def put_follow_up(db: Database, uuid: str, follow_up_id: str, answer: FollowUpAnswer) -> None:
    db.execute(
        """
        INSERT INTO follow_up_answers (visit_uuid, follow_up_id, value, comment, answered_at)
        VALUES (?, ?, ?, ?, ?)
        ON CONFLICT (visit_uuid, follow_up_id) DO UPDATE SET
            value = excluded.value, comment = excluded.comment, answered_at = excluded.answered_at
        """,
        [uuid, follow_up_id, value_text(answer.value), answer.comment, moment_text(answer.answered_at)],
    )


def set_section(db: Database, uuid: str, section_id: str, now: datetime) -> None:
    db.execute(
        "UPDATE visits SET current_section = ?, updated_at = ? WHERE uuid = ?",
        [section_id, moment_text(now), uuid],
    )


def current_section(db: Database, uuid: str) -> str | None:
    row = db.execute("SELECT current_section FROM visits WHERE uuid = ?", [uuid]).fetchone()
    return None if row is None else row[0]


def unfinished(db: Database, statuses: list[str]) -> list[str]:
    """The uuids of the visits in `statuses` (those still being recorded), oldest first."""
    marks = ", ".join("?" for _ in statuses)
    rows = db.execute(f"SELECT uuid FROM visits WHERE status IN ({marks}) ORDER BY started_at", statuses)
    return [uuid for (uuid,) in rows.fetchall()]


def summaries(db: Database) -> list[VisitSummary]:
    rows = db.execute(
        """
        SELECT uuid, checklist_id, checklist_version, status, revision, assignment_id,
               started_at, updated_at, current_section, shopper_id
        FROM visits ORDER BY started_at, uuid
        """
    )
    return [
        VisitSummary(
            uuid=uuid, checklist_id=checklist_id, checklist_version=version, status=VisitStatus(status),
            revision=revision, assignment_id=assignment_id, started_at=read_moment(started_at),
            updated_at=read_moment(updated_at), current_section=section, shopper_id=shopper_id,
        )
        for uuid, checklist_id, version, status, revision, assignment_id, started_at, updated_at, section, shopper_id
        in rows
    ]


def mark_synced(db: Database, uuid: str, revision: int, now: datetime) -> bool:
    """The server has this revision; a visit reopened meanwhile keeps its own status."""
    cursor = db.execute(
        """
        UPDATE visits SET status = 'synced', updated_at = ?
        WHERE uuid = ? AND revision = ? AND status = 'finalized'
        """,
        [moment_text(now), uuid, revision],
    )
    return cursor.rowcount > 0
