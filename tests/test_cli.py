"""The `fieldaudit` command: exit codes, one line per problem, help on every command."""

import json
from pathlib import Path

import click
import yaml
from click.testing import CliRunner

from fieldaudit.cli import cli
from field_app.domain.loader import parse_checklist
from field_app.domain.resources import shipped_checklists

from samples import SHOWROOM

REPO = Path(__file__).resolve().parents[1]


def run(*args, env=None):
    return CliRunner().invoke(cli, list(args), env=env, catch_exceptions=False)


def write(folder: Path, data: dict, version: int = 1) -> Path:
    (folder / data["id"]).mkdir(parents=True, exist_ok=True)
    path = folder / data["id"] / f"{version}.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def all_commands(group: click.Group, prefix=()):
    for name, command in group.commands.items():
        yield prefix + (name,), command
        if isinstance(command, click.Group):
            yield from all_commands(command, prefix + (name,))


def test_every_command_has_help_text():
    lacking = [" ".join(path) for path, command in all_commands(cli) if not (command.help or "").strip()]
    assert lacking == []
    assert len(list(all_commands(cli))) >= 4


def test_validate_the_project_checklists():
    result = run("checklists", "validate", str(REPO / "field_app" / "checklists"))
    assert result.exit_code == 0, result.output
    assert result.output.count(": ok ") == len(list((REPO / "field_app" / "checklists").glob("*/*.yaml"))) >= 4


def test_validate_with_no_paths_checks_the_shipped_checklists():
    result = run("checklists", "validate")
    assert result.exit_code == 0, result.output
    assert result.output.count(": ok ") == len(list(shipped_checklists().glob("*/*.yaml"))) >= 4
    assert "showroom_visit@1" in result.output


def test_validate_prints_one_line_per_problem_and_exits_1(tmp_path):
    data = json.loads(json.dumps(SHOWROOM))
    data["sections"][0]["questions"][1]["type"] = "slider"
    data["sections"][1]["questions"][1]["show_if"] = {"question": "later_one", "equals": True}
    path = write(tmp_path, data)
    result = run("checklists", "validate", str(path))
    assert result.exit_code == 1
    # A file whose structure is wrong is still checked against the cross-question rules.
    assert result.output.splitlines() == [
        f"{path}: greeted: type: 'slider' is not one of yes_no, choice, timer, counter, number, text, photo, datetime, audio",
        f"{path}: mirrors: show_if.question: names 'later_one', which is not an earlier question "
        "(show_if may only name questions asked before)",
    ]


def test_validate_refuses_an_alias_bomb_in_one_line(tmp_path):
    # Ten aliases of ten aliases...: 300 bytes that would expand to a billion values.
    path = tmp_path / "bomb" / "1.yaml"
    path.parent.mkdir()
    path.write_text("a0: &a0 [x]\n" + "".join(
        f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]\n" for i in range(1, 10)), encoding="utf-8")
    result = run("checklists", "validate", str(path))
    assert result.exit_code == 1
    assert result.output.startswith(f"{path}: -: -: the file expands to more than 50000 values")
    assert len(result.output.splitlines()) == 1


def test_validate_reports_rule_problems_together(tmp_path):
    data = json.loads(json.dumps(SHOWROOM))
    data["sections"][0]["questions"][1]["id"] = "front_photo"
    data["sections"][1]["questions"][1]["show_if"] = {"question": "later_one", "equals": True}
    path = write(tmp_path, data)
    lines = run("checklists", "validate", str(path)).output.splitlines()
    assert lines == [
        f"{path}: front_photo: id: id 'front_photo' is used twice",
        f"{path}: mirrors: show_if.question: names 'later_one', which is not an earlier question "
        "(show_if may only name questions asked before)",
    ]


def test_validate_lists_every_problem_of_a_file_in_english(tmp_path):
    data = json.loads(json.dumps(SHOWROOM))
    data["sections"][0]["questions"][1]["weight"] = "heavy"
    data["sections"][0]["questions"][2]["colour"] = "red"
    data["sections"][1]["questions"][1]["show_if"] = {"question": "later_one", "equals": True}
    data["sections"][1]["questions"][2]["id"] = "front_photo"
    data["follow_ups"] = [
        {"id": "callback", "text": "Перезвонили?", "type": "yes_no",
         "due": {"anchor": {"question": "parking"}, "within_working_days": 2}},
        {"id": "letter", "text": "Прислали письмо?", "type": "yes_no", "due": {"after_hours": 4, "window": {
            "from": {"hours": 1}, "to": {"hours": 2}}}},
    ]
    path = write(tmp_path, data)
    result = run("checklists", "validate", str(path))
    assert result.exit_code == 1
    assert result.output.splitlines() == [
        f"{path}: greeted: weight: must be a number",
        f"{path}: consultant_wait: colour: is not a field of the checklist format",
        f"{path}: letter: due: give exactly one of 'after_hours', 'within_working_days' and 'window'",
        f"{path}: mirrors: show_if.question: names 'later_one', which is not an earlier question "
        "(show_if may only name questions asked before)",
        f"{path}: front_photo: id: id 'front_photo' is used twice",
        f"{path}: callback: due.anchor: anchor 'parking' is not a datetime question",
    ]


def test_validate_finds_one_version_with_two_contents(tmp_path):
    write(tmp_path / "a", SHOWROOM)
    write(tmp_path / "b", {**SHOWROOM, "title": "Другой"})
    result = run("checklists", "validate", str(tmp_path))
    assert result.exit_code == 1
    assert "mini_showroom@1 has other content" in result.output


def test_validate_finds_a_misplaced_file(tmp_path):
    path = write(tmp_path, SHOWROOM, version=2)
    result = run("checklists", "validate", str(path))
    assert result.exit_code == 1 and "mini_showroom/1.yaml" in result.output


def test_show_prints_an_outline_and_json(tmp_path):
    write(tmp_path, SHOWROOM)
    write(tmp_path, {**SHOWROOM, "version": 2, "title": "Вторая"}, version=2)
    env = {"FIELDAUDIT_CHECKLISTS": str(tmp_path)}
    newest = run("checklists", "show", "mini_showroom", env=env)
    assert newest.exit_code == 0 and newest.output.startswith("mini_showroom@2  Вторая")
    first = run("checklists", "show", "mini_showroom@1", "--json", env=env)
    assert json.loads(first.output)["title"] == "Мини-визит"
    outline = run("checklists", "show", "mini_showroom@1", env=env).output
    assert "shown if test_drive_now in ['yes', 'no']" in outline
    assert "<= 300 " not in outline and "<= 300: до 5 минут (1)" in outline


def test_show_an_unknown_checklist_is_a_clear_error(tmp_path):
    result = run("checklists", "show", "nope@3", env={"FIELDAUDIT_CHECKLISTS": str(tmp_path)})
    assert result.exit_code == 1 and "no checklist nope@3" in result.output


def test_schema_is_json_schema_of_the_format():
    schema = json.loads(run("checklists", "schema").output)
    assert schema["title"] == "Checklist"
    assert set(schema["$defs"]["Question"]["properties"]["type"]["enum"]) == {
        "yes_no", "choice", "timer", "counter", "number", "text", "photo", "datetime", "audio"}


def test_the_readme_example_is_a_valid_checklist():
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    example = readme.split("```yaml\n", 1)[1].split("```", 1)[0]
    assert parse_checklist(example, "README.md").id == "showroom_visit"
