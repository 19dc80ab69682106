"""One visit: a revision's answers beside each item's market rank, its stopwatches, photos
and follow-ups, the visit's history, and the coordinator's verdict (approve or return).

Opened from a list (its view and filters in the address, see `listing.py`), the page
links the list's previous and next visits, and a verdict goes on to the next visit of
the list that waits for one, saying what was done to which visit. A revision sent after
the one returned shows what it changed since (`visit_changes.py`). The evidence panel
shows the revision's flags, where the phone was and when its photos were taken
(`visit_evidence.py`); a flagged revision is approved only with a comment
(`reviewing.needs_comment`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, HTMLResponse, Response
from starlette.datastructures import FormData

from field_app.domain.checklist import Checklist, FollowUp, Question, Section
from field_app.domain.due import zone_or_default
from field_app.domain.records import PhotoRef, TimerEvent
from field_app.domain.scoring import Points
from field_app.domain.timers import stopwatch_state
from field_app.domain.visit import MAX_TEXT
from field_app.domain.i18n import Translator

from ... import recordings, reviewing, thumbnails, visit_proof, visits
from ...errors import FlaggedApprovalError, NotFoundError, RevisionConflictError
from ...visits import VisitDetail
from ..listing import ListChoice
from ..web import NO_STORE, Form, Session, Store, redirect, render, translator
from .visit_changes import changes
from .visit_evidence import panel
from .visit_words import answer_words, clock

__all__ = ["answer_words", "clock", "router"]

router = APIRouter()
# A photo is served as exactly what it is, and kept out of shared caches like the pages.
PHOTO_HEADERS = NO_STORE | {"X-Content-Type-Options": "nosniff"}


@dataclass(frozen=True)
class Row:
    """A question as the page lists it: the answer in words, its points and comment."""

    question: Question
    words: str
    comment: str
    points: str


@dataclass(frozen=True)
class Stopwatch:
    question: Question
    events: list[TimerEvent]
    seconds: int


@dataclass(frozen=True)
class FollowUpRow:
    follow_up: FollowUp
    words: str  # empty while unanswered
    comment: str
    answered_at: datetime | None
    due_at: datetime | None  # when an unanswered one falls due; None when it is not asked


@router.get("/visits/{uuid}", response_class=HTMLResponse)
def visit_page(request: Request, uuid: str, store: Store, _session: Session,
               revision: str = "", reviewed: str = "", reviewed_visit: str = "") -> HTMLResponse:
    number = _number(revision) if revision else None
    if number == 0:
        return _not_found(request)
    listing = ListChoice.read(request.query_params)
    if reviewed not in ("approve", "return"):
        reviewed = ""
    # A verdict on the visit the coordinator left: said above the next one, if it holds.
    done = None
    if reviewed and reviewed_visit and reviewed_visit != uuid:
        done = next((v for v in reviewing.visits_listed(store, [reviewed_visit])
                     if v.status == {"approve": "approved", "return": "returned"}[reviewed]), None)
        reviewed = ""
    return _page(request, store, uuid, number, listing, reviewed=reviewed, done=done)


@router.post("/visits/{uuid}/approve")
def approve(request: Request, uuid: str, store: Store, session: Session, form: Form) -> Response:
    return _review(request, store, session.username, uuid, "approve", form)


@router.post("/visits/{uuid}/return")
def return_visit(request: Request, uuid: str, store: Store, session: Session, form: Form) -> Response:
    return _review(request, store, session.username, uuid, "return", form)


@router.get("/visits/{uuid}/photos/{sha256}")
def photo(request: Request, uuid: str, sha256: str, store: Store, _session: Session) -> Response:
    try:
        path = visits.photo_file(store, uuid, sha256)
    except NotFoundError:
        return _not_found(request)
    return FileResponse(path, media_type="image/jpeg", headers=PHOTO_HEADERS)


@router.get("/visits/{uuid}/recordings/{sha256}")
def recording(request: Request, uuid: str, sha256: str, store: Store, _session: Session) -> Response:
    """The recording as it was uploaded, with its container's type; a browser's <audio>
    seeks with Range requests, which FileResponse answers (206 with the slice)."""
    try:
        path, facts = recordings.recording_file(store, uuid, sha256)
    except NotFoundError:
        return _not_found(request)
    return FileResponse(path, media_type=facts.content_type, headers=PHOTO_HEADERS)


@router.get("/visits/{uuid}/photos/{sha256}/thumb")
def photo_thumbnail(request: Request, uuid: str, sha256: str, store: Store, _session: Session) -> Response:
    try:
        path = visits.photo_file(store, uuid, sha256)
    except NotFoundError:
        return _not_found(request)
    return FileResponse(thumbnails.thumbnail(store, sha256, path), media_type="image/jpeg", headers=PHOTO_HEADERS)


def _review(request: Request, store: Store, by: str, uuid: str, action: str, form: FormData) -> Response:
    listing = ListChoice.read(form)
    comment = str(form.get("comment") or "")
    problem = visits.review_problem(action, comment)
    if problem is not None:
        return _page(request, store, uuid, None, listing, status_code=400, problem=problem, action=action,
                     comment=comment)
    try:
        # The revision the form was drawn for: a newer one arriving meanwhile is read first.
        reviewing.review(store, uuid, action, comment, by, revision=_number(str(form.get("revision") or "")))
    except FlaggedApprovalError:
        return _page(request, store, uuid, None, listing, status_code=400, problem=reviewing.FLAGGED_NEEDS_COMMENT,
                     action=action, comment=comment)
    except RevisionConflictError:
        return _page(request, store, uuid, None, listing, status_code=409, problem="stale", action=action,
                     comment=comment)
    except NotFoundError:
        return _not_found(request)
    visit_list = listing.visit_list()
    if visit_list is None:  # opened from elsewhere: the verdict is shown where it was passed
        return redirect(f"/visits/{uuid}", reviewed=action)
    following = reviewing.next_waiting(store, visit_list, uuid)
    if following is None:  # the list's last one: the verdict is shown where it was passed
        return redirect(f"/visits/{uuid}", **listing.query(), reviewed=action)
    return redirect(f"/visits/{following}", **listing.query(), reviewed=action, reviewed_visit=uuid)


def _page(request: Request, store: Store, uuid: str, number: int | None, listing: ListChoice,
          status_code: int = 200, **context: object) -> HTMLResponse:
    try:
        detail = visits.visit_detail(store, uuid, number)
    except NotFoundError:
        return _not_found(request)
    t = translator(request)
    visit_list = listing.visit_list()
    correction = reviewing.correction(store, detail)
    proof = visit_proof.proof(store, uuid, detail.revision, detail.header.dealer_code)
    context = {"problem": "", "action": "", "comment": "", "reviewed": "", "done": None} | context
    return render(
        request, "visit.html", status_code, v=detail, sections=_sections(t, detail),
        zone=zone_or_default(proof.timezone), zone_name=proof.timezone,
        evidence=panel(t, detail, proof), stopwatches=_stopwatches(detail), photo_groups=_photo_groups(detail),
        recording_groups=_recording_groups(store, detail),
        follow_ups=_follow_ups(t, detail),
        clock=clock, max_comment=MAX_TEXT, list_query=listing.query(), view=listing.view,
        place=reviewing.place(store, visit_list, uuid) if visit_list else None,
        changes=changes(t, correction, detail.checklist, _checklist_of(store, correction), store.files.is_in_place)
        if correction else None,
        **context,
    )


def _checklist_of(store: Store, correction: reviewing.Correction) -> Checklist:
    """The checklist the returned revision was filled against."""
    ref = correction.old.checklist
    return store.catalog.get(ref.id, ref.version).checklist


def _sections(t: Translator, detail: VisitDetail) -> list[tuple[Section, list[Row]]]:
    photos: dict[str, int] = {}
    for p in detail.revision.photos:
        photos[p.question_id] = photos.get(p.question_id, 0) + 1
    result = []
    for section in detail.checklist.sections:
        rows = []
        for q in section.questions:
            answer = detail.revision.answers.get(q.id)
            if q.type == "photo":
                words = t("visit.photo_count", count=photos.get(q.id, 0))
            elif q.type == "audio":
                words = t("visit.recording_count", count=len([r for r in detail.revision.recordings
                                                              if r.question_id == q.id]))
            elif q.id not in detail.shown:
                words = t("visit.not_shown")
            elif answer is not None and answer.na:
                words = t("visit.na")
            else:
                words = answer_words(t, q, detail.values[q.id])
            rows.append(Row(q, words, answer.comment if answer else "", _points(detail.score.questions.get(q.id))))
        result.append((section, rows))
    return result


def _points(points: Points | None) -> str:
    return "—" if points is None else f"{points.got:g} / {points.out_of:g}"


def _stopwatches(detail: VisitDetail) -> list[Stopwatch]:
    return [
        Stopwatch(q, detail.revision.timers[q.id],
                  int(stopwatch_state(detail.revision.timers[q.id], detail.revision.finalized_at).elapsed_seconds))
        for q in detail.checklist.questions() if detail.revision.timers.get(q.id)
    ]


def _photo_groups(detail: VisitDetail) -> list[tuple[Question, list[PhotoRef]]]:
    groups = []
    for q in detail.checklist.questions():
        mine = [p for p in detail.revision.photos if p.question_id == q.id]
        if mine:
            groups.append((q, mine))
    return groups


def _recording_groups(store: Store, detail: VisitDetail) -> list[tuple[Question, list[recordings.Recording]]]:
    """Each audio question with the revision's recordings of it; none when it asks none."""
    found = recordings.of_revision(store, detail.revision)
    groups = []
    for q in detail.checklist.questions():
        mine = [r for r in found if r.ref.question_id == q.id]
        if q.type == "audio" or mine:
            groups.append((q, mine))
    return groups


def _follow_ups(t: Translator, detail: VisitDetail) -> list[FollowUpRow]:
    rows = []
    for f in detail.checklist.follow_ups:
        answer = detail.revision.follow_ups.get(f.id)
        if answer is not None and answer.value is not None:
            rows.append(FollowUpRow(f, answer_words(t, f, answer.value), answer.comment, answer.answered_at, None))
        else:
            rows.append(FollowUpRow(f, "", answer.comment if answer else "", None,
                                    detail.pending_follow_ups.get(f.id)))
    return rows


def _number(text: str) -> int:
    """A revision number from a query or a form; 0 (no revision has it) when it is not one."""
    return int(text) if text.isascii() and text.isdigit() and len(text) <= 18 else 0


def _not_found(request: Request) -> HTMLResponse:
    return render(request, "error.html", 404, message_key="visit.not_found")
