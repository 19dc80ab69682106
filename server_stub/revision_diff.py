"""What changed between two revisions of a visit: the coordinator returned one, the
shopper sent a correction, and the console shows what the correction changed.

Pure: two `VisitRevision` records in, a `RevisionDiff` out; no database, no checklist.
An answer changed when its value, its "not applicable" or its comment did (not when it
was merely answered again with the same words); a photo is the pair (question, sha256),
so a photo moved to another question is removed from one and added to the other, and so
is a recording (issue 17); a stopwatch changed when its events did.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import TypeVar

from field_app.domain.checklist import AnswerValue
from field_app.domain.records import Answer, FollowUpAnswer, PhotoRef, RecordingRef, TimerEvent, VisitRevision


@dataclass(frozen=True)
class AnswerChange:
    """One question's answer before and after (None: there was no answer)."""

    question_id: str
    old: Answer | None
    new: Answer | None

    @property
    def value_changed(self) -> bool:
        return _said(self.old) != _said(self.new)

    @property
    def comment_changed(self) -> bool:
        return _comment(self.old) != _comment(self.new)


@dataclass(frozen=True)
class TimerChange:
    """One stopwatch's events before and after."""

    question_id: str
    old: tuple[TimerEvent, ...]
    new: tuple[TimerEvent, ...]


@dataclass(frozen=True)
class FollowUpChange:
    """One follow-up's answer before and after."""

    follow_up_id: str
    old: FollowUpAnswer | None
    new: FollowUpAnswer | None

    @property
    def value_changed(self) -> bool:
        return _said(self.old) != _said(self.new)

    @property
    def comment_changed(self) -> bool:
        return _comment(self.old) != _comment(self.new)


@dataclass(frozen=True)
class RevisionDiff:
    old_revision: int
    new_revision: int
    checklist_changed: bool  # filled against another checklist version
    answers: list[AnswerChange] = field(default_factory=list)
    timers: list[TimerChange] = field(default_factory=list)
    photos_added: list[PhotoRef] = field(default_factory=list)
    photos_removed: list[PhotoRef] = field(default_factory=list)
    follow_ups: list[FollowUpChange] = field(default_factory=list)
    recordings_added: list[RecordingRef] = field(default_factory=list)
    recordings_removed: list[RecordingRef] = field(default_factory=list)

    @property
    def is_empty(self) -> bool:
        return not (self.checklist_changed or self.answers or self.timers or self.photos_added
                    or self.photos_removed or self.follow_ups or self.recordings_added or self.recordings_removed)


def diff_revisions(old: VisitRevision, new: VisitRevision, order: Iterable[str] = ()) -> RevisionDiff:
    """What `new` changed of `old`. Questions and follow-ups come in `order` (their ids,
    as the checklist lists them), any others after those by id; photos as each revision
    lists them."""
    rank = {qid: i for i, qid in enumerate(order)}
    answers = [AnswerChange(qid, old.answers.get(qid), new.answers.get(qid))
               for qid in _ids(old.answers, new.answers, rank)]
    timers = [TimerChange(qid, tuple(old.timers.get(qid, ())), tuple(new.timers.get(qid, ())))
              for qid in _ids(old.timers, new.timers, rank)]
    follow_ups = [FollowUpChange(fid, old.follow_ups.get(fid), new.follow_ups.get(fid))
                  for fid in _ids(old.follow_ups, new.follow_ups, rank)]
    had, has = _photo_keys(old.photos), _photo_keys(new.photos)
    heard, hears = _photo_keys(old.recordings), _photo_keys(new.recordings)
    return RevisionDiff(
        old_revision=old.revision, new_revision=new.revision, checklist_changed=old.checklist != new.checklist,
        answers=[a for a in answers if a.value_changed or a.comment_changed],
        timers=[t for t in timers if t.old != t.new],
        photos_added=_once(p for p in new.photos if (p.question_id, p.sha256) not in had),
        photos_removed=_once(p for p in old.photos if (p.question_id, p.sha256) not in has),
        follow_ups=[f for f in follow_ups if f.value_changed or f.comment_changed],
        recordings_added=_once(r for r in new.recordings if (r.question_id, r.sha256) not in heard),
        recordings_removed=_once(r for r in old.recordings if (r.question_id, r.sha256) not in hears),
    )


def _ids(old: Mapping[str, object], new: Mapping[str, object], rank: dict[str, int]) -> list[str]:
    return sorted(set(old) | set(new), key=lambda qid: (qid not in rank, rank.get(qid, 0), qid))


def _said(answer: Answer | FollowUpAnswer | None) -> tuple:
    """What an answer says, comparable: True is not 1, though Python says they are equal."""
    if answer is None:  # says what an answer without a value says
        return (False, _value_key(None))
    na = getattr(answer, "na", False)
    return (na, None) if na else (False, _value_key(answer.value))


def _value_key(value: AnswerValue | None) -> tuple:
    if isinstance(value, bool):
        return ("bool", value)
    if isinstance(value, (int, float)):
        return ("number", value)  # 3 and 3.0 read the same
    return (type(value).__name__, value)


def _comment(answer: Answer | FollowUpAnswer | None) -> str:
    return answer.comment if answer is not None else ""


Attached = TypeVar("Attached", PhotoRef, RecordingRef)


def _photo_keys(photos: Iterable[PhotoRef | RecordingRef]) -> set[tuple[str, str]]:
    return {(p.question_id, p.sha256) for p in photos}


def _once(photos: Iterable[Attached]) -> list[Attached]:
    """One photo (or recording) named twice by a question is one (as the server stores it)."""
    seen: dict[tuple[str, str], Attached] = {}
    for p in photos:
        seen.setdefault((p.question_id, p.sha256), p)
    return list(seen.values())
