"""A bad checklist file is refused with its path, the question id and the field at fault."""

import copy

import pytest
import yaml

from field_app.domain.canonical import checklist_sha256
from field_app.domain.errors import ChecklistError, ConflictingVersionError
from field_app.domain.loader import load_checklist
from field_app.domain.registry import Registry, parse_reference

from samples import SHOWROOM, checklist


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
