"""What a corrected revision changed since the returned one, in the coordinator's words:
each answer old → new (the checklist's own words, a stopwatch as m:ss), comments,
photos added and removed, stopwatches and follow-ups. The diff itself is
`revision_diff.diff_revisions`; this only words it for visit.html."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from field_app.domain.checklist import Checklist, FollowUp, Question
from field_app.domain.i18n import Translator
from field_app.domain.records import Answer, FollowUpAnswer, PhotoRef, RecordingRef, TimerEvent, VisitRevision
from field_app.domain.timers import stopwatch_state

from ...reviewing import Correction
from .visit_words import answer_words, clock


@dataclass(frozen=True)
class ChangeRow:
    """One answer before and after; a comment only when it changed."""

    ref: str
    text: str
    old: str
    new: str
    value_changed: bool
    old_comment: str
    new_comment: str
    comment_changed: bool


@dataclass(frozen=True)
class TimerRow:
    ref: str
    text: str
    old: str  # m:ss, or "" without events
    new: str
    old_events: tuple[TimerEvent, ...]
    new_events: tuple[TimerEvent, ...]


@dataclass(frozen=True)
class PhotoRow:
    ref: str
    text: str
    photo: PhotoRef
    stored: bool  # its file has arrived


@dataclass(frozen=True)
class RecordingRow:
    ref: str
    text: str
    recording: RecordingRef
    stored: bool  # its file has arrived


@dataclass(frozen=True)
class Changes:
    correction: Correction
    answers: list[ChangeRow]
    timers: list[TimerRow]
    added: list[PhotoRow]
    removed: list[PhotoRow]
    follow_ups: list[ChangeRow]
    recordings_added: list[RecordingRow]
    recordings_removed: list[RecordingRow]

    @property
    def is_empty(self) -> bool:
        return not (self.correction.diff.checklist_changed or self.answers or self.timers or self.added
                    or self.removed or self.follow_ups or self.recordings_added or self.recordings_removed)


def changes(t: Translator, correction: Correction, new_checklist: Checklist, old_checklist: Checklist,
            stored: Callable[[str], bool]) -> Changes:
    """`stored` says whether a photo's file (by its sha256) has arrived. Items are worded
    as the corrected revision's checklist has them, else as the returned one's."""
    items: dict[str, Question | FollowUp] = {}
    for checklist in (old_checklist, new_checklist):
        items |= {q.id: q for q in checklist.questions()} | {f.id: f for f in checklist.follow_ups}

    def item(item_id: str) -> Question | FollowUp | None:
        return items.get(item_id)

    def named(item_id: str) -> tuple[str, str]:
        found = item(item_id)
        return (getattr(found, "ref", None) or "", found.text) if found is not None else ("", item_id)

    def elapsed(revision: VisitRevision, question_id: str) -> str:
        events = revision.timers.get(question_id) or []
        state = stopwatch_state(events, revision.finalized_at)
        return clock(int(state.elapsed_seconds)) if state.started else ""

    def words(answer: Answer | FollowUpAnswer | None, item_id: str, revision: VisitRevision) -> str:
        if answer is not None and getattr(answer, "na", False):
            return t("visit.na")
        found = item(item_id)
        if found is not None and found.type == "timer" and elapsed(revision, item_id):
            return elapsed(revision, item_id)  # what the events say, as on the rest of the page
        value = answer.value if answer is not None else None
        return answer_words(t, found, value) if found is not None else (t("visit.not_answered") if value is None
                                                                          else str(value))

    def row(change, item_id: str) -> ChangeRow:
        ref, text = named(item_id)
        was, now = words(change.old, item_id, old), words(change.new, item_id, new)
        # A stopwatch's answer is worded from its events: a value beside them that changed
        # alone reads the same (the events' change is under the stopwatches).
        return ChangeRow(ref, text, was, now, change.value_changed and was != now,
                         change.old.comment if change.old else "", change.new.comment if change.new else "",
                         change.comment_changed)

    diff, old, new = correction.diff, correction.old, correction.new
    return Changes(
        correction=correction,
        answers=[r for r in (row(a, a.question_id) for a in diff.answers) if r.value_changed or r.comment_changed],
        timers=[TimerRow(*named(c.question_id), elapsed(old, c.question_id), elapsed(new, c.question_id),
                         c.old, c.new) for c in diff.timers],
        added=[PhotoRow(*named(p.question_id), p, stored(p.sha256)) for p in diff.photos_added],
        removed=[PhotoRow(*named(p.question_id), p, stored(p.sha256)) for p in diff.photos_removed],
        follow_ups=[r for r in (row(f, f.follow_up_id) for f in diff.follow_ups)
                    if r.value_changed or r.comment_changed],
        recordings_added=[RecordingRow(*named(r.question_id), r, stored(r.sha256)) for r in diff.recordings_added],
        recordings_removed=[RecordingRow(*named(r.question_id), r, stored(r.sha256))
                            for r in diff.recordings_removed],
    )
