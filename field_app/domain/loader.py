"""Reading checklist files: every problem of a file reported at once, each with the
file's path, the question id and the field at fault."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from .canonical import checklist_json
from .checklist import Checklist
from .errors import ChecklistError, Problem
from .rules import check_rules
from .yaml_limits import MAX_DEPTH, expansion_problem


def load_checklist(path: str | Path) -> Checklist:
    """Read and check one YAML file; raise `ChecklistError` listing every problem."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ChecklistError(path, [Problem(str(path), None, None, f"cannot read the file: {exc}")])
    return parse_checklist(text, str(path))


def parse_checklist(text: str, path: str = "<text>") -> Checklist:
    problem = expansion_problem(text)
    if problem:
        raise ChecklistError(path, [Problem(path, None, None, problem)])
    try:
        data = yaml.safe_load(text)
    except RecursionError:
        # Past libyaml's own limit of 1,000 levels the scan above gives up, and PyYAML's
        # composer recurses once per level.
        raise ChecklistError(path, [Problem(path, None, None, f"values are nested more than {MAX_DEPTH} deep")])
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise ChecklistError(path, [Problem(path, None, None, f"not valid YAML{where}: {problem}")])
    if not isinstance(data, dict):
        raise ChecklistError(path, [Problem(path, None, None, "the file must be a mapping with id, version, sections")])
    try:
        checklist = Checklist.model_validate(data)
    except ValidationError as exc:
        raise ChecklistError(path, _structure_problems(exc, data, path))
    problems = check_rules(checklist, path)
    if problems:
        raise ChecklistError(path, problems)
    try:
        checklist_json(checklist)
    except UnicodeEncodeError:
        # A YAML escape can spell half of a UTF-16 pair, which no UTF-8 text can hold.
        raise ChecklistError(path, [Problem(path, None, None, "a \\u escape names a lone surrogate, not a character")])
    return checklist


def _structure_problems(exc: ValidationError, data: dict[str, Any], path: str) -> list[Problem]:
    problems: list[Problem] = []
    seen: set[tuple[str | None, str]] = set()
    for error in exc.errors():
        question_id, field = _locate(error["loc"], data)
        if field.startswith("show_if"):
            # A union reports one error per alternative; one plain message says more.
            field, message = "show_if", (
                "must be {question, equals | in | not_in}, {all: [...]} or {any: [...]}"
            )
        else:
            message = _message(error)
        if (question_id, field) in seen:
            continue
        seen.add((question_id, field))
        problems.append(Problem(path, question_id, field, message))
    return problems


def _locate(loc: tuple, data: dict[str, Any]) -> tuple[str | None, str]:
    """Turn pydantic's location into (question id, field inside that question)."""
    parts = list(loc)
    if len(parts) >= 4 and parts[0] == "sections" and parts[2] == "questions":
        item = _index(data, "sections", parts[1], "questions", parts[3])
        return _item_id(item, parts[3]), _dotted(parts[4:]) or "question"
    if len(parts) >= 2 and parts[0] == "follow_ups":
        item = _index(data, "follow_ups", parts[1])
        return _item_id(item, parts[1]), _dotted(parts[2:]) or "follow_up"
    if len(parts) >= 2 and parts[0] == "sections":
        section = _index(data, "sections", parts[1])
        sid = section.get("id") if isinstance(section, dict) else None
        return None, f"sections.{sid or parts[1]}" + ("." + _dotted(parts[2:]) if parts[2:] else "")
    return None, _dotted(parts) or "-"


def _index(data: Any, *keys: Any) -> Any:
    for key in keys:
        try:
            data = data[key]
        except (KeyError, IndexError, TypeError):
            return None
    return data


def _item_id(item: Any, position: int) -> str:
    if isinstance(item, dict) and isinstance(item.get("id"), str):
        return item["id"]
    return f"#{position + 1}"


def _dotted(parts: list) -> str:
    return ".".join(str(p) for p in parts)


def _message(error: dict) -> str:
    if error["type"] == "missing":
        return "is required"
    if error["type"] == "extra_forbidden":
        return "is not a field of the checklist format"
    return error["msg"]
