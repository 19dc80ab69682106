"""Does a visit revision fit the checklist version it names? The server asks this of
every revision it receives; the answer is every problem at once, each naming its place
(`answers.greeted: ...`), so a refusal tells the phone's developer all that is wrong.

Completeness is not checked here: the phone refuses to finalize an incomplete visit, and
a revision that answers less than it should is still the shopper's account of the visit.
Nor is where the shopper was: a fix far away is a flag for the coordinator (issue 17),
never a refusal. Only a fix that cannot belong to this revision is refused.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from .checklist import AnswerValue, Checklist, FollowUp, Question
from .due import DEFAULT_TIMEZONE
from .errors import InvalidAnswerError
from .records import VisitRevision
from .scoring import VisitScore
from .visit import Visit, check_value
from .workdays import WorkCalendar, shipped_calendar

FIX_SLACK = timedelta(hours=1)
"""How far outside started_at..finalized_at a location fix may be stamped. The phone takes
its fixes while the visit runs (a finish fix at most 20 s after finalizing), on the clock
that stamps the visit; an hour lets through a phone clock corrected mid-visit (network
time, a zone set by hand). A fix further away is from another day, not from this visit."""


def revision_problems(checklist: Checklist, revision: VisitRevision, *,
                      max_photo_bytes: int | None = None, max_recording_bytes: int | None = None) -> list[str]:
    """Every way the revision does not fit the checklist; empty when it fits."""
    problems: list[str] = []
    questions = {q.id: q for q in checklist.questions()}
    follow_ups = {f.id: f for f in checklist.follow_ups}

    for qid, answer in revision.answers.items():
        q = questions.get(qid)
        if q is None:
            problems.append(f"answers.{qid}: the checklist has no such question")
            continue
        if answer.na and not q.na_allowed:
            problems.append(f"answers.{qid}: cannot be answered N/A")
        if answer.na and answer.value is not None:
            problems.append(f"answers.{qid}: an N/A answer has no value")
        if answer.value is not None:
            problems.extend(_value_problem(f"answers.{qid}", q, answer.value))

    for qid in revision.timers:
        q = questions.get(qid)
        if q is None:
            problems.append(f"timers.{qid}: the checklist has no such question")
        elif q.type != "timer":
            problems.append(f"timers.{qid}: is a {q.type} question, not a stopwatch")

    counts: dict[str, int] = {}
    sizes: dict[str, int] = {}
    for i, photo in enumerate(revision.photos):
        where = f"photos[{i}]"
        q = questions.get(photo.question_id)
        if q is None:
            problems.append(f"{where}: the checklist has no question {photo.question_id!r}")
        else:
            counts[q.id] = counts.get(q.id, 0) + 1
        if max_photo_bytes is not None and photo.bytes > max_photo_bytes:
            problems.append(f"{where}: {photo.bytes} bytes is more than the {max_photo_bytes} a photo may have")
        if sizes.setdefault(photo.sha256, photo.bytes) != photo.bytes:
            problems.append(f"{where}: photo {photo.sha256[:12]} is given two sizes")
    for qid, count in counts.items():
        most = questions[qid].photo_range()[1]
        if count > most:
            problems.append(f"photos: {qid!r} takes at most {most} photo(s), not {count}")
    problems.extend(_recording_problems(questions, revision, max_recording_bytes))

    for fid, answer in revision.follow_ups.items():
        f = follow_ups.get(fid)
        if f is None:
            problems.append(f"follow_ups.{fid}: the checklist has no such follow-up")
        elif answer.value is not None:
            problems.extend(_value_problem(f"follow_ups.{fid}", f, answer.value))
    problems.extend(_location_problems(revision))
    return problems


def _recording_problems(questions: dict[str, Question], revision: VisitRevision,
                        max_bytes: int | None) -> list[str]:
    problems: list[str] = []
    counts: dict[str, int] = {}
    sizes: dict[str, int] = {}
    photos = {photo.sha256 for photo in revision.photos}
    for i, recording in enumerate(revision.recordings):
        where = f"recordings[{i}]"
        q = questions.get(recording.question_id)
        if q is None:
            problems.append(f"{where}: the checklist has no question {recording.question_id!r}")
        elif q.type != "audio":
            problems.append(f"{where}: {q.id!r} is a {q.type} question, not an audio one")
        else:
            counts[q.id] = counts.get(q.id, 0) + 1
        if max_bytes is not None and recording.bytes > max_bytes:
            problems.append(f"{where}: {recording.bytes} bytes is more than the {max_bytes} a recording may have")
        if sizes.setdefault(recording.sha256, recording.bytes) != recording.bytes:
            problems.append(f"{where}: recording {recording.sha256[:12]} is given two sizes")
        # One file is checked as one kind: a JPEG or a recording, never both.
        if recording.sha256 in photos:
            problems.append(f"{where}: {recording.sha256[:12]} is also named as a photo")
    for qid, count in counts.items():
        most = questions[qid].recording_range()[1]
        if count > most:
            problems.append(f"recordings: {qid!r} takes at most {most} recording(s), not {count}")
    return problems


def _location_problems(revision: VisitRevision) -> list[str]:
    photos = {photo.sha256 for photo in revision.photos}
    problems = []
    for i, fix in enumerate(revision.locations):
        where = f"locations[{i}]"
        if fix.photo_sha256 is not None and fix.photo_sha256 not in photos:
            problems.append(f"{where}: the revision has no photo {fix.photo_sha256[:12]}")
        # Differences, not started_at - FIX_SLACK: a visit on 9999-12-31 has no hour after it.
        if revision.started_at - fix.at > FIX_SLACK or fix.at - revision.finalized_at > FIX_SLACK:
            problems.append(f"{where}: taken at {fix.at.isoformat()}, more than {_hours(FIX_SLACK)} "
                            "outside the visit's start and finalization")
    return problems


def _hours(span: timedelta) -> str:
    hours = span / timedelta(hours=1)
    return "an hour" if hours == 1 else f"{hours:g} hours"


def open_follow_ups(checklist: Checklist, revision: VisitRevision, *, timezone: str = DEFAULT_TIMEZONE,
                    brand: str = "", calendar: WorkCalendar | None = None) -> list[tuple[str, datetime]]:
    """The follow-ups the revision leaves unanswered, each with its due moment by its rule
    at a dealership of `brand` in `timezone` (an IANA name) and by `calendar` (by default
    the shipped one), as the phone counts them (`Visit.open_follow_ups`), so the console
    and the phone name the same moment; the phone's store keeps the same list for Today.
    A follow-up that its `show_if` hides for these answers is not asked at all."""
    visit = _as_visit(checklist, revision, timezone=timezone, brand=brand, calendar=calendar)
    return [(f.id, due_at) for f, due_at in visit.open_follow_ups(revision.finalized_at)]


def _value_problem(where: str, item: Question | FollowUp, value: AnswerValue) -> list[str]:
    try:
        check_value(item, value)
    except InvalidAnswerError as exc:
        return [f"{where}: {exc}"]
    return []


def score_revision(checklist: Checklist, revision: VisitRevision, *, timezone: str = DEFAULT_TIMEZONE,
                   brand: str = "", calendar: WorkCalendar | None = None) -> VisitScore:
    """The revision's points as the phone showed them when it was finalized (at a
    dealership of `brand` in `timezone`, as `open_follow_ups` takes them)."""
    visit = _as_visit(checklist, revision, timezone=timezone, brand=brand, calendar=calendar)
    return visit.score(revision.finalized_at)


def standards_met(score: VisitScore) -> dict[str, bool]:
    """For each item that counted, whether it met the standard: its best answer, full points."""
    return {item_id: p.got >= p.out_of for item_id, p in score.questions.items()}


def _as_visit(checklist: Checklist, revision: VisitRevision, *, timezone: str = DEFAULT_TIMEZONE,
              brand: str = "", calendar: WorkCalendar | None = None) -> Visit:
    # Visit knows how show_if reads answers and stopwatches, and when a follow-up falls
    # due where the visit took place; the sha is not needed here.
    return Visit(
        uuid="", checklist=checklist, checklist_sha256=revision.checklist.sha256,
        started_at=revision.started_at, assignment_id=revision.assignment_id,
        finalized_at=revision.finalized_at,
        answers=dict(revision.answers), timers={k: list(v) for k, v in revision.timers.items()},
        photos=list(revision.photos), recordings=list(revision.recordings), follow_ups=dict(revision.follow_ups),
        timezone=timezone, brand=brand, calendar=shipped_calendar() if calendar is None else calendar,
    )

