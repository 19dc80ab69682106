"""What a corrected revision changed since the returned one (server_stub.revision_diff):
answers by what they say (not when they were said), comments, photos as (question,
sha256), stopwatch events, follow-ups, in the checklist's order."""

from __future__ import annotations

from field_app.domain.records import VisitRevision
from server_stub.revision_diff import diff_revisions

from server_support import photo, photo_ref, revision

LATER = "2026-11-23T09:00:00Z"


def rev(number: int = 1, **changes) -> VisitRevision:
    body = revision(number)
    for key, value in changes.items():
        if key in ("answers", "timers", "follow_ups"):
            body[key] = {**body[key], **value}
            body[key] = {k: v for k, v in body[key].items() if v is not None}
        else:
            body[key] = value
    return VisitRevision.model_validate(body)


def test_a_correction_that_changes_nothing_is_empty():
    diff = diff_revisions(rev(1), rev(2))
    assert diff.is_empty
    assert (diff.old_revision, diff.new_revision) == (1, 2)


def test_answering_again_with_the_same_words_is_not_a_change():
    again = {"greeted": {"value": True, "answered_at": LATER}, "rings": {"value": 3.0, "answered_at": LATER}}
    assert diff_revisions(rev(1), rev(2, answers=again)).is_empty


def test_a_changed_value_na_or_comment_is_a_change():
    new = rev(2, answers={
        "greeted": {"value": False, "answered_at": LATER},
        "parking": {"value": "street", "answered_at": LATER},  # was "not applicable"
        "mirrors": {"value": False, "comment": "зеркала грязные", "answered_at": LATER},
    })
    diff = diff_revisions(rev(1), new)
    by_id = {a.question_id: a for a in diff.answers}
    assert set(by_id) == {"greeted", "parking", "mirrors"}
    assert by_id["greeted"].value_changed and not by_id["greeted"].comment_changed
    assert by_id["greeted"].old.value is True and by_id["greeted"].new.value is False
    assert by_id["parking"].value_changed and by_id["parking"].old.na
    assert by_id["mirrors"].comment_changed and not by_id["mirrors"].value_changed


def test_true_is_not_the_number_one():
    old = rev(1, answers={"rings": {"value": 1, "answered_at": LATER}})
    new = rev(2, answers={"rings": {"value": True, "answered_at": LATER}})
    assert [a.question_id for a in diff_revisions(old, new).answers] == ["rings"]


def test_an_answer_added_or_taken_away_is_a_change():
    old = rev(1, answers={"notes": None})
    new = rev(2, answers={"notes": {"value": "всё хорошо", "answered_at": LATER}, "rings": None})
    changes = {a.question_id: a for a in diff_revisions(old, new).answers}
    assert changes["notes"].old is None and changes["notes"].new.value == "всё хорошо"
    assert changes["rings"].old.value == 3 and changes["rings"].new is None
    # an answer with no value and no comment says what no answer says
    empty = rev(3, answers={"notes": {"value": None, "answered_at": LATER}})
    assert diff_revisions(old, empty).is_empty


def test_photos_are_added_and_removed_by_question_and_content():
    old = rev(1, photos=[photo_ref(photo(1)), photo_ref(photo(2))])
    new = rev(2, photos=[photo_ref(photo(2)), photo_ref(photo(3)), photo_ref(photo(3)),
                         photo_ref(photo(1), "other_photo")])
    diff = diff_revisions(old, new)
    assert [(p.question_id, p.sha256) for p in diff.photos_added] == [
        ("front_photo", photo_ref(photo(3))["sha256"]), ("other_photo", photo_ref(photo(1))["sha256"])]
    assert [(p.question_id, p.sha256) for p in diff.photos_removed] == [("front_photo", photo_ref(photo(1))["sha256"])]
    assert not diff.answers and not diff.timers


def test_a_stopwatch_changed_when_its_events_did():
    events = [{"event": "start", "at": "2026-11-22T10:01:00Z"}, {"event": "stop", "at": "2026-11-22T10:02:15Z"}]
    diff = diff_revisions(rev(1), rev(2, timers={"consultant_wait": events}))
    assert [t.question_id for t in diff.timers] == ["consultant_wait"]
    assert [e.event for e in diff.timers[0].old] == ["start", "stop"] and diff.timers[0].new[1].at.second == 15
    assert diff_revisions(rev(1), rev(2, timers={"consultant_wait": None})).timers[0].new == ()


def test_follow_ups_are_compared_like_answers():
    old = rev(1, follow_ups={"callback": {"value": False, "answered_at": LATER}})
    new = rev(2, follow_ups={"callback": {"value": True, "comment": "перезвонили", "answered_at": LATER}})
    [change] = diff_revisions(old, new).follow_ups
    assert change.follow_up_id == "callback" and change.value_changed and change.comment_changed


def test_changes_come_in_the_checklists_order_then_by_id():
    new = rev(2, answers={q: {"value": "x", "answered_at": LATER} for q in ("rings", "greeted", "zz", "aa")})
    diff = diff_revisions(rev(1), new, order=["greeted", "mirrors", "rings"])
    assert [a.question_id for a in diff.answers] == ["greeted", "rings", "aa", "zz"]


def test_another_checklist_version_is_a_change():
    body = revision(2)
    body["checklist"] = {**body["checklist"], "version": 2}
    diff = diff_revisions(rev(1), VisitRevision.model_validate(body))
    assert diff.checklist_changed and not diff.is_empty


def test_recordings_are_added_and_removed_by_question_and_content():
    def recording(n: int, question_id: str = "call") -> dict:
        return {"sha256": f"{n:064x}", "bytes": 1000, "question_id": question_id, "recorded_at": "2026-11-22T10:30:00Z"}

    old = rev(1, recordings=[recording(1), recording(2)])
    new = rev(2, recordings=[recording(2), recording(3), recording(3), recording(1, "other_call")])
    diff = diff_revisions(old, new)
    assert [(r.question_id, r.sha256) for r in diff.recordings_added] == [
        ("call", f"{3:064x}"), ("other_call", f"{1:064x}")]
    assert [(r.question_id, r.sha256) for r in diff.recordings_removed] == [("call", f"{1:064x}")]
    assert not diff.is_empty and not diff.photos_added and not diff.answers
    assert diff_revisions(old, rev(2, recordings=[recording(1), recording(2)])).is_empty
