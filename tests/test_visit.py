"""A visit from the first tap to its revisions."""

from datetime import timedelta

import pytest

from field_app.domain.errors import (
    FollowUpNotDueError, IncompleteVisitError, InvalidAnswerError, UnknownQuestionError, VisitFrozenError,
)
from field_app.domain.records import PhotoRef, VisitRevision, VisitStatus
from field_app.domain.canonical import canonical_json

from field_app.domain.visit import Visit

from samples import SHOWROOM, T0, at, checklist, new_visit

SHA = "ab" * 32


def photo(question_id="front_photo", sha=SHA):
    return PhotoRef(sha256=sha, bytes=1000, question_id=question_id, taken_at=T0)


def completed():
    visit = new_visit()
    visit.add_photo(photo())
    visit.answer("greeted", True, at(1))
    visit.timer("consultant_wait", "start", at(0))
    visit.timer("consultant_wait", "stop", at(200))
    visit.mark_na("parking", at(2))
    visit.answer("test_drive_now", "none", at(3))
    visit.answer("rings", 3, at(4))
    return visit


def test_missing_lists_what_is_left_by_section_in_order():
    missing = new_visit().missing(at(0))
    assert [(m.section_id, m.question_id, m.reason) for m in missing] == [
        ("meeting", "front_photo", "photos"),
        ("meeting", "greeted", "unanswered"),
        ("meeting", "consultant_wait", "unanswered"),
        ("meeting", "parking", "unanswered"),
        ("test_drive", "test_drive_now", "unanswered"),
        ("test_drive", "rings", "unanswered"),
    ]


def test_a_running_stopwatch_blocks_finalizing():
    visit = completed()
    visit.timer("consultant_wait", "start", at(300))
    assert [m.reason for m in visit.missing(at(400))] == ["timer_running"]
    with pytest.raises(IncompleteVisitError):
        visit.finalize(at(400))


def test_several_stopwatches_run_at_once():
    data = {**SHOWROOM, "sections": [{"id": "s", "title": "S", "questions": [
        {"id": f"t{i}", "text": "t", "type": "timer", "bands": [{"label": "any", "score": 1}]} for i in range(3)]}]}
    visit = Visit("v", checklist(data), SHA, T0)
    visit.timer("t0", "start", at(0))
    visit.timer("t1", "start", at(10))
    visit.timer("t0", "stop", at(30))
    visit.timer("t2", "start", at(40))
    assert visit.running_timers(at(50)) == ["t1", "t2"]
    assert [visit.value(f"t{i}", at(50)) for i in range(3)] == [30, 40, 10]


def test_resume_adds_to_the_time_already_counted():
    visit = new_visit()
    for event, t in [("start", 0), ("stop", 60), ("start", 100), ("stop", 130)]:
        visit.timer("consultant_wait", event, at(t))
    assert visit.value("consultant_wait", at(500)) == 90
    assert visit.timer("consultant_wait", "stop", at(140)) is None  # a double tap stores nothing
    visit.timer("consultant_wait", "reset", at(150))
    assert visit.value("consultant_wait", at(500)) is None


def test_photo_minimum_and_maximum():
    visit = new_visit()
    assert any(m.reason == "photos" and m.needed == 1 for m in visit.missing(at(0)))
    for i in range(3):
        visit.add_photo(photo(sha=f"{i:02x}" * 32))
    with pytest.raises(InvalidAnswerError, match="at most 3"):
        visit.add_photo(photo(sha="ff" * 32))
    assert visit.add_photo(photo(sha="00" * 32)) is None  # the same photo twice is one photo
    assert visit.remove_photo("front_photo", "00" * 32)
    assert len(visit.photos_of("front_photo")) == 2


def test_invalid_answers_are_refused_and_change_nothing():
    visit = new_visit()
    bad = [("greeted", "yes"), ("test_drive_now", "maybe"), ("rings", -1), ("rings", 2.5),
           ("rings", True), ("front_photo", "x"), ("consultant_wait", float("nan"))]
    for qid, value in bad:
        with pytest.raises(InvalidAnswerError):
            visit.answer(qid, value, at(0))
    with pytest.raises(InvalidAnswerError):
        visit.mark_na("greeted", at(0))
    with pytest.raises(UnknownQuestionError):
        visit.answer("nope", True, at(0))
    assert visit.answers == {}


def test_comments_survive_a_changed_answer():
    visit = new_visit()
    visit.comment("greeted", "кивнул издалека", at(0))
    visit.answer("greeted", False, at(1))
    assert visit.answers["greeted"].comment == "кивнул издалека"
    assert visit.answers["greeted"].value is False


def test_finalize_freezes_the_revision_with_stopwatch_seconds_as_answers():
    visit = completed()
    revision = visit.finalize(at(600))
    assert visit.status == VisitStatus.FINALIZED
    assert revision.answers["consultant_wait"].value == 200
    assert [e.event for e in revision.timers["consultant_wait"]] == ["start", "stop"]
    assert revision.finalized_at == at(600)
    with pytest.raises(VisitFrozenError):
        visit.answer("greeted", False, at(700))
    assert canonical_json(VisitRevision.model_validate_json(canonical_json(revision))) == canonical_json(revision)


def test_a_returned_visit_is_corrected_as_the_next_revision():
    visit = completed()
    first = visit.finalize(at(600))
    with pytest.raises(VisitFrozenError):
        visit.reopen()  # only a returned visit reopens
    visit.mark_returned()
    visit.reopen()
    visit.answer("greeted", False, at(700))
    second = visit.finalize(at(800))
    assert (first.revision, second.revision) == (1, 2)
    assert first.answers["greeted"].value is True and second.answers["greeted"].value is False


def test_follow_ups_come_due_and_make_a_new_revision():
    visit = completed()
    assert visit.follow_ups_due(at(10)) == []  # not finalized yet
    visit.finalize(at(600))
    assert visit.follow_ups_due(T0 + timedelta(hours=47)) == []
    with pytest.raises(FollowUpNotDueError):
        visit.answer_follow_ups({"callback": True}, T0 + timedelta(hours=47))
    due = visit.follow_ups_due(T0 + timedelta(hours=48))
    assert [(d.follow_up.id, d.due_at, d.answered) for d in due] == [("callback", T0 + timedelta(hours=48), False)]
    before = visit.score(at(0)).total
    revision = visit.answer_follow_ups({"callback": False}, T0 + timedelta(hours=50))
    assert revision.revision == 2 and revision.follow_ups["callback"].value is False
    assert visit.score(at(0)).total.out_of == before.out_of + 1
    assert visit.follow_ups_due(T0 + timedelta(hours=51))[0].answered


def test_a_follow_up_answer_must_fit_its_type():
    visit = completed()
    visit.finalize(at(600))
    with pytest.raises(InvalidAnswerError):
        visit.answer_follow_ups({"callback": "yes"}, T0 + timedelta(hours=49))
    assert visit.revision == 1 and visit.follow_ups == {}


def test_a_double_tap_on_a_stopped_stopwatch_leaves_no_trace():
    visit = new_visit()
    assert visit.timer("consultant_wait", "stop", at(0)) is None
    assert visit.timers == {}


def test_no_follow_up_answers_make_no_revision():
    visit = completed()
    visit.finalize(at(600))
    with pytest.raises(InvalidAnswerError):
        visit.answer_follow_ups({}, T0 + timedelta(hours=49))
    assert visit.revision == 1


def test_photo_range_of_each_kind_of_question():
    visit = new_visit()
    assert visit.question("front_photo").photo_range() == (1, 3)  # its own rule
    assert visit.question("greeted").photo_range() == (0, 0)
    bare = visit.question("front_photo").model_copy(update={"photos": None})
    assert bare.photo_range() == (1, 10)
    assert bare.model_copy(update={"required": False}).photo_range() == (0, 10)
