"""Does a visit revision fit the checklist version it names? The server asks this of
every revision it receives; the answer is every problem at once, each naming its place
(`answers.greeted: ...`), so a refusal tells the phone's developer all that is wrong.

Completeness is not checked here: the phone refuses to finalize an incomplete visit, and
a revision that answers less than it should is still the shopper's account of the visit.
"""

from __future__ import annotations

from datetime import datetime

from .checklist import AnswerValue, Checklist, FollowUp, Question
from .due import DEFAULT_TIMEZONE
from .errors import InvalidAnswerError
from .records import VisitRevision
from .scoring import VisitScore
from .visit import Visit, check_value
from .workdays import WorkCalendar, shipped_calendar


def revision_problems(checklist: Checklist, revision: VisitRevision, *,
                      max_photo_bytes: int | None = None) -> list[str]:
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

    for fid, answer in revision.follow_ups.items():
        f = follow_ups.get(fid)
        if f is None:
            problems.append(f"follow_ups.{fid}: the checklist has no such follow-up")
        elif answer.value is not None:
            problems.extend(_value_problem(f"follow_ups.{fid}", f, answer.value))
    return problems


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
        photos=list(revision.photos), follow_ups=dict(revision.follow_ups),
        timezone=timezone, brand=brand, calendar=shipped_calendar() if calendar is None else calendar,
    )

