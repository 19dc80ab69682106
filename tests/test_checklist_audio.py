"""The `audio` question type (issue 17, point 3): the format and its problems, a revision's
recordings, and when a visit asking for one is complete. The server's checks of the
recording's file are in tests/test_server_audio.py."""

from __future__ import annotations

import copy
import json
from datetime import timedelta
from pathlib import Path

import pytest
import yaml
from hypothesis import given, strategies as st

from field_app.domain.canonical import canonical_json, checklist_json, checklist_sha256
from field_app.domain.checklist import DEFAULT_MAX_SECONDS
from field_app.domain.errors import ChecklistError, InvalidAnswerError
from field_app.domain.loader import load_checklist
from field_app.domain.records import PhotoRef, RecordingRef, VisitRevision
from field_app.domain.revision_check import revision_problems, score_revision
from field_app.domain.visit import Missing

from samples import SHOWROOM, T0, at, checklist, new_visit

REPO = Path(__file__).resolve().parents[1]
SHA = "ab" * 32
OTHER = "cd" * 32


def with_audio(**fields) -> dict:
    """SHOWROOM with an audio question `call` at the end of its first section."""
    data = copy.deepcopy(SHOWROOM)
    data["sections"][0]["questions"].append({"id": "call", "text": "Запись звонка", "type": "audio", **fields})
    return data


def recording(sha: str = SHA, question_id: str = "call", size: int = 48_000) -> RecordingRef:
    return RecordingRef(sha256=sha, bytes=size, question_id=question_id, recorded_at=at(60))


def codes_of(tmp_path, data):
    path = tmp_path / "1.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    with pytest.raises(ChecklistError) as caught:
        load_checklist(path)
    return [(p.question_id, p.field, p.code, p.values) for p in caught.value.problems]


# --- the format ------------------------------------------------------------------------


def test_an_audio_question_takes_one_recording_of_at_most_15_minutes_by_default():
    q = checklist(with_audio()).question("call")
    assert (q.recording_range(), q.recording_seconds()) == ((1, 3), DEFAULT_MAX_SECONDS) == ((1, 3), 900)
    optional = checklist(with_audio(required=False)).question("call")
    assert optional.recording_range() == (0, 3)


def test_an_audio_question_may_say_how_many_recordings_and_how_long():
    q = checklist(with_audio(recordings={"min": 2, "max": 4}, max_seconds=300)).question("call")
    assert (q.recording_range(), q.recording_seconds()) == ((2, 4), 300)


def test_other_questions_take_no_recording():
    q = checklist().question("front_photo")
    assert (q.recording_range(), q.recording_seconds()) == ((0, 0), 0)


@pytest.mark.parametrize(("change", "expected"), [
    ({"max_seconds": 60}, [("greeted", "max_seconds", "max_seconds_not_for_type", {"type": "yes_no"})]),
    ({"recordings": {"min": 1}}, [("greeted", "recordings", "recordings_not_for_type", {"type": "yes_no"})]),
])
def test_recordings_and_max_seconds_on_another_type_are_problems(tmp_path, change, expected):
    data = copy.deepcopy(SHOWROOM)
    data["sections"][0]["questions"][1].update(change)  # greeted, yes_no
    assert codes_of(tmp_path, data) == expected


def test_more_minimum_recordings_than_maximum_is_a_problem(tmp_path):
    data = with_audio(recordings={"min": 3, "max": 2})
    assert codes_of(tmp_path, data) == [("call", "recordings", "recordings_min_above_max", {})]


@pytest.mark.parametrize("seconds", [0, -5, 4 * 3600 + 1])
def test_max_seconds_out_of_range_names_its_limit(tmp_path, seconds):
    [(qid, field, code, _)] = codes_of(tmp_path, with_audio(max_seconds=seconds))
    assert (qid, field, code) == ("call", "max_seconds", "at_least" if seconds < 1 else "at_most")


def test_bands_on_an_audio_question_are_a_problem(tmp_path):
    data = with_audio(bands=[{"label": "любой", "score": 1}])
    assert [c[2] for c in codes_of(tmp_path, data)] == ["bands_not_for_type"]


def test_the_console_words_the_new_problems_in_both_languages():
    for language in ("en", "ru"):
        path = REPO / "server_stub" / "console" / "translations" / language / "checklist_problems.json"
        words = json.loads(path.read_text(encoding="utf-8"))
        assert "{type}" in words["recordings_not_for_type"] and "{type}" in words["max_seconds_not_for_type"]
        assert "recordings.min" in words["recordings_min_above_max"]


def test_an_absent_limit_stays_out_of_the_hash_and_a_given_one_is_in_it():
    assert b"max_seconds" not in checklist_json(checklist(with_audio()))
    assert b'"max_seconds":60' in checklist_json(checklist(with_audio(max_seconds=60)))
    assert checklist_sha256(checklist(with_audio(max_seconds=60))) != checklist_sha256(checklist(with_audio()))


# --- a visit ---------------------------------------------------------------------------


def finished_but_the_call(data: dict):
    visit = new_visit(data)
    visit.add_photo(PhotoRef(sha256=OTHER, bytes=1000, question_id="front_photo", taken_at=at(1)))
    visit.answer("greeted", True, at(2))
    visit.timer("consultant_wait", "start", at(3))
    visit.timer("consultant_wait", "stop", at(30))
    visit.answer("parking", True, at(31))
    visit.answer("test_drive_now", "none", at(32))
    visit.answer("rings", 2, at(33))
    return visit


def test_a_required_audio_question_is_missing_until_a_recording_is_attached():
    visit = finished_but_the_call(with_audio())
    assert visit.missing(at(100)) == [Missing("meeting", "call", "recordings", 1)]
    visit.add_recording(recording())
    assert visit.missing(at(100)) == []
    revision = visit.finalize(at(100))
    assert revision.recordings == [recording()]


def test_an_audio_question_is_never_answered_with_a_value_and_never_scored():
    visit = finished_but_the_call(with_audio())
    with pytest.raises(InvalidAnswerError):
        visit.answer("call", True, at(40))
    visit.add_recording(recording())
    revision = visit.finalize(at(100))
    score = score_revision(visit.checklist, revision)
    assert "call" not in score.questions
    without = finished_but_the_call(copy.deepcopy(SHOWROOM)).finalize(at(100))
    assert score.total == score_revision(checklist(), without).total


def test_a_recording_attached_twice_is_kept_once_and_the_maximum_holds():
    visit = finished_but_the_call(with_audio(recordings={"min": 0, "max": 1}))
    assert visit.add_recording(recording()) == recording()
    assert visit.add_recording(recording()) is None
    with pytest.raises(InvalidAnswerError):
        visit.add_recording(recording(OTHER))
    assert visit.remove_recording("call", SHA) and visit.recordings == []


def test_an_na_audio_question_wants_no_recording():
    visit = finished_but_the_call(with_audio(na_allowed=True))
    visit.mark_na("call", at(40))
    assert visit.missing(at(100)) == []


@given(wanted=st.integers(0, 5), attached=st.integers(0, 5))
def test_missing_recordings_count_what_is_left(wanted, attached):
    visit = finished_but_the_call(with_audio(recordings={"min": wanted, "max": 5}))
    for i in range(attached):
        visit.add_recording(recording(f"{i:064x}"))
    left = max(0, wanted - attached)
    assert visit.missing(at(100)) == ([Missing("meeting", "call", "recordings", left)] if left else [])


# --- a revision ------------------------------------------------------------------------


def revision(*recordings: RecordingRef, photos: tuple[PhotoRef, ...] = ()) -> VisitRevision:
    sha = checklist_sha256(checklist(with_audio()))
    return VisitRevision.model_validate({
        "revision": 1, "checklist": {"id": "mini_showroom", "version": 1, "sha256": sha},
        "started_at": T0, "finalized_at": T0 + timedelta(minutes=30),
        "photos": [p.model_dump() for p in photos], "recordings": [r.model_dump() for r in recordings],
    })


def test_a_revision_without_recordings_keeps_its_old_bytes():
    assert b"recordings" not in canonical_json(revision())
    assert b'"recordings":[{"bytes":48000' in canonical_json(revision(recording()))


def test_a_revision_with_fitting_recordings_has_no_problem():
    assert revision_problems(checklist(with_audio()), revision(recording()), max_recording_bytes=48_000) == []


@pytest.mark.parametrize(("recordings", "photos", "problem"), [
    ((recording(question_id="nope"),), (), "recordings[0]: the checklist has no question 'nope'"),
    ((recording(question_id="greeted"),), (), "recordings[0]: 'greeted' is a yes_no question, not an audio one"),
    ((recording(size=48_001),), (), "recordings[0]: 48001 bytes is more than the 48000 a recording may have"),
    ((recording(), recording(question_id="call", size=5)), (),
     "recordings[1]: recording abababababab is given two sizes"),
    ((recording(SHA), recording(OTHER), recording("ef" * 32), recording("01" * 32)), (),
     "recordings: 'call' takes at most 3 recording(s), not 4"),
    ((recording(),), (PhotoRef(sha256=SHA, bytes=48_000, question_id="front_photo", taken_at=T0),),
     "recordings[0]: abababababab is also named as a photo"),
])
def test_a_revision_with_recordings_that_do_not_fit_names_each(recordings, photos, problem):
    problems = revision_problems(checklist(with_audio()), revision(*recordings, photos=photos),
                                 max_recording_bytes=48_000)
    assert problem in problems
