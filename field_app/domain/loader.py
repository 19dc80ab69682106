"""Reading checklist files: every problem of a file reported at once, each with the
file's path, the question id, the field at fault and a code of `checklist_problems.py`.

The format's structure (`checklist.py`) and the rules across questions (`rules.py`) are
both checked in one pass: when the format refuses the file, each question and follow-up
is read on its own, and the rules run over those that can be read.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from .canonical import checklist_json
from .checklist import Checklist, FollowUp, Question
from .errors import ChecklistError, Problem
from .rules import Readable, ReadableSection, Unreadable, check_rules
from .yaml_limits import MAX_DEPTH, expansion_problem


def load_checklist(path: str | Path) -> Checklist:
    """Read and check one YAML file; raise `ChecklistError` listing every problem."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ChecklistError(path, [Problem(str(path), None, None, "file_unreadable", {"reason": str(exc)})])
    return parse_checklist(text, str(path))


def parse_checklist(text: str, path: str = "<text>") -> Checklist:
    data = _read_yaml(text, path)
    try:
        checklist = Checklist.model_validate(data)
    except ValidationError as exc:
        raise ChecklistError(path, _structure_problems(exc, data, path) + check_rules(_readable(data), path))
    problems = check_rules(checklist, path)
    try:
        checklist_json(checklist)
    except UnicodeEncodeError:
        # A YAML escape can spell half of a UTF-16 pair, which no UTF-8 text can hold.
        problems.append(Problem(path, None, None, "lone_surrogate"))
    if problems:
        raise ChecklistError(path, problems)
    return checklist


def _read_yaml(text: str, path: str) -> dict[str, Any]:
    """The file's mapping, or `ChecklistError` with the one problem that stops the reading."""
    def refuse(code: str, **values: str) -> ChecklistError:
        return ChecklistError(path, [Problem(path, None, None, code, values)])

    expansion = expansion_problem(text)
    if expansion:
        code, values = expansion
        raise refuse(code, **values)
    try:
        data = yaml.safe_load(text)
    except RecursionError:
        # Past libyaml's own limit of 1,000 levels the scan above gives up, and PyYAML's
        # composer recurses once per level.
        raise refuse("nested_too_deep", limit=str(MAX_DEPTH))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        detail = getattr(exc, "problem", None) or str(exc)
        if mark:
            raise refuse("not_yaml_at", line=str(mark.line + 1), column=str(mark.column + 1), detail=detail)
        raise refuse("not_yaml", detail=detail)
    if not isinstance(data, dict):
        raise refuse("not_a_mapping")
    return data


def _readable(data: dict[str, Any]) -> Readable:
    """As much of a file the format refuses as the rules can read: each question and
    follow-up read on its own."""
    sections = []
    for raw in _list(data.get("sections")):
        if isinstance(raw, dict):
            questions = raw.get("questions")
            items = [_item(Question, q) for q in questions] if isinstance(questions, list) else None
            sections.append(ReadableSection(_string(raw.get("id")), items))
    return Readable(sections, [_item(FollowUp, f) for f in _list(data.get("follow_ups"))])


def _item(model: type[BaseModel], raw: Any) -> Any:
    try:
        return model.model_validate(raw)
    except ValidationError:
        return Unreadable(_string(raw.get("id")) if isinstance(raw, dict) else None)


def _list(value: Any) -> list:
    return value if isinstance(value, list) else []


def _string(value: Any) -> str | None:
    return value if isinstance(value, str) else None


# --- pydantic's errors as problems -----------------------------------------------------

# Kinds of pydantic error and the code each is told by.
CODES = {
    "missing": "required",
    "extra_forbidden": "unknown_field",
    "string_type": "not_text",
    "string_unicode": "not_text",
    "int_type": "not_whole_number",
    "int_parsing": "not_whole_number",
    "int_from_float": "not_whole_number",
    "float_type": "not_number",
    "float_parsing": "not_number",
    "finite_number": "not_finite",
    "bool_type": "not_boolean",
    "bool_parsing": "not_boolean",
    "list_type": "not_list",
    "dict_type": "not_mapping",
    "model_type": "not_mapping",
    "model_attributes_type": "not_mapping",
    "greater_than": "above",
    "greater_than_equal": "at_least",
    "less_than": "below",
    "less_than_equal": "at_most",
    "string_pattern_mismatch": "pattern",
    "string_too_long": "too_long",
    "string_too_short": "too_short",
    "literal_error": "not_one_of",
    # The format's own validators raise these codes themselves.
    "offset_one_of": "offset_one_of",
    "due_rule_one_of": "due_rule_one_of",
    "due_or_hours": "due_or_hours",
}
# A union reports one error per alternative; one plain problem says more.
UNIONS = {"show_if": "show_if_shape", "anchor": "anchor_shape"}
IN_UNION = re.compile(r"^((?:.*?\.)?(show_if|anchor))\.(?:QuestionIs|AllOf|AnyOf|AnchorQuestion|literal\[)")
LIMITS = {"greater_than": "gt", "greater_than_equal": "ge", "less_than": "lt", "less_than_equal": "le",
          "string_too_long": "max_length", "string_too_short": "min_length"}


def _structure_problems(exc: ValidationError, data: dict[str, Any], path: str) -> list[Problem]:
    problems: list[Problem] = []
    seen: set[tuple[str | None, str]] = set()
    for error in exc.errors():
        question_id, field = _locate(error["loc"], data)
        code, values = _code(error)
        union = IN_UNION.match(field)
        if union:
            field, code, values = union.group(1), UNIONS[union.group(2)], {}
        if (question_id, field) in seen:
            continue
        seen.add((question_id, field))
        problems.append(Problem(path, question_id, field, code, values))
    return problems


def _code(error: Any) -> tuple[str, dict[str, str]]:
    kind, ctx = error["type"], error.get("ctx") or {}
    code = CODES.get(kind)
    if code is None:
        return "invalid", {"detail": error["msg"]}
    if kind in LIMITS:
        return code, {"limit": _number(ctx.get(LIMITS[kind]))}
    if kind == "string_pattern_mismatch":
        return code, {"value": _short(error["input"]), "pattern": str(ctx.get("pattern"))}
    if kind == "literal_error":
        allowed = re.findall(r"'([^']*)'", str(ctx.get("expected", "")))
        return code, {"value": _short(error["input"]), "allowed": ", ".join(allowed)}
    return code, {}


def _number(value: Any) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


def _short(value: Any) -> str:
    text = str(value)
    return text if len(text) <= 60 else text[:59] + "…"


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
