"""A bad checklist file is refused with its path, the question id and the field at fault."""

import copy
import json
from pathlib import Path

import pytest
import yaml

from field_app.domain.canonical import checklist_sha256
from field_app.domain.checklist_problems import ENGLISH, FILE, RULES, STRUCTURE
from field_app.domain.errors import ChecklistError, ConflictingVersionError, Problem
from field_app.domain.loader import load_checklist
from field_app.domain.registry import Registry, parse_reference

from samples import SHOWROOM, checklist

REPO = Path(__file__).resolve().parents[1]


def write(tmp_path, data, name="1.yaml"):
    path = tmp_path / name
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def problems_of(tmp_path, data):
    path = write(tmp_path, data)
    with pytest.raises(ChecklistError) as caught:
        load_checklist(path)
    assert all(p.path == str(path) for p in caught.value.problems)
    return [(p.question_id, p.field, p.message) for p in caught.value.problems]


def mutated(change):
    data = copy.deepcopy(SHOWROOM)
    change(data)
    return data


def q(data, section, index):
    return data["sections"][section]["questions"][index]


def test_a_good_file_loads(tmp_path):
    assert load_checklist(write(tmp_path, SHOWROOM)).id == "mini_showroom"


def test_unknown_type_names_question_and_field(tmp_path):
    found = problems_of(tmp_path, mutated(lambda d: q(d, 0, 1).update(type="slider")))
    assert [(qid, field) for qid, field, _ in found] == [("greeted", "type")]
    assert "yes_no" in found[0][2]


def test_duplicate_question_ids_are_refused(tmp_path):
    found = problems_of(tmp_path, mutated(lambda d: q(d, 1, 3).update(id="greeted")))
    assert ("greeted", "id") in [(qid, field) for qid, field, _ in found]


def test_show_if_naming_an_unknown_question(tmp_path):
    found = problems_of(tmp_path, mutated(lambda d: q(d, 1, 1).update(show_if={"question": "nope", "equals": True})))
    assert [(qid, field) for qid, field, _ in found] == [("mirrors", "show_if.question")]


def test_show_if_naming_a_later_question(tmp_path):
    found = problems_of(tmp_path, mutated(lambda d: q(d, 0, 1).update(show_if={"question": "mirrors", "equals": True})))
    assert [(qid, field) for qid, field, _ in found] == [("greeted", "show_if.question")]
    assert "earlier" in found[0][2]


def test_show_if_value_that_is_not_an_option(tmp_path):
    found = problems_of(tmp_path, mutated(lambda d: q(d, 1, 1).update(show_if={"question": "test_drive_now", "in": ["yes", "maybe"]})))
    assert found[0][:2] == ("mirrors", "show_if") and "'maybe'" in found[0][2]


def test_show_if_of_unknown_shape(tmp_path):
    found = problems_of(tmp_path, mutated(lambda d: q(d, 1, 1).update(show_if={"when": "test_drive_now"})))
    assert [(qid, field) for qid, field, _ in found] == [("mirrors", "show_if")]


def test_bands_out_of_order(tmp_path):
    def change(d):
        q(d, 0, 2)["bands"] = [{"max": 300, "label": "a"}, {"max": 60, "label": "b"}, {"label": "c"}]
    found = problems_of(tmp_path, mutated(change))
    assert [(qid, field) for qid, field, _ in found] == [("consultant_wait", "bands.1.max")]


def test_bands_without_a_catch_all(tmp_path):
    found = problems_of(tmp_path, mutated(lambda d: q(d, 0, 2).update(bands=[{"max": 300, "label": "a"}])))
    assert [(qid, field) for qid, field, _ in found] == [("consultant_wait", "bands")]


def test_timer_without_bands(tmp_path):
    found = problems_of(tmp_path, mutated(lambda d: q(d, 0, 2).pop("bands")))
    assert [(qid, field) for qid, field, _ in found] == [("consultant_wait", "bands")]


def test_option_without_id(tmp_path):
    found = problems_of(tmp_path, mutated(lambda d: q(d, 1, 0)["options"][1].pop("id")))
    assert [(qid, field) for qid, field, _ in found] == [("test_drive_now", "options.1.id")]


def test_question_without_id_is_named_by_position(tmp_path):
    found = problems_of(tmp_path, mutated(lambda d: q(d, 0, 1).pop("id")))
    assert [(qid, field) for qid, field, _ in found] == [("#2", "id")]


def test_unknown_field_is_refused(tmp_path):
    found = problems_of(tmp_path, mutated(lambda d: q(d, 0, 1).update(colour="red")))
    assert [(qid, field) for qid, field, _ in found] == [("greeted", "colour")]


def test_every_problem_of_a_file_is_reported_at_once(tmp_path):
    def change(d):
        q(d, 0, 1)["id"] = "front_photo"
        q(d, 1, 1)["show_if"] = {"question": "nope", "equals": True}
    assert len(problems_of(tmp_path, mutated(change))) == 2


def codes_of(tmp_path, data):
    path = write(tmp_path, data)
    with pytest.raises(ChecklistError) as caught:
        load_checklist(path)
    return [(p.question_id, p.field, p.code, p.values) for p in caught.value.problems]


def test_structure_problems_do_not_hide_the_rules_of_the_rest_of_the_file(tmp_path):
    def change(d):
        q(d, 0, 1)["type"] = "slider"  # structure: the question cannot be read
        q(d, 0, 3)["colour"] = "red"  # structure: an unknown field
        q(d, 1, 1)["show_if"] = {"question": "notes", "equals": True}  # rule: a later question
        q(d, 1, 2)["id"] = "front_photo"  # rule: an id used twice
        q(d, 0, 2)["standard"] = q(d, 1, 3)["standard"] = "4.1"  # rule: a standard judged twice
        d["follow_ups"] = [
            {"id": "callback", "text": "Перезвонили?", "type": "yes_no",
             "due": {"anchor": {"question": "consultant_wait"}, "after_hours": 24}},  # rule: not a datetime
            {"id": "letter", "text": "Письмо?", "type": "yes_no", "due": {"anchor": "begin", "after_hours": 4}},
            {"id": "visit_again", "text": "Снова?", "type": "yes_no", "due": {"within_working_days": 3, "window": {
                "from": {"hours": 1, "working_days": 1}, "to": {"hours": 2}}}},
            {"id": "sms", "text": "СМС?", "type": "yes_no"},
        ]
    assert codes_of(tmp_path, mutated(change)) == [
        ("greeted", "type", "not_one_of", {
            "value": "slider", "allowed": "yes_no, choice, timer, counter, number, text, photo, datetime, audio"}),
        ("parking", "colour", "unknown_field", {}),
        ("letter", "due.anchor", "anchor_shape", {}),
        ("visit_again", "due.window.from", "offset_one_of", {}),
        ("sms", "follow_up", "due_or_hours", {}),
        ("mirrors", "show_if.question", "show_if_not_earlier", {"question": "notes"}),
        ("front_photo", "id", "id_twice", {"id": "front_photo"}),
        ("notes", "standard", "standard_twice", {"standard": "4.1", "question": "consultant_wait"}),
        ("callback", "due.anchor", "anchor_not_datetime", {"question": "consultant_wait"}),
    ]


def test_a_due_rule_giving_two_kinds_of_delay_is_one_problem(tmp_path):
    def change(d):
        d["follow_ups"][0] = {"id": "callback", "text": "Перезвонили?", "type": "yes_no",
                              "due": {"after_hours": 4, "within_working_days": 2}}
    assert codes_of(tmp_path, mutated(change)) == [("callback", "due", "due_rule_one_of", {})]


def test_a_question_the_format_refuses_still_counts_as_asked(tmp_path):
    # mirrors' show_if names a broken question: that question exists and comes before, so
    # the only problem is its own (what it may be compared with cannot be told).
    def change(d):
        q(d, 1, 0)["weight"] = "heavy"
        q(d, 1, 1)["show_if"] = {"question": "test_drive_now", "in": ["maybe"]}
    assert codes_of(tmp_path, mutated(change)) == [("test_drive_now", "weight", "not_number", {})]


@pytest.mark.parametrize("change, found", [
    (lambda d: d.update(version=0), [(None, "version", "at_least", {"limit": "1"})]),
    (lambda d: d.update(version="two"), [(None, "version", "not_whole_number", {})]),
    (lambda d: q(d, 0, 1).update(id="Greeted"), [("Greeted", "id", "pattern", {
        "value": "Greeted", "pattern": "^[a-z][a-z0-9_]*$"})]),
    (lambda d: q(d, 0, 1).update(id="g" * 65), [("g" * 65, "id", "too_long", {"limit": "64"})]),
    (lambda d: q(d, 0, 1).update(required="maybe"), [("greeted", "required", "not_boolean", {})]),
    (lambda d: q(d, 0, 1).pop("text"), [("greeted", "text", "required", {})]),
    (lambda d: q(d, 0, 1).update(text=["a"]), [("greeted", "text", "not_text", {})]),
    (lambda d: q(d, 0, 0).update(photos={"min": -1, "max": 3}), [("front_photo", "photos.min", "at_least",
                                                                 {"limit": "0"})]),
    (lambda d: d.update(sections={}), [(None, "sections", "not_list", {})]),
    (lambda d: d["follow_ups"][0].update(due_after_hours=0), [("callback", "due_after_hours", "above",
                                                               {"limit": "0"})]),
])
def test_each_kind_of_structure_problem_has_its_code(tmp_path, change, found):
    assert codes_of(tmp_path, mutated(change)) == found


def test_every_code_has_english_words_and_is_used():
    source = "".join(path.read_text(encoding="utf-8") for path in (REPO / "field_app").rglob("*.py")
                     if path.name != "checklist_problems.py")
    assert set(ENGLISH) == set(FILE) | set(STRUCTURE) | set(RULES)
    assert len(ENGLISH) == len(FILE) + len(STRUCTURE) + len(RULES)  # no code in two groups
    assert [code for code in ENGLISH if f'"{code}"' not in source] == []
    with pytest.raises(ValueError, match="no checklist problem has the code"):
        Problem("x.yaml", None, None, "no_such_code")


def test_yaml_syntax_error_gives_the_line(tmp_path):
    path = tmp_path / "1.yaml"
    path.write_text("id: x\nsections: [\n  - oops: [\n")
    with pytest.raises(ChecklistError) as caught:
        load_checklist(path)
    assert "line" in caught.value.problems[0].message


def test_same_id_and_version_with_other_content_is_refused():
    registry = Registry()
    first = registry.add(checklist())
    assert registry.add(checklist()).sha256 == first.sha256  # the same content again is fine
    reworded = mutated(lambda d: q(d, 0, 1).update(text="Поздоровался"))
    with pytest.raises(ConflictingVersionError):
        registry.add(checklist(reworded))


def test_hash_ignores_spelled_out_defaults_and_key_order():
    explicit = mutated(lambda d: q(d, 0, 1).update(required=True, weight=1))
    reordered = dict(reversed(list(SHOWROOM.items())))
    assert checklist_sha256(checklist(explicit)) == checklist_sha256(checklist()) == checklist_sha256(checklist(reordered))
    assert checklist_sha256(checklist(mutated(lambda d: q(d, 0, 1).update(weight=2)))) != checklist_sha256(checklist())


def test_registry_from_directory_checks_the_layout(tmp_path):
    (tmp_path / "mini_showroom").mkdir()
    write(tmp_path / "mini_showroom", SHOWROOM, "1.yaml")
    assert Registry.from_directory(tmp_path).get("mini_showroom").checklist.version == 1
    write(tmp_path / "mini_showroom", SHOWROOM, "2.yaml")
    with pytest.raises(ChecklistError, match="mini_showroom/1.yaml"):
        Registry.from_directory(tmp_path)


def test_registry_gives_the_newest_version_by_default():
    registry = Registry()
    registry.add(checklist())
    registry.add(checklist(mutated(lambda d: d.update(version=2))))
    assert registry.get("mini_showroom").checklist.version == 2
    assert registry.get("mini_showroom", 1).checklist.version == 1
    assert parse_reference("mini_showroom@2") == ("mini_showroom", 2)


# Every way a file is read (the repository's folder, `fieldaudit checklists validate`,
# `fieldaudit admin publish-checklist`, the phone reading a server's checklist) goes
# through the loader, so the loader itself refuses files built to do harm.
SHOWROOM_YAML = yaml.safe_dump(SHOWROOM, allow_unicode=True, sort_keys=False)
ALIAS_BOMB = "a0: &a0 [x]\n" + "".join(f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]\n" for i in range(1, 10))


@pytest.mark.parametrize("text, message", [
    (ALIAS_BOMB, "the file expands to more than 50000 values (through its aliases), at line"),
    ("id: deep\nversion: 1\nx: " + "[" * 50 + "]" * 50 + "\n", "values are nested more than 40 deep, at line 3"),
    ("id: deep\nversion: 1\nx: " + "[" * 5000 + "]" * 5000 + "\n", "values are nested more than 40 deep"),
    (SHOWROOM_YAML.replace("version: 1", "version: 99999999999", 1), "less than or equal to 2147483647"),
    (SHOWROOM_YAML.replace("title: ", 'title: "\\ud800" #', 1), "a \\u escape names a lone surrogate"),
    (SHOWROOM_YAML.replace("weight: 2", "weight: .inf", 1), "finite number"),
])
def test_a_file_built_to_do_harm_is_refused_with_a_clear_problem(tmp_path, text, message):
    assert text != SHOWROOM_YAML
    path = tmp_path / "1.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ChecklistError) as caught:
        load_checklist(path)
    assert any(message in problem.message for problem in caught.value.problems), caught.value.problems


def test_show_if_nested_a_thousand_deep_is_refused_not_a_recursion_error(tmp_path):
    data = copy.deepcopy(SHOWROOM)
    data["sections"][-1]["questions"][-1]["show_if"] = "CONDITION"
    first = SHOWROOM["sections"][0]["questions"][0]["id"]
    condition = '{"all": [' * 1000 + json.dumps({"question": first, "equals": "yes"}) + "]}" * 1000
    text = json.dumps(data, ensure_ascii=False).replace('"CONDITION"', condition)  # JSON is YAML
    path = tmp_path / "1.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ChecklistError) as caught:
        load_checklist(path)
    assert "nested more than 40 deep" in caught.value.problems[0].message
