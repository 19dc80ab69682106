"""Rules of a checklist that span several questions, each broken rule a `Problem` with a
code of `checklist_problems.py`.

The rules read a `Readable`: the checklist, or as much of a refused file as can be read,
each question and follow-up that the format refuses standing as `Unreadable` (its id, when
that much is readable). So a file gets its structure problems and its rule problems at
once, and each rule is written here only.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator, Union

from .checklist import (
    BANDED_TYPES, AllOf, AnchorQuestion, AnyOf, Band, Checklist, Condition, FollowUp, Question, QuestionIs,
)
from .errors import Problem

Found = tuple[str, str, dict[str, str]]  # (field, code, values)


@dataclass(frozen=True)
class Unreadable:
    """A question or follow-up that the format refuses; its id when that is a string."""

    id: str | None


@dataclass(frozen=True)
class ReadableSection:
    """A section's id (when a string) and its questions (None when not a list)."""

    id: str | None
    questions: list[Question | Unreadable] | None


@dataclass(frozen=True)
class Readable:
    """What the rules read of a file, in the order the shopper meets it."""

    sections: list[ReadableSection]
    follow_ups: list[FollowUp | Unreadable]

    @classmethod
    def of(cls, checklist: Checklist) -> Readable:
        return cls([ReadableSection(s.id, list(s.questions)) for s in checklist.sections], list(checklist.follow_ups))

    def items(self) -> list[Question | FollowUp | Unreadable]:
        return [*(q for s in self.sections for q in s.questions or []), *self.follow_ups]


Item = Union[Question, FollowUp, Unreadable]


def check_rules(checklist: Checklist | Readable, path: str) -> list[Problem]:
    readable = checklist if isinstance(checklist, Readable) else Readable.of(checklist)
    problems: list[Problem] = []

    def add(question_id: str | None, field: str | None, code: str, **values: str) -> None:
        problems.append(Problem(path, question_id, field, code, values))

    section_ids: set[str] = set()
    for section in readable.sections:
        if section.id is None:
            continue
        if section.id in section_ids:
            add(None, f"sections.{section.id}", "section_id_twice", id=section.id)
        section_ids.add(section.id)
        if section.questions == []:
            add(None, f"sections.{section.id}.questions", "section_empty")

    seen: dict[str, Item] = {}
    for item in readable.items():
        if item.id is None:
            continue
        if item.id in seen:
            add(item.id, "id", "id_twice", id=item.id)
        if not isinstance(item, Unreadable):
            for field, code, values in _item_problems(item):
                add(item.id, field, code, **values)
            if item.show_if is not None:
                for field, code, values in _condition_problems(item.show_if, seen, "show_if"):
                    add(item.id, field, code, **values)
        seen.setdefault(item.id, item)

    standards: dict[str, str] = {}
    for q in readable.items():
        if isinstance(q, Question) and q.standard_id is not None:
            if q.standard_id in standards:
                add(q.id, "standard", "standard_twice", standard=q.standard_id, question=standards[q.standard_id])
            standards.setdefault(q.standard_id, q.id)

    for f in readable.follow_ups:
        if isinstance(f, Unreadable):
            continue
        rules = [("due", f.due), *((f"brands.{brand}", rule) for brand, rule in f.brands.items())]
        for field, rule in rules:
            if rule is not None and isinstance(rule.anchor, AnchorQuestion):
                target = seen.get(rule.anchor.question)
                if isinstance(target, Unreadable):
                    continue  # its type cannot be told; its own problems are reported
                if not isinstance(target, Question) or target.type != "datetime":
                    add(f.id, f"{field}.anchor", "anchor_not_datetime", question=rule.anchor.question)
    return problems


def _item_problems(item: Question | FollowUp) -> Iterator[Found]:
    kind = {"type": item.type}
    if item.type == "choice":
        if not item.options or len(item.options) < 2:
            yield "options", "choice_needs_options", {}
        else:
            ids = [o.id for o in item.options]
            for dup in sorted({i for i in ids if ids.count(i) > 1}):
                yield "options", "option_id_twice", {"option": dup}
    elif item.options is not None:
        yield "options", "options_not_for_type", kind
    if item.labels is not None and item.type != "yes_no":
        yield "labels", "labels_not_for_type", kind
    if isinstance(item, FollowUp):
        return
    if item.type in BANDED_TYPES and not item.bands:
        yield "bands", "bands_needed", kind
    if item.bands is not None:
        if item.type not in (*BANDED_TYPES, "number"):
            yield "bands", "bands_not_for_type", kind
        else:
            yield from _band_problems(item.bands)
    if (item.min_value is not None or item.max_value is not None) and item.type not in ("counter", "number"):
        yield "min_value", "range_not_for_type", kind
    if item.min_value is not None and item.max_value is not None and item.min_value > item.max_value:
        yield "min_value", "min_above_max", {}
    if item.photos is not None and item.photos.min > item.photos.max:
        yield "photos", "photos_min_above_max", {}
    if "source" in item.model_fields_set and item.type != "photo":
        yield "source", "source_not_for_type", kind
    if item.recordings is not None:
        if item.type != "audio":
            yield "recordings", "recordings_not_for_type", kind
        elif item.recordings.min > item.recordings.max:
            yield "recordings", "recordings_min_above_max", {}
    if item.max_seconds is not None and item.type != "audio":
        yield "max_seconds", "max_seconds_not_for_type", kind


def _band_problems(bands: list[Band]) -> Iterator[Found]:
    if bands[-1].max is not None:
        yield "bands", "last_band_has_max", {}
    bounds = [b.max for b in bands[:-1]]
    if any(b is None for b in bounds):
        yield "bands", "open_band_not_last", {}
        return
    for i, (low, high) in enumerate(zip(bounds, bounds[1:]), start=1):
        if high <= low:  # type: ignore[operator]
            yield f"bands.{i}.max", "bands_not_increasing", {"high": _shown(high), "low": _shown(low)}


def _condition_problems(condition: Condition, earlier: dict[str, Item], field: str) -> Iterator[Found]:
    if isinstance(condition, (AllOf, AnyOf)):
        key = "all" if isinstance(condition, AllOf) else "any"
        parts = condition.all if isinstance(condition, AllOf) else condition.any
        if not parts:
            yield f"{field}.{key}", "condition_empty", {"name": key}
        for i, part in enumerate(parts):
            yield from _condition_problems(part, earlier, f"{field}.{key}.{i}")
        return
    assert isinstance(condition, QuestionIs)
    target = earlier.get(condition.question)
    if target is None:
        yield f"{field}.question", "show_if_not_earlier", {"question": condition.question}
        return
    given = [condition.equals, condition.in_, condition.not_in]
    if sum(v is not None for v in given) != 1:
        yield field, "condition_one_of", {}
        return
    if isinstance(target, Unreadable):
        return  # what it may be compared with cannot be told; its own problems are reported
    values = condition.in_ or condition.not_in or [condition.equals]
    if target.type == "choice" and target.options:
        known = {o.id for o in target.options}
        for v in values:
            if v not in known:
                yield field, "not_an_option", {"value": _shown(v), "question": target.id,
                                               "options": ", ".join(sorted(known))}
    elif target.type == "yes_no":
        for v in values:
            if not isinstance(v, bool):
                yield field, "yes_no_needs_boolean", {"question": target.id, "value": _shown(v)}


def _shown(value: object) -> str:
    """A value as the YAML file spells it: true, 3, 2.5, maybe."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)
