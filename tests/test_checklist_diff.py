"""What changed between two versions of a checklist: added, removed, reworded, re-scored
and moved items, worked out on the repository's checklists and versions 2 made from them."""

from __future__ import annotations

import copy

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from field_app.domain.checklist import Checklist
from field_app.domain.checklist_diff import EvidenceChange, Place, ScoreChange, diff_checklists
from field_app.domain.resources import shipped_checklists

IDS = sorted(p.name for p in shipped_checklists().iterdir() if (p / "1.yaml").exists())
FIRST = {i: yaml.safe_load((shipped_checklists() / i / "1.yaml").read_text(encoding="utf-8")) for i in IDS}


def version_2(checklist_id: str, change) -> tuple[Checklist, Checklist]:
    data = copy.deepcopy(FIRST[checklist_id])
    data["version"] = 2
    change(data)
    return Checklist.model_validate(FIRST[checklist_id]), Checklist.model_validate(data)


def question(data: dict, question_id: str) -> dict:
    return next(q for s in data["sections"] for q in s["questions"] if q["id"] == question_id)


def ids(places) -> list[str]:
    return [p.id for p in places]


def showroom_changes(data: dict) -> None:
    closing = next(s for s in data["sections"] if s["id"] == "closing")
    closing["questions"] = [q for q in closing["questions"] if q["id"] != "offered_brochures"]
    closing["questions"].append({"id": "offered_coffee", "ref": "8.11", "text": "Предложили кофе", "type": "yes_no"})
    question(data, "easy_to_find")["text"] = "Легко ли найти автосалон по навигатору"
    question(data, "met_at_entrance")["weight"] = 2
    question(data, "consultant_wait_time")["bands"][0]["max"] = 600
    question(data, "test_drive_immediate")["options"][2]["score"] = 0
    question(data, "greeted_first")["labels"] = {"yes": "Поздоровался", "no": "Не поздоровался"}  # not scoring
    meeting = next(s for s in data["sections"] if s["id"] == "client_meeting")
    moved = next(q for q in meeting["questions"] if q["id"] == "asked_client_name")
    meeting["questions"].remove(moved)
    next(s for s in data["sections"] if s["id"] == "needs_analysis")["questions"].insert(0, moved)


def test_a_second_showroom_version_shows_each_kind_of_change():
    old, new = version_2("showroom_visit", showroom_changes)
    diff = diff_checklists(old, new)
    assert diff.added == (Place("offered_coffee", "8.11", "Предложили кофе", "closing"),)
    assert ids(diff.removed) == ["offered_brochures"] and diff.removed[0].section == "closing"
    assert [(c.before.text, c.after.text) for c in diff.reworded] == [
        ("Легко ли найти автосалон", "Легко ли найти автосалон по навигатору")]
    rescored = {c.after.id: c.score_changes for c in diff.rescored}
    assert rescored["met_at_entrance"] == (ScoreChange("weight", None, 1, 2),)
    [band] = rescored["consultant_wait_time"]
    assert (band.what, band.key, band.before.max, band.after.max) == ("band", "1", 300, 600)
    [option] = rescored["test_drive_immediate"]
    assert (option.what, option.key, option.before.score, option.after.score) == ("option", "none", None, 0)
    assert set(rescored) == {"met_at_entrance", "consultant_wait_time", "test_drive_immediate"}
    assert [(c.after.id, c.before.section, c.after.section) for c in diff.moved] == [
        ("asked_client_name", "client_meeting", "needs_analysis")]


def test_a_follow_up_is_compared_too_and_has_no_section():
    def change(data):
        data["follow_ups"][0]["weight"] = 3
        data["follow_ups"].append({"id": "sent_offer", "text": "Прислали ли предложение?", "type": "yes_no",
                                   "due_after_hours": 72})

    old, new = version_2("service_visit", change)
    diff = diff_checklists(old, new)
    assert diff.added == (Place("sent_offer", None, "Прислали ли предложение?", None),)
    assert [(c.after.id, c.score_changes) for c in diff.rescored] == [
        ("callback_48_hours", (ScoreChange("weight", None, 1, 3),))]


def test_a_new_type_an_option_added_and_a_band_dropped_are_scoring_changes():
    def change(data):
        rings = question(data, "rings_before_pickup")
        rings["bands"] = rings["bands"][-1:]
        greeted = question(data, "greeted")
        greeted.update(type="choice", options=[{"id": "warm", "label": "Тепло", "score": 1},
                                               {"id": "cold", "label": "Сухо", "score": 0}])
        greeted.pop("labels", None)

    old, new = version_2("dealer_call", change)
    rescored = {c.after.id: c.score_changes for c in diff_checklists(old, new).rescored}
    assert [(s.what, s.before, s.after) for s in rescored["greeted"]][0] == ("type", "yes_no", "choice")
    assert [(s.what, s.key, s.before is None) for s in rescored["greeted"][1:]] == [
        ("option", "warm", True), ("option", "cold", True)]
    old_bands = old.question("rings_before_pickup").bands
    assert [s.key for s in rescored["rings_before_pickup"]] == [str(n) for n in range(1, len(old_bands) + 1)]
    assert rescored["rings_before_pickup"][-1].after is None


def test_labels_hints_and_market_ranks_are_not_changes():
    def change(data):
        q = question(data, "test_drive_immediate")
        q["options"][0]["label"] = "Да, сразу"
        q["hint"] = "Другая подсказка"
        q["benchmark"] = "top"

    assert diff_checklists(*version_2("showroom_visit", change)).is_empty()


@pytest.mark.parametrize("checklist_id", IDS)
def test_a_version_against_itself_changes_nothing(checklist_id):
    checklist = Checklist.model_validate(FIRST[checklist_id])
    assert diff_checklists(checklist, checklist).is_empty()


# --- properties: versions 2 made by dropping, rewording and re-weighting random items ---

def _items(checklist_id: str) -> list[str]:
    data = FIRST[checklist_id]
    return [q["id"] for s in data["sections"] for q in s["questions"]] + [f["id"] for f in data["follow_ups"]]


def edits_of(checklist_id: str):
    """Which items a version 2 drops, rewords and re-weights."""
    subset = st.sets(st.sampled_from(_items(checklist_id)), max_size=6)
    return st.tuples(st.just(checklist_id), subset, subset, subset)


edits = st.sampled_from(IDS).flatmap(edits_of)
two_edits_of_one = st.sampled_from(IDS).flatmap(lambda i: st.tuples(edits_of(i), edits_of(i)))


def edited(checklist_id: str, dropped: set, reworded: set, reweighted: set) -> Checklist:
    def change(data):
        for item in [q for s in data["sections"] for q in s["questions"]] + data["follow_ups"]:
            if item["id"] in reworded:
                item["text"] += " (уточнено)"
            if item["id"] in reweighted:
                item["weight"] = item.get("weight", 1) + 1
        for s in data["sections"]:
            s["questions"] = [q for q in s["questions"] if q["id"] not in dropped]
        data["follow_ups"] = [f for f in data["follow_ups"] if f["id"] not in dropped]

    return version_2(checklist_id, change)[1]


@settings(max_examples=60, deadline=None)
@given(edits)
def test_the_diff_reports_exactly_the_edits_made(edit):
    checklist_id, dropped, reworded, reweighted = edit
    old, new = Checklist.model_validate(FIRST[checklist_id]), edited(*edit)
    diff = diff_checklists(old, new)
    assert set(ids(diff.removed)) == dropped and diff.added == ()
    assert {c.after.id for c in diff.reworded} == reworded - dropped
    assert {c.after.id for c in diff.rescored} == reweighted - dropped
    assert diff.moved == ()


@settings(max_examples=60, deadline=None)
@given(two_edits_of_one)
def test_swapping_the_versions_swaps_added_and_removed(two):
    a, b = edited(*two[0]), edited(*two[1])
    forth, back = diff_checklists(a, b), diff_checklists(b, a)
    assert forth.added == back.removed and forth.removed == back.added
    for kind in ("reworded", "rescored", "moved"):
        assert {(c.before, c.after) for c in getattr(forth, kind)} == \
               {(c.after, c.before) for c in getattr(back, kind)}
    assert diff_checklists(a, a).is_empty()


def shipped(checklist_id: str, version: int) -> Checklist:
    return Checklist.model_validate(yaml.safe_load(
        (shipped_checklists() / checklist_id / f"{version}.yaml").read_text(encoding="utf-8")))


@pytest.mark.parametrize("checklist_id", ["showroom_visit", "service_visit"])
def test_version_3_asks_for_live_photos_and_the_diff_says_so(checklist_id):
    """Version 3 changed only where the evidence photos come from: the diff is not empty."""
    old, new = shipped(checklist_id, 2), shipped(checklist_id, 3)
    diff = diff_checklists(old, new)
    assert not diff.is_empty()
    camera = {q.id for q in new.questions() if q.camera_only}
    assert camera and {c.after.id for c in diff.evidence} == camera
    for changed in diff.evidence:
        assert changed.evidence_changes == (EvidenceChange("source", "any", "camera"),)
    assert (diff.added, diff.removed, diff.rescored, diff.moved) == ((), (), (), ())
    back = diff_checklists(new, old)
    assert [c.evidence_changes for c in back.evidence] == [(EvidenceChange("source", "camera", "any"),)] * len(camera)


def test_how_many_photos_a_question_takes_is_an_evidence_change():
    def more_photos(data: dict) -> None:
        question(data, "photo_facade")["photos"] = {"min": 2, "max": 4}

    old, new = version_2("showroom_visit", more_photos)
    [changed] = diff_checklists(old, new).evidence
    assert changed.after.id == "photo_facade"
    assert changed.evidence_changes == (EvidenceChange("photos", old.question("photo_facade").photo_range(), (2, 4)),)


def test_an_audio_questions_recordings_and_their_length_are_evidence_changes():
    def audio(limit: int | None, most: int | None):
        def change(data: dict) -> None:
            q = {"id": "call_recording", "text": "Запишите разговор", "type": "audio"}
            if limit is not None:
                q["max_seconds"] = limit
            if most is not None:
                q["recordings"] = {"min": 1, "max": most}
            data["sections"][0]["questions"].append(q)
        return change

    old = version_2("dealer_call", audio(None, None))[1]
    new = version_2("dealer_call", audio(600, 2))[1]
    [changed] = diff_checklists(old, new).evidence
    assert changed.evidence_changes == (EvidenceChange("recordings", (1, 3), (1, 2)),
                                        EvidenceChange("seconds", 900, 600))
