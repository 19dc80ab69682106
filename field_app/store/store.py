"""The phone's store: local SQLite through sqlite-utils, losing nothing if the phone dies.

Each shopper action is one transaction, committed (and fsynced: WAL, synchronous=FULL)
before the method returns. The domain decides what an action means and returns the record
to keep; the store writes exactly that record. The rows are the truth: the `Visit` objects
kept here are a cache of them, dropped whenever another connection has written.

One Store is one connection. It may be called from several threads (UI handlers run on a
thread pool): calls take turns.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import date, datetime
from functools import lru_cache
from pathlib import Path
from typing import TypeVar
from uuid import UUID, uuid4
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlite_utils import Database

from field_app.domain.canonical import checklist_sha256
from field_app.domain.checklist import AnswerValue, Checklist
from field_app.domain.due import DEFAULT_TIMEZONE
from field_app.domain.errors import ConflictingVersionError, UnknownChecklistError
from field_app.domain.locations import LocationOutcome
from field_app.domain.records import Answer, PhotoRef, RecordingRef, TimerEvent, VisitRevision
from field_app.domain.route import Assignment, Dealership
from field_app.domain.visit import EDITABLE, Visit
from field_app.domain.workdays import CalendarYear, WorkCalendar, shipped_calendar

from . import calendar as calendar_years
from . import checklists, follow_ups, locations, outbox, retention, returns, revisions, route, visits
from .codec import utc, utc_now
from .errors import (
    OutboxItemNotFoundError,
    RevisionNotFoundError,
    UnknownAssignmentError,
    UnknownSectionError,
    VisitExistsError,
    VisitNotFoundError,
)
from .follow_ups import DueFollowUpRow
from .outbox import FailureKind, OutboxItem
from .returns import ReturnNote
from .route import Stop
from .schema import MIGRATIONS
from .sync_methods import SyncMethods
from .visits import VisitSummary

R = TypeVar("R")
log = logging.getLogger(__name__)

# Another connection (the sync engine) may hold the write lock for a moment.
BUSY_TIMEOUT_MS = 5000


class Store(SyncMethods):
    """Visits, answers, timers, photos, recordings, frozen revisions and the outbox of one phone."""

    def __init__(self, path: str | Path, *, clock: Callable[[], datetime] = utc_now) -> None:
        """Open (or create) the database file and bring its schema up to date.

        `clock` stamps the store's own bookkeeping (`updated_at`, outbox times); the
        moments of shopper actions are always given by the caller.
        """
        connection = sqlite3.connect(str(path), check_same_thread=False)
        self.db = Database(connection, execute_plugins=False)
        self._lock = threading.RLock()
        self._clock = clock
        self._checklists: dict[tuple[str, int], tuple[Checklist, str]] = {}
        self._visits: dict[str, Visit] = {}
        self._calendar: WorkCalendar | None = None  # the shipped one with the years pulled
        self.db.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        self.db.enable_wal()
        self.db.execute("PRAGMA synchronous = FULL")
        self.db.execute("PRAGMA foreign_keys = ON")
        MIGRATIONS.apply(self.db)
        self._data_version = self._read_data_version()

    @classmethod
    def memory(cls, *, clock: Callable[[], datetime] = utc_now) -> Store:
        """A store that lives in memory only, for tests."""
        return cls(":memory:", clock=clock)

    def close(self) -> None:
        with self._lock:
            self.db.close()

    def files(self) -> list[Path]:
        """The database's files (none for a store in memory): its file, WAL and index."""
        with self._lock:
            name = self.db.execute("PRAGMA database_list").fetchone()[2]
        if not name:
            return []
        main = Path(name)
        return [main, main.with_name(main.name + "-wal"), main.with_name(main.name + "-shm")]

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # --- checklists ----------------------------------------------------------------

    def save_checklist(self, checklist: Checklist) -> str:
        """Keep a checklist version and return its sha256; saving it again is harmless."""
        sha256 = checklist_sha256(checklist)
        with self._transaction():
            known = checklists.stored_sha256(self.db, checklist.id, checklist.version)
            if known is None:
                checklists.insert(self.db, checklist, sha256)
            elif known != sha256:
                raise ConflictingVersionError(
                    f"{checklist.id}@{checklist.version} is already stored with other content "
                    f"(sha256 {known[:12]} vs {sha256[:12]})"
                )
            self._checklists[(checklist.id, checklist.version)] = (checklist, sha256)
        return sha256

    def checklist(self, checklist_id: str, version: int) -> Checklist:
        """A stored checklist version, read once and then kept: a version never changes."""
        with self._transaction(write=False):
            return self._checklist(checklist_id, version)

    # --- the production calendar ---------------------------------------------------

    def calendar(self) -> WorkCalendar:
        """The calendar follow-ups count working days by: the decrees the app ships with,
        and over them the years pulls brought (kept, and rebuilt when a year arrives)."""
        with self._transaction(write=False):
            return self._work_calendar()

    def save_calendar(self, years: list[CalendarYear]) -> list[int]:
        """Keep the calendar years a pull brought, a year that comes again replacing the
        one kept; returns the years that changed. A change can move the due moment of a
        follow-up still unanswered: the index of open ones is counted again for them, in
        the same transaction."""
        with self._transaction(), self._forgetting_on_error():
            changed = [year.year for year in years if calendar_years.put(self.db, year, self._clock())]
            if changed:
                self._calendar = None
                self._visits.clear()  # built with the calendar before
                self._recount_open(follow_ups.frozen_with_open(self.db))
        return changed

    # --- visits --------------------------------------------------------------------

    def start_visit(
        self,
        checklist_id: str,
        version: int,
        *,
        at: datetime,
        assignment_id: str | None = None,
        uuid: str | None = None,
    ) -> Visit:
        """Begin a visit against a stored checklist version; its uuid is made here unless given."""
        with self._transaction():
            return _copy(self._insert_visit(checklist_id, version, at, assignment_id, uuid))

    def _insert_visit(
        self, checklist_id: str, version: int, at: datetime, assignment_id: str | None, uuid: str | None
    ) -> Visit:
        checklist, sha256 = self._checklist_entry(checklist_id, version)
        visit = self._placed(Visit(
            uuid=str(UUID(uuid)) if uuid is not None else str(uuid4()),
            checklist=checklist,
            checklist_sha256=sha256,
            started_at=utc(at),
            assignment_id=assignment_id,
        ))
        if visits.exists(self.db, visit.uuid):
            raise VisitExistsError(f"visit {visit.uuid} is already stored")
        visits.insert(self.db, visit, route.paired_shopper(self.db), self._clock())
        self._visits[visit.uuid] = visit
        return visit

    def visit(self, uuid: str) -> Visit:
        """The visit as its rows describe it (a copy: changing it changes nothing stored)."""
        with self._transaction(write=False):
            return _copy(self._cached_visit(uuid))

    def visits(self) -> list[VisitSummary]:
        """Every stored visit, oldest first."""
        with self._transaction(write=False):
            return visits.summaries(self.db)

    def due_follow_ups(self, now: datetime) -> list[DueFollowUpRow]:
        """The follow-ups due by `now` and unanswered, earliest first, read from the index
        of open ones (not from every visit done)."""
        with self._transaction(write=False):
            return follow_ups.due(self.db, now)

    # --- the route ---------------------------------------------------------------

    def save_route(self, dealerships: list[Dealership], assignments: list[Assignment]) -> None:
        """Store dealerships and assignments (new or changed) in one transaction. A
        dealership whose time zone or brand changed moves the due moments of its visits'
        follow-ups still unanswered: the index of open ones is counted again for them."""
        with self._transaction(), self._forgetting_on_error():
            before = route.places(self.db, [d.code for d in dealerships])
            for dealership in dealerships:
                route.put_dealership(self.db, dealership)
            for assignment in assignments:
                route.put_assignment(self.db, assignment)
            moved = [d.code for d in dealerships if before.get(d.code, (d.timezone, d.brand)) != (d.timezone, d.brand)]
            if moved:
                self._visits.clear()  # placed where the dealership was
                self._recount_open(follow_ups.frozen_with_open(self.db, moved))

    def stops(self, first: date, last: date) -> list[Stop]:
        """The route's stops between two days (inclusive), in day and route order."""
        with self._transaction(write=False):
            return route.stops(self.db, first, last)

    def stop(self, assignment_id: str) -> Stop | None:
        """One stop of the route, whatever its day."""
        with self._transaction(write=False):
            return route.stop(self.db, assignment_id)

    def start_assignment(self, assignment_id: str, *, at: datetime) -> Visit:
        """The visit of a stop: the one already begun, or a new one."""
        with self._transaction():
            existing = route.visit_of(self.db, assignment_id)
            if existing is not None:
                return _copy(self._cached_visit(existing))
            assignment = route.assignment(self.db, assignment_id)
            if assignment is None:
                raise UnknownAssignmentError(f"no assignment {assignment_id}")
            return _copy(self._insert_visit(
                assignment.checklist_id, assignment.checklist_version, at, assignment_id, None))

    def setting(self, key: str) -> str | None:
        with self._transaction(write=False):
            return route.setting(self.db, key)

    def unfinished_visits(self) -> list[str]:
        """The uuids of the visits planned or in progress, oldest first (one query: no
        visit done is read)."""
        with self._transaction(write=False):
            return visits.unfinished(self.db, [status.value for status in EDITABLE])

    def set_setting(self, key: str, value: str) -> None:
        with self._transaction():
            route.put_setting(self.db, key, value)

    def current_section(self, uuid: str) -> str | None:
        """The section the shopper was last on, so reopening the app returns there."""
        with self._transaction(write=False):
            self._cached_visit(uuid)
            return visits.current_section(self.db, uuid)

    def set_section(self, uuid: str, section_id: str) -> None:
        with self._transaction():
            visit = self._cached_visit(uuid)
            if all(section.id != section_id for section in visit.checklist.sections):
                raise UnknownSectionError(f"{visit.checklist.id} has no section {section_id!r}")
            visits.set_section(self.db, uuid, section_id, self._clock())

    # --- shopper actions: one transaction each -----------------------------------------

    def answer(self, uuid: str, question_id: str, value: AnswerValue, at: datetime) -> Answer:
        return self._act(
            uuid,
            lambda visit: visit.answer(question_id, value, at),
            lambda visit, answer: visits.put_answer(self.db, uuid, question_id, answer),
        )

    def mark_na(self, uuid: str, question_id: str, at: datetime) -> Answer:
        return self._act(
            uuid,
            lambda visit: visit.mark_na(question_id, at),
            lambda visit, answer: visits.put_answer(self.db, uuid, question_id, answer),
        )

    def clear(self, uuid: str, question_id: str, at: datetime) -> Answer:
        return self._act(
            uuid,
            lambda visit: visit.clear(question_id, at),
            lambda visit, answer: visits.put_answer(self.db, uuid, question_id, answer),
        )

    def comment(self, uuid: str, question_id: str, text: str, at: datetime) -> Answer:
        return self._act(
            uuid,
            lambda visit: visit.comment(question_id, text, at),
            lambda visit, answer: visits.put_answer(self.db, uuid, question_id, answer),
        )

    def timer(self, uuid: str, question_id: str, event: str, at: datetime) -> TimerEvent | None:
        """Start, stop or reset a stopwatch; None (and nothing written) for a double tap."""
        return self._act(
            uuid,
            lambda visit: visit.timer(question_id, event, at),
            lambda visit, record: visits.add_timer_event(self.db, uuid, question_id, record),
        )

    def add_photo(self, uuid: str, photo: PhotoRef, path: str | Path) -> PhotoRef | None:
        """Attach a processed photo already fsynced at `path`; None if it was attached already."""
        def write(visit: Visit, record: PhotoRef) -> None:
            visits.add_photo(self.db, uuid, record, path)
            retention.back_on_phone(self.db, record.sha256)

        return self._act(uuid, lambda visit: visit.add_photo(photo), write)

    def remove_photo(self, uuid: str, question_id: str, sha256: str) -> bool:
        """Detach a photo (its file stays: another visit may use the same bytes)."""
        removed = self._act(
            uuid,
            lambda visit: True if visit.remove_photo(question_id, sha256) else None,
            lambda visit, _: visits.remove_photo(self.db, uuid, question_id, sha256),
        )
        return removed is not None

    def add_recording(self, uuid: str, recording: RecordingRef, path: str | Path) -> RecordingRef | None:
        """Attach a call recording already fsynced at `path`; None if it was attached already."""
        def write(visit: Visit, record: RecordingRef) -> None:
            visits.add_recording(self.db, uuid, record, path)
            retention.back_on_phone(self.db, record.sha256)  # the same recording taken in again

        return self._act(uuid, lambda visit: visit.add_recording(recording), write)

    def remove_recording(self, uuid: str, question_id: str, sha256: str) -> bool:
        """Detach a recording (its file stays, as a photo's does)."""
        removed = self._act(
            uuid,
            lambda visit: True if visit.remove_recording(question_id, sha256) else None,
            lambda visit, _: visits.remove_recording(self.db, uuid, question_id, sha256),
        )
        return removed is not None

    def record_location(self, uuid: str, outcome: LocationOutcome) -> LocationOutcome:
        """Keep what a request for a location fix came to, in its own transaction; refused
        (`VisitFrozenError`) once the revision it was asked for is frozen."""
        return self._act(uuid, lambda visit: visit.record_location(outcome),
                         lambda visit, record: locations.insert(self.db, uuid, record))

    def finalize(self, uuid: str, at: datetime) -> VisitRevision:
        """Freeze this revision's payload and queue it, with its new photos, for the server."""
        return self._act(uuid, lambda visit: visit.finalize(at), self._freeze)

    def mark_returned(self, uuid: str, *, comment: str = "", at: datetime | None = None) -> None:
        """A coordinator sent the visit back for correction, saying why."""
        def note(visit: Visit, _: object) -> None:
            returns.put(self.db, ReturnNote(uuid, visit.revision, comment, at or self._clock()))

        self._act(uuid, lambda visit: visit.mark_returned() or True, note)

    def reopen(self, uuid: str) -> int:
        """Start correcting a returned visit: it becomes editable again as the next
        revision, whose number is returned."""

        def change(visit: Visit) -> int:
            visit.reopen()
            return visit.revision

        return self._act(uuid, change, lambda visit, revision: None)

    def answer_follow_ups(self, uuid: str, values: dict[str, AnswerValue], at: datetime) -> VisitRevision:
        """Answer due follow-ups; this freezes and queues a new revision."""
        def write(visit: Visit, revision: VisitRevision) -> None:
            for follow_up_id in values:
                visits.put_follow_up(self.db, uuid, follow_up_id, visit.follow_ups[follow_up_id])
            self._freeze(visit, revision)

        return self._act(uuid, lambda visit: visit.answer_follow_ups(values, at), write)

    # --- revisions and the outbox --------------------------------------------------------

    def revision_payload(self, uuid: str, revision: int) -> bytes:
        """The frozen bytes of a finalized revision: the same on every read and every retry."""
        with self._transaction(write=False):
            payload = revisions.payload(self.db, uuid, revision)
        if payload is None:
            raise RevisionNotFoundError(f"visit {uuid} has no finalized revision {revision}")
        return payload

    def pending_outbox(self) -> list[OutboxItem]:
        """What has still to reach the server, oldest first."""
        with self._transaction(write=False):
            return outbox.pending(self.db)

    def mark_outbox_done(self, item_id: int) -> None:
        """The server has the item; for a revision, the visit becomes synced."""
        with self._transaction():
            found = outbox.identity(self.db, item_id)
            if found is None:
                raise OutboxItemNotFoundError(f"no outbox item {item_id}")
            now = self._clock()
            outbox.mark_done(self.db, item_id, now)
            kind, uuid, revision = found
            if kind == "visit_revision" and visits.mark_synced(self.db, uuid, revision, now):
                self._visits.pop(uuid, None)

    def mark_outbox_failed(self, item_id: int, kind: FailureKind, error: str, *, at: datetime | None = None) -> None:
        """An attempt failed; the item stays queued with the reason, its kind and the counts.

        `at` is when it was tried (the store's clock by default): the sync client measures
        how long a refused item waits from it, by its own clock."""
        with self._transaction():
            if outbox.identity(self.db, item_id) is None:
                raise OutboxItemNotFoundError(f"no outbox item {item_id}")
            outbox.mark_failed(self.db, item_id, kind, error, at or self._clock())

    # --- inside --------------------------------------------------------------------------

    def _act(self, uuid: str, change: Callable[[Visit], R], write: Callable[[Visit, R], None]) -> R:
        """Apply a domain change to a copy of the visit and write its record, in one
        transaction. The cache takes the copy only once its record is written, so a refused
        action (or a failed write) leaves no half-applied change behind."""
        with self._transaction():
            visit = _copy(self._cached_visit(uuid))
            record = change(visit)
            if record is None:
                return record
            write(visit, record)
            visits.save_status(self.db, visit, self._clock())
            self._visits[uuid] = visit
        return record

    def _freeze(self, visit: Visit, revision: VisitRevision) -> None:
        revisions.insert(self.db, visit.uuid, revision)
        follow_ups.replace(self.db, visit)
        outbox.enqueue_revision(self.db, visit.uuid, revision, self._clock())

    def _cached_visit(self, uuid: str) -> Visit:
        visit = self._visits.get(uuid)
        if visit is None:
            visit = visits.load(self.db, uuid, self._checklist)
            if visit is None:
                raise VisitNotFoundError(f"no visit {uuid}")
            # Not in `visits.load`: migration 6 rebuilds visits before these tables exist.
            visit.locations = locations.of_visit(self.db, uuid)
            visit.recordings = visits.recordings_of(self.db, uuid)
            self._visits[uuid] = visit = self._placed(visit)
        return visit

    def _placed(self, visit: Visit) -> Visit:
        """The visit with where it takes place, for its follow-ups' due rules: its stop's
        dealership's time zone and brand (the defaults for a visit without a stop), and
        the phone's calendar."""
        found = visits.place(self.db, visit.assignment_id)
        zone, brand = found if found is not None else (DEFAULT_TIMEZONE, "")
        visit.timezone, visit.brand, visit.calendar = _known_zone(zone), brand, self._work_calendar()
        return visit

    def _work_calendar(self) -> WorkCalendar:
        if self._calendar is None:
            self._calendar = shipped_calendar().with_years(calendar_years.years(self.db))
        return self._calendar

    def _recount_open(self, uuids: list[str]) -> None:
        """Write again the open follow-ups of these frozen visits, as their dealership and
        the calendar place them now (their answers have not changed)."""
        for uuid in uuids:
            visit = visits.load(self.db, uuid, self._checklist)
            if visit is not None:
                follow_ups.replace(self.db, self._placed(visit))

    @contextmanager
    def _forgetting_on_error(self) -> Iterator[None]:
        """Inside a transaction that may have filled the caches from rows it then rolls
        back: drop them if it fails."""
        try:
            yield
        except BaseException:
            self._visits.clear()
            self._calendar = None
            raise

    def _checklist(self, checklist_id: str, version: int) -> Checklist:
        return self._checklist_entry(checklist_id, version)[0]

    def _checklist_entry(self, checklist_id: str, version: int) -> tuple[Checklist, str]:
        entry = self._checklists.get((checklist_id, version))
        if entry is None:
            entry = checklists.load(self.db, checklist_id, version)
            if entry is None:
                raise UnknownChecklistError(f"no checklist {checklist_id}@{version} is stored")
            self._checklists[(checklist_id, version)] = entry
        return entry

    @contextmanager
    def _transaction(self, *, write: bool = True) -> Iterator[None]:
        with self._lock:
            # IMMEDIATE takes the write lock before the cache is checked, so no other
            # connection can commit between that check and this transaction's writes.
            self.db.execute("BEGIN IMMEDIATE" if write else "BEGIN")
            try:
                if self._read_data_version() != self._data_version:
                    self._visits.clear()
                    self._calendar = None  # a pull on another connection may have brought a year
                    self._data_version = self._read_data_version()
                yield
            except BaseException:
                self.db.rollback()
                raise
            try:
                self.db.execute("COMMIT")
            except BaseException:
                # The caches took this transaction's changes, which the rows now lack.
                self._visits.clear()
                self._checklists.clear()
                self._calendar = None
                self.db.rollback()
                raise

    def _read_data_version(self) -> int:
        # Changes only when another connection commits: the signal that cached visits are stale.
        return self.db.execute("PRAGMA data_version").fetchone()[0]


@lru_cache(maxsize=64)
def _known_zone(name: str) -> str:
    """The time zone if this phone knows it, else the default: a dealership's zone the
    phone cannot read must not stop its visits from being finalized."""
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        log.warning("unknown time zone %r: follow-ups are counted in %s", name, DEFAULT_TIMEZONE)
        return DEFAULT_TIMEZONE
    return name


def _copy(visit: Visit) -> Visit:
    """A copy whose changes never reach the original. The records inside are frozen, so
    copying the containers is enough (a new mutable field of Visit must be added here)."""
    return replace(
        visit,
        answers=dict(visit.answers),
        timers={question_id: list(events) for question_id, events in visit.timers.items()},
        photos=list(visit.photos),
        recordings=list(visit.recordings),
        follow_ups=dict(visit.follow_ups),
        locations=list(visit.locations),
    )
