"""What the screens may do: one facade over the store, the photo pipeline and the clock.

Screens call these methods and never touch SQL, files or HTTP. Each method reads the time
from the injected clock, so tests move time by hand.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from . import storage
from .domain.clock import Clock
from .domain.checklist import AnswerValue, Checklist, FollowUp
from .domain.errors import InvalidAnswerError
from .domain.locations import LocationOutcome
from .domain.records import PhotoRef, RecordingRef, VisitRevision, VisitStatus
from .domain.scoring import VisitScore
from .domain.visit import Missing, Visit
from .photos import process_photo
from .recordings import recording_file, store_recording
from .store import Stop, Store

LATER_DAYS = 14
# + the visit's uuid: its follow-up answers not saved yet
DRAFT_SETTING = "follow_ups.draft."


@dataclass(frozen=True)
class DueFollowUpItem:
    """A follow-up whose time has come, on the Today screen."""

    visit_uuid: str
    dealership_name: str
    checklist_title: str
    follow_up: FollowUp
    due_at: datetime


@dataclass(frozen=True)
class RouteOverview:
    today: list[Stop]
    later: list[Stop]
    follow_ups: list[DueFollowUpItem]


@dataclass(frozen=True)
class FollowUpDraft:
    """Follow-up answers not saved yet: chosen (by follow-up id) and typed (as typed)."""

    chosen: dict[str, AnswerValue]
    typed: dict[str, str]


@dataclass(frozen=True)
class Review:
    missing: list[Missing]
    score: VisitScore


class FieldService:
    def __init__(self, store: Store, clock: Clock, photos_dir: Path) -> None:
        self.store = store
        self.clock = clock
        self.photos_dir = Path(photos_dir)
        self.photos_dir.mkdir(parents=True, exist_ok=True)

    def now(self) -> datetime:
        return self.clock.now()

    def today(self) -> date:
        # The shopper's day is the phone's local day, not UTC's.
        return self.now().astimezone().date()

    # --- the route ---------------------------------------------------------------

    def overview(self) -> RouteOverview:
        today = self.today()
        return RouteOverview(
            today=self.store.stops(today, today),
            later=self.store.stops(today + timedelta(days=1), today + timedelta(days=LATER_DAYS)),
            follow_ups=self.due_follow_ups(),
        )

    def checklist(self, checklist_id: str, version: int) -> Checklist:
        return self.store.checklist(checklist_id, version)

    def stop_of(self, visit: Visit) -> Stop | None:
        return None if visit.assignment_id is None else self.store.stop(visit.assignment_id)

    def open_stop(self, assignment_id: str) -> str:
        """Begin (or resume) the visit of a stop; returns its uuid."""
        visit = self.store.start_assignment(assignment_id, at=self.now())
        self.store.set_setting("open_visit", visit.uuid)
        return visit.uuid

    def open_visit(self) -> tuple[str, str | None] | None:
        """The visit the shopper left unfinished and its section, to return to on start."""
        uuid = self.store.setting("open_visit")
        if not uuid:
            return None
        summary = next((v for v in self.store.visits() if v.uuid == uuid), None)
        if summary is None or summary.status not in (VisitStatus.PLANNED, VisitStatus.IN_PROGRESS):
            return None
        return uuid, summary.current_section

    def route_state(self) -> tuple[object, ...]:
        """What Today shows, in short, to compare before and after a sync: it differs when a
        pull brought a new route or returned a visit, or a visit was sent."""
        today = self.today()
        return tuple(self.store.stops(today, today + timedelta(days=LATER_DAYS))), tuple(self.store.visits())

    def due_follow_ups(self) -> list[DueFollowUpItem]:
        """Read from the store's index of open follow-ups: as quick with a year of visits
        done as with a day's."""
        items = []
        for row in self.store.due_follow_ups(self.now()):
            checklist = self.store.checklist(row.checklist_id, row.checklist_version)
            items.append(DueFollowUpItem(row.visit_uuid, row.dealership_name, checklist.title,
                                         checklist.follow_up(row.follow_up_id), row.due_at))
        return items

    # --- recording a visit -------------------------------------------------------

    def visit(self, uuid: str) -> Visit:
        return self.store.visit(uuid)

    def answer(self, uuid: str, question_id: str, value: AnswerValue) -> None:
        self.store.answer(uuid, question_id, value, self.now())

    def mark_na(self, uuid: str, question_id: str) -> None:
        self.store.mark_na(uuid, question_id, self.now())

    def clear(self, uuid: str, question_id: str) -> None:
        self.store.clear(uuid, question_id, self.now())

    def comment(self, uuid: str, question_id: str, text: str) -> None:
        self.store.comment(uuid, question_id, text, self.now())

    def timer(self, uuid: str, question_id: str, event: str) -> None:
        self.store.timer(uuid, question_id, event, self.now())

    def record_moment(self, uuid: str, question_id: str, moment: datetime | None = None) -> str:
        """Answer a `datetime` question with `moment` (now when None), to the second, as an
        ISO 8601 moment with the offset of the dealership's time zone; returns the value."""
        zone = ZoneInfo(self.store.visit(uuid).timezone)
        value = (moment or self.now()).astimezone(zone).replace(microsecond=0).isoformat()
        self.store.answer(uuid, question_id, value, self.now())
        return value

    def count(self, uuid: str, question_id: str, step: int) -> int:
        """Add `step` (+1 or -1) to a counter; it never goes below its minimum. The first
        "+" counts one (one ring, the first attempt); the first "-" records the minimum."""
        visit = self.store.visit(uuid)
        low = int(visit.question(question_id).min_value or 0)
        current = visit.value(question_id, self.now())
        if current is None:
            value = low if step < 0 else max(low, step)
        else:
            value = max(low, int(current) + step)
        self.store.answer(uuid, question_id, value, self.now())
        return value

    def add_photo(self, uuid: str, question_id: str, source: bytes | Path) -> PhotoRef:
        """Process a camera or gallery file and attach it (slow: call it off the UI path)."""
        processed = process_photo(source, self.photos_dir)
        taken_at = processed.taken_at.astimezone() if processed.taken_at else self.now()
        ref = PhotoRef(sha256=processed.sha256, bytes=processed.bytes, question_id=question_id, taken_at=taken_at)
        self.store.add_photo(uuid, ref, str(processed.path))
        return ref

    def remove_photo(self, uuid: str, question_id: str, sha256: str) -> None:
        self.store.remove_photo(uuid, question_id, sha256)

    def add_recording(self, uuid: str, question_id: str, source: bytes | Path,
                      recorded_at: datetime | None = None) -> RecordingRef:
        """Keep a finished call recording (the recorder's file or its bytes) and attach it
        to an audio question; `recorded_at` is when the recording began (now when None).
        Refused with a `RecordingError` when empty or larger than the server takes, with
        an `InvalidAnswerError` when the question is not an audio one or has all it takes.
        Slow for a long call (the file is copied and hashed): call it off the UI path."""
        question = self.store.visit(uuid).question(question_id)
        if question.type != "audio":
            raise InvalidAnswerError(f"{question_id!r} is a {question.type} question, not an audio one")
        stored = store_recording(source, self.photos_dir)
        ref = RecordingRef(sha256=stored.sha256, bytes=stored.bytes, question_id=question_id,
                           recorded_at=recorded_at or self.now())
        self.store.add_recording(uuid, ref, str(stored.path))
        return ref

    def remove_recording(self, uuid: str, question_id: str, sha256: str) -> None:
        """Detach a recording before finalizing (its file stays, as a photo's does: the
        same bytes may be attached again)."""
        self.store.remove_recording(uuid, question_id, sha256)

    def recording_path(self, sha256: str) -> Path:
        """The file to play back."""
        return recording_file(self.photos_dir, sha256)

    def thumbnail_path(self, sha256: str) -> Path:
        return storage.thumbnail_file(self.photos_dir, sha256)

    def photo_path(self, sha256: str) -> Path:
        """The photo to show large: its full file, or its thumbnail once the full one has
        left the phone (the server confirmed it; see `storage`)."""
        full = storage.photo_file(self.photos_dir, sha256)
        return full if full.exists() else self.thumbnail_path(sha256)

    def record_location(self, uuid: str, outcome: LocationOutcome) -> LocationOutcome:
        """Keep what a request for a location fix came to (`location.FixRecorder`)."""
        return self.store.record_location(uuid, outcome)

    def current_section(self, uuid: str) -> str | None:
        return self.store.current_section(uuid)

    def set_section(self, uuid: str, section_id: str) -> None:
        self.store.set_section(uuid, section_id)

    def review(self, uuid: str) -> Review:
        visit = self.store.visit(uuid)
        now = self.now()
        return Review(visit.missing(now), visit.score(now))

    def finalize(self, uuid: str) -> VisitRevision:
        revision = self.store.finalize(uuid, self.now())
        self.store.set_setting("open_visit", "")
        return revision

    def reopen(self, uuid: str) -> int:
        """Start correcting a returned visit (its next revision, whose number is returned);
        the app comes back to it on the next start, as to any unfinished visit."""
        revision = self.store.reopen(uuid)
        self.store.set_setting("open_visit", uuid)
        return revision

    def answer_follow_ups(self, uuid: str, values: dict[str, AnswerValue]) -> VisitRevision:
        revision = self.store.answer_follow_ups(uuid, values, self.now())
        self.keep_follow_up_draft(uuid, {}, {})
        return revision

    def follow_up_draft(self, uuid: str) -> FollowUpDraft:
        """Follow-up answers chosen or typed but not saved yet (saving freezes a revision)."""
        text = self.store.setting(DRAFT_SETTING + uuid)
        data = json.loads(text) if text else {}
        return FollowUpDraft(chosen=data.get("chosen", {}), typed=data.get("typed", {}))

    def keep_follow_up_draft(self, uuid: str, chosen: dict[str, AnswerValue], typed: dict[str, str]) -> None:
        """Keep them until the shopper comes back to save them (nothing kept: none)."""
        text = json.dumps({"chosen": chosen, "typed": typed}, ensure_ascii=False) if chosen or typed else ""
        self.store.set_setting(DRAFT_SETTING + uuid, text)

    # --- settings ----------------------------------------------------------------

    def space_used(self) -> storage.SpaceUsed:
        """What the app takes on the phone: database, photos, thumbnails (reads the photo
        folder: call it off the UI path)."""
        return storage.space_used(self.store, self.photos_dir)

    def language(self) -> str | None:
        return self.store.setting("language")

    def set_language(self, language: str) -> None:
        self.store.set_setting("language", language)
