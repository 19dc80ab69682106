"""A visit or call being recorded: the shopper's actions, what they mean, and its revisions.

Every change method checks the action, applies it, and returns the record the store must
write (or None when the action changes nothing, e.g. a double tap on "start"). The store
persists exactly those records, so the domain decides and the store only remembers.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime, timezone

from .checklist import AnswerValue, Checklist, FollowUp, Question
from .conditions import holds
from .due import DEFAULT_TIMEZONE, Anchors, Window, parse_moment, window
from .locations import LocationOutcome, for_revision
from .errors import (
    FollowUpNotDueError,
    IncompleteVisitError,
    InvalidAnswerError,
    UnknownQuestionError,
    VisitFrozenError,
)
from .records import (
    Answer,
    ChecklistRef,
    FollowUpAnswer,
    PhotoRef,
    RecordingRef,
    TimerEvent,
    VisitRevision,
    VisitStatus,
)
from .scoring import Points, Score, VisitScore, points
from .timers import StopwatchState, is_meaningful, stopwatch_state
from .workdays import WorkCalendar, shipped_calendar

MAX_TEXT = 4000
# Question types answered by what is attached to them, never by a value.
ATTACHED_TYPES = ("photo", "audio")
EDITABLE = (VisitStatus.PLANNED, VisitStatus.IN_PROGRESS)


@dataclass(frozen=True)
class Missing:
    """Something that stops a visit from being finalized."""

    section_id: str
    question_id: str
    reason: str  # "unanswered" | "photos" | "recordings" | "timer_running"
    needed: int = 0  # for "photos" and "recordings": how many more


@dataclass(frozen=True)
class DueFollowUp:
    follow_up: FollowUp
    due_at: datetime
    answered: bool


@dataclass
class Visit:
    uuid: str
    checklist: Checklist
    checklist_sha256: str
    started_at: datetime
    assignment_id: str | None = None
    status: VisitStatus = VisitStatus.IN_PROGRESS
    revision: int = 1
    finalized_at: datetime | None = None
    answers: dict[str, Answer] = field(default_factory=dict)
    timers: dict[str, list[TimerEvent]] = field(default_factory=dict)
    photos: list[PhotoRef] = field(default_factory=list)
    recordings: list[RecordingRef] = field(default_factory=list)
    follow_ups: dict[str, FollowUpAnswer] = field(default_factory=dict)
    # What each request for a location fix came to, in the order they came (`locations`).
    locations: list[LocationOutcome] = field(default_factory=list)
    # Where the visit took place, for its follow-ups' working days and brand rules.
    timezone: str = DEFAULT_TIMEZONE
    brand: str = ""
    calendar: WorkCalendar = field(default_factory=shipped_calendar)

    # --- reading -----------------------------------------------------------------

    def question(self, question_id: str) -> Question:
        try:
            return self.checklist.question(question_id)
        except KeyError:
            raise UnknownQuestionError(f"{self.checklist.id} has no question {question_id!r}") from None

    def stopwatch(self, question_id: str, now: datetime) -> StopwatchState:
        return stopwatch_state(self.timers.get(question_id, []), now)

    def value(self, question_id: str, now: datetime) -> AnswerValue | None:
        """The answer's value; a stopwatch's is its whole elapsed seconds, from its events
        (whole, so the band picked is the one the shopper saw next to "0:30")."""
        answer = self.answers.get(question_id)
        if answer is not None and answer.na:
            return None
        if self.timers.get(question_id):
            state = self.stopwatch(question_id, now)
            if state.started:
                return int(state.elapsed_seconds)
        return None if answer is None else answer.value

    def visible(self, now: datetime) -> set[str]:
        """Ids of the questions `show_if` lets the shopper see, computed in order."""
        shown: set[str] = set()

        def value_of(qid: str) -> AnswerValue | None:
            return self.value(qid, now) if qid in shown else None

        for q in self.checklist.questions():
            if q.show_if is None or holds(q.show_if, value_of):
                shown.add(q.id)
        return shown

    def photos_of(self, question_id: str) -> list[PhotoRef]:
        return [p for p in self.photos if p.question_id == question_id]

    def recordings_of(self, question_id: str) -> list[RecordingRef]:
        return [r for r in self.recordings if r.question_id == question_id]

    def running_timers(self, now: datetime) -> list[str]:
        return [qid for qid in self.timers if self.stopwatch(qid, now).running]

    def missing(self, now: datetime) -> list[Missing]:
        """What stops finalizing, in checklist order."""
        shown = self.visible(now)
        result: list[Missing] = []
        for section in self.checklist.sections:
            for q in section.questions:
                if q.id not in shown:
                    continue
                answer = self.answers.get(q.id)
                na = answer is not None and answer.na
                if q.type == "timer" and self.stopwatch(q.id, now).running:
                    result.append(Missing(section.id, q.id, "timer_running"))
                elif (q.required and not na and q.type not in ATTACHED_TYPES
                      and self.value(q.id, now) is None):
                    result.append(Missing(section.id, q.id, "unanswered"))
                if na:
                    continue
                for reason, minimum, have in (
                        ("photos", q.photo_range()[0], len(self.photos_of(q.id))),
                        ("recordings", q.recording_range()[0], len(self.recordings_of(q.id)))):
                    if have < minimum:
                        result.append(Missing(section.id, q.id, reason, minimum - have))
        return result

    def score(self, now: datetime) -> VisitScore:
        shown = self.visible(now)
        per_question: dict[str, Points] = {}
        sections: dict[str, Score] = {}
        total = Score()
        for section in self.checklist.sections:
            score = Score()
            for q in section.questions:
                p = points(q, self.value(q.id, now)) if q.id in shown else None
                if p is not None:
                    per_question[q.id] = p
                score = score.plus(p)
            sections[section.id] = score
            total = Score(total.got + score.got, total.out_of + score.out_of)
        follow_up_score = Score()
        for f in self.checklist.follow_ups:
            answer = self.follow_ups.get(f.id)
            p = points(f, answer.value) if answer is not None else None
            if p is not None:
                per_question[f.id] = p
            follow_up_score = follow_up_score.plus(p)
        if self.checklist.follow_ups:
            sections["follow_ups"] = follow_up_score
            total = Score(total.got + follow_up_score.got, total.out_of + follow_up_score.out_of)
        return VisitScore(total, sections, per_question)

    def follow_ups_due(self, now: datetime) -> list[DueFollowUp]:
        """Follow-ups whose time has come, once the visit is finalized."""
        if self.status not in (VisitStatus.FINALIZED, VisitStatus.SYNCED):
            return []
        return [DueFollowUp(f, due_at, f.id in self.follow_ups)
                for f, due_at in self.asked_follow_ups(now) if due_at <= now]

    def asked_follow_ups(self, now: datetime) -> list[tuple[FollowUp, datetime]]:
        """The follow-ups this visit asks (those its answers' `show_if` does not hide),
        answered or not, each with its due moment. The phone's Today, its store's index
        of open follow-ups and the server's pending follow-ups all come from here."""
        shown = self.visible(now)

        def value_of(qid: str) -> AnswerValue | None:
            if qid in self.follow_ups:
                return self.follow_ups[qid].value
            return self.value(qid, now) if qid in shown else None

        return [(f, self.follow_up_due_at(f)) for f in self.checklist.follow_ups
                if f.show_if is None or holds(f.show_if, value_of)]

    def open_follow_ups(self, now: datetime) -> list[tuple[FollowUp, datetime]]:
        """The asked follow-ups still without an answer, each with its due moment."""
        return [(f, due_at) for f, due_at in self.asked_follow_ups(now)
                if f.id not in self.follow_ups or self.follow_ups[f.id].value is None]

    def follow_up_due_at(self, follow_up: FollowUp) -> datetime:
        """When the shopper is asked: once the dealer's window has closed."""
        return self.follow_up_window(follow_up).ask_at

    def follow_up_window(self, follow_up: FollowUp) -> Window:
        recorded = {q.id: moment for q in self.checklist.questions() if q.type == "datetime"
                    and q.id in self.answers and (moment := parse_moment(self.answers[q.id].value))}
        anchors = Anchors(self.started_at, self.finalized_at, recorded)
        return window(follow_up.rule_for(self.brand), anchors, self.timezone, self.calendar)

    # --- changing ----------------------------------------------------------------

    def answer(self, question_id: str, value: AnswerValue, at: datetime) -> Answer:
        self._require_editable()
        q = self.question(question_id)
        check_value(q, value)
        return self._put(question_id, value=value, na=False, at=at)

    def mark_na(self, question_id: str, at: datetime) -> Answer:
        self._require_editable()
        q = self.question(question_id)
        if not q.na_allowed:
            raise InvalidAnswerError(f"{question_id!r} cannot be answered N/A")
        return self._put(question_id, value=None, na=True, at=at)

    def clear(self, question_id: str, at: datetime) -> Answer:
        """Take an answer back (keeps the comment)."""
        self._require_editable()
        self.question(question_id)
        return self._put(question_id, value=None, na=False, at=at)

    def comment(self, question_id: str, text: str, at: datetime) -> Answer:
        self._require_editable()
        self.question(question_id)
        if len(text) > MAX_TEXT:
            raise InvalidAnswerError(f"a comment may have at most {MAX_TEXT} characters")
        old = self.answers.get(question_id)
        answer = Answer(
            value=old.value if old else None, na=old.na if old else False,
            comment=text, answered_at=old.answered_at if old else at,
        )
        self.answers[question_id] = answer
        self._touch()
        return answer

    def timer(self, question_id: str, event: str, at: datetime) -> TimerEvent | None:
        """Start, stop (also resumes: start again) or reset a stopwatch."""
        self._require_editable()
        if self.question(question_id).type != "timer":
            raise InvalidAnswerError(f"{question_id!r} is not a stopwatch")
        events = self.timers.get(question_id, [])
        if not is_meaningful(events, event):
            return None
        record = TimerEvent(event=event, at=at)
        self.timers[question_id] = [*events, record]
        self._touch()
        return record

    def add_photo(self, photo: PhotoRef) -> PhotoRef | None:
        self._require_editable()
        q = self.question(photo.question_id)
        if any(p.sha256 == photo.sha256 and p.question_id == photo.question_id for p in self.photos):
            return None
        limit = q.photo_range()[1]
        if len(self.photos_of(q.id)) >= limit:
            raise InvalidAnswerError(f"{q.id!r} takes at most {limit} photo(s)")
        self.photos.append(photo)
        self._touch()
        return photo

    def remove_photo(self, question_id: str, sha256: str) -> bool:
        self._require_editable()
        before = len(self.photos)
        self.photos = [p for p in self.photos if not (p.sha256 == sha256 and p.question_id == question_id)]
        return len(self.photos) < before

    def add_recording(self, recording: RecordingRef) -> RecordingRef | None:
        """Attach a finished recording to its audio question (None: attached already)."""
        self._require_editable()
        q = self.question(recording.question_id)
        if any(r.sha256 == recording.sha256 and r.question_id == q.id for r in self.recordings):
            return None
        limit = q.recording_range()[1]
        if len(self.recordings_of(q.id)) >= limit:
            raise InvalidAnswerError(f"{q.id!r} takes at most {limit} recording(s)")
        self.recordings.append(recording)
        self._touch()
        return recording

    def remove_recording(self, question_id: str, sha256: str) -> bool:
        self._require_editable()
        before = len(self.recordings)
        self.recordings = [r for r in self.recordings if not (r.sha256 == sha256 and r.question_id == question_id)]
        return len(self.recordings) < before

    def record_location(self, outcome: LocationOutcome) -> LocationOutcome:
        """Keep what a request for a location fix came to. Only while the revision is being
        recorded: an outcome that comes after it was frozen is refused (`VisitFrozenError`),
        and the frozen revision keeps saying the event had none."""
        self._require_editable()
        self.locations.append(outcome)
        return outcome

    def finalize(self, at: datetime) -> VisitRevision:
        """Freeze this revision; refused while anything is missing."""
        self._require_editable()
        missing = self.missing(at)
        if missing:
            raise IncompleteVisitError(missing)
        self.status, self.finalized_at = VisitStatus.FINALIZED, at.astimezone(timezone.utc)
        return self.to_revision(at)

    def mark_returned(self) -> None:
        """A coordinator sent the visit back for correction."""
        if self.status not in (VisitStatus.FINALIZED, VisitStatus.SYNCED):
            raise VisitFrozenError(f"a {self.status.value} visit cannot be returned")
        self.status = VisitStatus.RETURNED

    def reopen(self) -> None:
        """Start correcting a returned visit, as its next revision."""
        if self.status != VisitStatus.RETURNED:
            raise VisitFrozenError(f"only a returned visit can be reopened, not a {self.status.value} one")
        self.status, self.revision, self.finalized_at = VisitStatus.IN_PROGRESS, self.revision + 1, None

    def answer_follow_ups(self, values: dict[str, AnswerValue], at: datetime) -> VisitRevision:
        """Answer due follow-ups; this makes and freezes a new revision."""
        if not values:
            raise InvalidAnswerError("no follow-up answers given")
        due = {d.follow_up.id: d.follow_up for d in self.follow_ups_due(at)}
        for fid, value in values.items():
            if fid not in due:
                raise FollowUpNotDueError(f"{fid!r} is not due yet (or the visit is not finalized)")
            check_value(due[fid], value)
        for fid, value in values.items():
            self.follow_ups[fid] = FollowUpAnswer(value=value, answered_at=at)
        self.revision += 1
        self.status, self.finalized_at = VisitStatus.FINALIZED, at.astimezone(timezone.utc)
        return self.to_revision(at)

    def to_revision(self, now: datetime) -> VisitRevision:
        """The revision as the server receives it; a stopwatch's answer is its seconds."""
        answers = dict(self.answers)
        for qid, events in self.timers.items():
            state = stopwatch_state(events, now)
            old = answers.get(qid)
            if state.started and not (old and old.na):
                answers[qid] = Answer(
                    value=int(state.elapsed_seconds), comment=old.comment if old else "",
                    answered_at=max(e.at for e in events),
                )
        locations, unavailable = for_revision(self.locations, self.photos)
        return VisitRevision(
            revision=self.revision,
            assignment_id=self.assignment_id,
            checklist=ChecklistRef(id=self.checklist.id, version=self.checklist.version, sha256=self.checklist_sha256),
            started_at=self.started_at,
            finalized_at=self.finalized_at or now,
            answers=answers,
            timers={k: list(v) for k, v in self.timers.items() if v},
            photos=list(self.photos),
            follow_ups=dict(self.follow_ups),
            locations=locations,
            location_unavailable=unavailable,
            recordings=list(self.recordings),
        )

    def _put(self, question_id: str, *, value: AnswerValue | None, na: bool, at: datetime) -> Answer:
        old = self.answers.get(question_id)
        answer = Answer(value=value, na=na, comment=old.comment if old else "", answered_at=at)
        self.answers[question_id] = answer
        self._touch()
        return answer

    def _require_editable(self) -> None:
        if self.status not in EDITABLE:
            raise VisitFrozenError(
                f"revision {self.revision} of this visit is {self.status.value} and can no longer change"
            )

    def _touch(self) -> None:
        if self.status == VisitStatus.PLANNED:
            self.status = VisitStatus.IN_PROGRESS


def check_value(item: Question | FollowUp, value: object) -> None:
    """Raise `InvalidAnswerError` unless the value fits the question's type."""
    kind = item.type
    is_number = isinstance(value, (int, float)) and not isinstance(value, bool)
    if kind == "yes_no" and not isinstance(value, bool):
        raise InvalidAnswerError(f"{item.id!r} takes yes or no, not {value!r}")
    if kind == "choice" and value not in {o.id for o in item.options or []}:
        raise InvalidAnswerError(f"{value!r} is not an option of {item.id!r}")
    if kind == "text" and (not isinstance(value, str) or len(value) > MAX_TEXT):
        raise InvalidAnswerError(f"{item.id!r} takes a text of at most {MAX_TEXT} characters")
    if kind == "datetime" and parse_moment(value) is None:
        raise InvalidAnswerError(f"{item.id!r} takes a moment with its offset (ISO 8601), not {value!r}")
    if kind == "photo":
        raise InvalidAnswerError(f"{item.id!r} is answered with photos, not a value")
    if kind == "audio":
        raise InvalidAnswerError(f"{item.id!r} is answered with recordings, not a value")
    if kind in ("timer", "counter", "number"):
        if not is_number or not math.isfinite(value):  # type: ignore[arg-type]
            raise InvalidAnswerError(f"{item.id!r} takes a number, not {value!r}")
        if kind == "counter" and value != int(value):  # type: ignore[arg-type]
            raise InvalidAnswerError(f"{item.id!r} counts whole numbers, not {value!r}")
        low = getattr(item, "min_value", None)
        high = getattr(item, "max_value", None)
        low = 0 if low is None and kind in ("timer", "counter") else low
        if low is not None and value < low:  # type: ignore[operator]
            raise InvalidAnswerError(f"{item.id!r} takes {low} or more, not {value!r}")
        if high is not None and value > high:  # type: ignore[operator]
            raise InvalidAnswerError(f"{item.id!r} takes {high} or less, not {value!r}")
