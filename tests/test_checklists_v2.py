"""Version 2 of the shipped checklists against version 1 (issue 15).

Version 2 rewords every item as a question to the shopper; the study's items keep their
number, rank, id and scoring, and the study's wording moves to `study_text`. Version 3 of
each is version 2 with one change (tests/test_checklist_live_capture_upgrade.py,
tests/test_checklist_call_recording.py): its wording follows the same rules.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

import pytest

from field_app.domain.checklist import AllOf, AnchorQuestion, AnyOf, Checklist, Question, QuestionIs
from field_app.domain.loader import load_checklist

CHECKLISTS = Path(__file__).resolve().parents[1] / "field_app" / "checklists"
NAMES = ("showroom_visit", "dealer_call", "service_visit", "roadside_assistance_call")
STUDY_NAMES = NAMES[:3]  # the roadside call has no study items
WORDED = [(name, number) for name in NAMES for number in (2, 3)]  # to the shopper, in the second person


@lru_cache(maxsize=None)
def version(name: str, number: int) -> Checklist:
    return load_checklist(CHECKLISTS / name / f"{number}.yaml")


def by_ref(checklist: Checklist) -> dict[str, Question]:
    found: dict[str, Question] = {}
    for q in checklist.questions():
        if q.ref is not None:
            assert q.ref not in found, f"{checklist.id}@{checklist.version}: ref {q.ref} twice"
            found[q.ref] = q
    return found


@pytest.mark.parametrize("name", NAMES)
def test_version_2_keeps_the_header(name: str) -> None:
    v1, v2 = version(name, 1), version(name, 2)
    assert v2.version == 2
    assert (v2.id, v2.title, v2.channel, v2.locale) == (v1.id, v1.title, v1.channel, v1.locale)


@pytest.mark.parametrize("name", NAMES)
def test_every_v1_ref_is_in_v2_with_its_id_rank_and_scoring(name: str) -> None:
    old, new = by_ref(version(name, 1)), by_ref(version(name, 2))
    assert set(new) == set(old)
    for ref, q1 in old.items():
        q2 = new[ref]
        assert q2.id == q1.id, ref
        assert q2.benchmark == q1.benchmark, ref
        assert q2.standard_id == ref, ref
        assert q2.type == q1.type, ref
        assert q2.weight == q1.weight, ref
        assert q2.options == q1.options, ref
        assert q2.bands == q1.bands, ref
        assert q2.na_allowed == q1.na_allowed, ref
        assert q2.show_if == q1.show_if, ref


@pytest.mark.parametrize("name", NAMES)
def test_study_text_is_the_v1_wording(name: str) -> None:
    old = by_ref(version(name, 1))
    for q in version(name, 2).questions():
        if q.ref is not None:
            assert q.study_text == old[q.ref].text, q.ref
        else:
            assert q.study_text is None, q.id


@pytest.mark.parametrize("name", STUDY_NAMES)
def test_same_sections_in_the_same_order(name: str) -> None:
    v1, v2 = version(name, 1), version(name, 2)
    assert [s.id for s in v2.sections] == [s.id for s in v1.sections]
    for ref, q in by_ref(v1).items():
        assert v2.section_of(q.id).id == v1.section_of(q.id).id, ref


def texts(checklist: Checklist) -> list[tuple[str, str]]:
    items = [*checklist.questions(), *checklist.follow_ups]
    found = [(i.id, i.text) for i in items]
    found += [(f"{i.id}.labels", f"{i.labels.yes} {i.labels.no}") for i in items if i.labels]
    found += [(f"{i.id}.options", o.label) for i in items for o in i.options or []]
    return found


@pytest.mark.parametrize("name, number", WORDED)
def test_shopper_facing_text_has_no_third_person_client_or_abbreviations(name: str, number: int) -> None:
    for item_id, text in texts(version(name, number)):
        assert "клиент" not in text.lower(), (item_id, text)
        assert "а/м" not in text, (item_id, text)
        assert not re.search(r"трейд ин", text, re.IGNORECASE), (item_id, text)


@pytest.mark.parametrize("name, number", WORDED)
def test_yes_no_items_are_questions(name: str, number: int) -> None:
    checklist = version(name, number)
    for item in [*checklist.questions(), *checklist.follow_ups]:
        if item.type == "yes_no":
            assert item.text.rstrip().endswith("?"), (item.id, item.text)


@pytest.mark.parametrize("name, number", WORDED)
def test_formal_you_is_lowercase(name: str, number: int) -> None:
    # «вы», «вас», «ваш» inside a sentence, never capitalised as in a letter.
    for item_id, text in texts(version(name, number)):
        for match in re.finditer(r"\b(Вы|Вас|Вам|Вами|Ваш\w*)\b", text):
            before = text[: match.start()].rstrip()
            assert before == "" or before[-1] in ".!?«", f"{item_id}: capital {match.group(0)!r} in {text!r}"


@pytest.mark.parametrize("name", NAMES)
def test_no_follow_up_uses_hours_since_the_start(name: str) -> None:
    for f in version(name, 2).follow_ups:
        assert f.due_after_hours is None and f.due is not None, f.id


def _conditions(condition) -> list:
    if isinstance(condition, (AllOf, AnyOf)):
        parts = condition.all if isinstance(condition, AllOf) else condition.any
        return [c for part in parts for c in _conditions(part)]
    return [condition]


def test_service_follow_ups_do_not_repeat_an_item() -> None:
    v2 = version("service_visit", 2)
    item_conditions = [q.show_if for q in v2.questions() if q.show_if is not None]
    for f in v2.follow_ups:
        assert f.show_if is None or f.show_if not in item_conditions, f.id
    assert {f.id for f in v2.follow_ups} == {"callback_48_hours"}


def test_service_callback_counts_from_the_collection_with_the_mazda_window() -> None:
    v2 = version("service_visit", 2)
    collected = v2.question("car_collected_at")
    assert collected.type == "datetime" and collected.required and collected.ref is None
    assert v2.section_of("car_collected_at").id == "vehicle_return"
    callback = v2.follow_up("callback_48_hours")
    assert callback.due is not None and callback.due.window is not None
    assert callback.due.anchor == AnchorQuestion(question="car_collected_at")
    assert (callback.due.window.from_.hours, callback.due.window.to.working_days) == (48, 3)
    mazda = callback.rule_for("MAZDA")
    assert mazda.anchor == AnchorQuestion(question="car_collected_at")
    assert mazda.window is not None
    assert (mazda.window.from_.hours, mazda.window.to.hours) == (72, 120)
    assert callback.rule_for("Kia") == callback.due


@pytest.mark.parametrize("name", ["showroom_visit", "dealer_call"])
def test_sales_follow_up_is_seven_working_days_once_contacts_were_left(name: str) -> None:
    v2 = version(name, 2)
    callback = v2.follow_up("callback_7_working_days")
    assert callback.due is not None
    assert (callback.due.anchor, callback.due.within_working_days) == ("finish", 7)
    gate = v2.question("left_contacts")
    assert gate.type == "choice" and all(o.score is None for o in gate.options or [])
    assert callback.show_if == QuestionIs(question="left_contacts", equals="yes")


def test_roadside_recording_that_names_the_duty_dealer_scores_as_help() -> None:
    v2 = version("roadside_assistance_call", 2)
    who = v2.question("who_answered")
    assert {o.id for o in who.options or []} == {"operator", "recording"}
    assert all(o.score is None for o in who.options or [])
    route = v2.question("help_route")
    assert route.show_if == QuestionIs(question="answered", equals=True)
    scores = {o.id: o.score for o in route.options or []}
    assert scores["duty_dealer"] == scores["central_number"] == 1 and scores["nowhere"] == 0
    # Items about what only a person can do are hidden when only a recording answered.
    for qid in ("greeted", "help_explained", "asked_location", "asked_car_and_fault",
                "asked_contact", "arrival_time_given", "polite"):
        shown_if = _conditions(v2.question(qid).show_if)
        assert QuestionIs(question="who_answered", equals="operator") in shown_if, qid
    assert v2.follow_ups == []
