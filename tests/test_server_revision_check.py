"""`revision_check`: the pure check of a received revision against its checklist, and the
follow-ups it leaves open (no server needed)."""

from __future__ import annotations

import copy
from datetime import datetime, timezone

from field_app.domain.records import VisitRevision
from field_app.domain.revision_check import open_follow_ups, revision_problems
from field_app.domain.workdays import WorkCalendar, parse_year

from samples import SHOWROOM, checklist
from server_support import revision

MINI = checklist()


def parsed(body: dict) -> VisitRevision:
    return VisitRevision.model_validate(body)


def test_a_fitting_revision_has_no_problems():
    assert revision_problems(MINI, parsed(revision(photos=[b"a" * 10]))) == []


def test_every_problem_is_named_by_its_place():
    body = revision(greeted=3)
    body["answers"]["ghost"] = {"value": True, "answered_at": "2026-11-22T10:00:00Z"}
    body["answers"]["rings"]["value"] = 2.5
    body["answers"]["notes"] = {"value": "x" * 4001, "answered_at": "2026-11-22T10:00:00Z"}
    body["answers"]["front_photo"] = {"value": "a photo", "answered_at": "2026-11-22T10:00:00Z"}
    body["answers"]["consultant_wait"]["value"] = -1
    body["answers"]["mirrors"] = {"na": True, "answered_at": "2026-11-22T10:00:00Z"}
    body["timers"]["rings"] = []
    body["timers"]["nothing"] = []
    body["follow_ups"] = {"callback": {"value": "yes", "answered_at": "2026-11-24T10:00:00Z"}}
    problems = revision_problems(MINI, parsed(body))
    assert [p.split(":")[0] for p in problems] == [
        "answers.greeted", "answers.mirrors", "answers.rings", "answers.consultant_wait", "answers.ghost",
        "answers.notes", "answers.front_photo", "timers.rings", "timers.nothing", "follow_ups.callback",
    ]
    assert "takes yes or no, not 3" in problems[0]
    assert "cannot be answered N/A" in problems[1]
    assert "whole numbers" in problems[2]
    assert "takes 0 or more" in problems[3]


def test_photos_must_belong_to_questions_that_take_them():
    body = revision(photos=[b"a", b"b", b"c", b"d"])
    body["photos"][3]["question_id"] = "greeted"
    body["photos"].append({**body["photos"][0], "question_id": "nowhere"})
    problems = revision_problems(MINI, parsed(body))
    assert "photos[4]: the checklist has no question 'nowhere'" in problems
    assert "photos: 'greeted' takes at most 0 photo(s), not 1" in problems
    four = revision(photos=[b"1", b"2", b"3", b"4"])
    assert revision_problems(MINI, parsed(four)) == ["photos: 'front_photo' takes at most 3 photo(s), not 4"]


def test_a_photo_has_one_size_and_a_limit():
    body = revision(photos=[b"same"])
    body["photos"].append({**body["photos"][0], "bytes": 99, "question_id": "front_photo"})
    assert revision_problems(MINI, parsed(body)) == [f"photos[1]: photo {body['photos'][0]['sha256'][:12]} "
                                                     "is given two sizes"]
    big = revision(photos=[b"x" * 11])
    assert revision_problems(MINI, parsed(big), max_photo_bytes=10) == [
        "photos[0]: 11 bytes is more than the 10 a photo may have",
    ]


def test_an_unanswered_follow_up_is_due_its_hours_after_the_visit_started():
    # As the phone counts (Visit.follow_up_due_at): started 10:00, finalized 10:48.
    assert open_follow_ups(MINI, parsed(revision())) == [("callback", datetime(2026, 11, 24, 10, 0,
                                                                                tzinfo=timezone.utc))]
    answered = revision(follow_ups={"callback": {"value": False, "answered_at": "2026-11-24T11:00:00Z"}})
    assert open_follow_ups(MINI, parsed(answered)) == []


def test_a_follow_up_its_show_if_hides_is_not_asked():
    data = copy.deepcopy(SHOWROOM)
    data["follow_ups"][0]["show_if"] = {"question": "test_drive_now", "in": ["yes", "no"]}
    conditional = checklist(data)
    shown = revision()
    assert [f for f, _ in open_follow_ups(conditional, parsed(shown))] == ["callback"]
    hidden = revision()
    hidden["answers"]["test_drive_now"]["value"] = "none"
    assert open_follow_ups(conditional, parsed(hidden)) == []


def test_a_due_date_past_the_calendar_is_kept_at_its_end():
    late = revision(started_at="9999-12-31T20:00:00Z", finalized_at="9999-12-31T21:00:00Z")
    ((_, due),) = open_follow_ups(MINI, parsed(late))
    assert due.year == 9999


def test_a_follow_up_falls_due_where_the_dealership_is_by_the_calendar_given():
    data = copy.deepcopy(SHOWROOM)
    data["follow_ups"][0] = {"id": "callback", "text": "Перезвонили?", "type": "yes_no",
                             "due": {"anchor": "start", "within_working_days": 2}}
    two_days = checklist(data)
    # Started on Thursday 19 November 2026 at 18:00 in Moscow: Friday 01:00 in Vladivostok.
    body = parsed(revision(started_at="2026-11-19T15:00:00Z", finalized_at="2026-11-19T15:50:00Z"))
    utc = timezone.utc
    assert open_follow_ups(two_days, body) == [("callback", datetime(2026, 11, 23, 21, tzinfo=utc))]
    assert open_follow_ups(two_days, body, timezone="Asia/Vladivostok") == [
        ("callback", datetime(2026, 11, 24, 14, tzinfo=utc))]
    day_off = WorkCalendar([parse_year({"year": 2026, "transfers": [{"from": "2026-11-28", "to": "2026-11-20"}]})])
    assert open_follow_ups(two_days, body, calendar=day_off) == [("callback", datetime(2026, 11, 24, 21, tzinfo=utc))]


def test_a_follow_up_counted_from_the_finish_counts_from_the_revisions_finish():
    data = copy.deepcopy(SHOWROOM)
    data["follow_ups"][0] = {"id": "callback", "text": "Перезвонили?", "type": "yes_no",
                             "due": {"anchor": "finish", "after_hours": 48},
                             "brands": {"Mazda": {"anchor": "finish", "after_hours": 72}}}
    from_finish = checklist(data)
    body = parsed(revision())  # started 10:00, finalized 10:48
    assert open_follow_ups(from_finish, body) == [("callback", datetime(2026, 11, 24, 10, 48, tzinfo=timezone.utc))]
    assert open_follow_ups(from_finish, body, brand="MAZDA") == [
        ("callback", datetime(2026, 11, 25, 10, 48, tzinfo=timezone.utc))]
