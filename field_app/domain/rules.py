"""Rules of a checklist that span several questions, each broken rule a `Problem`."""

from __future__ import annotations

from typing import Iterator

from .checklist import BANDED_TYPES, AnchorQuestion, Band, Checklist, Condition, FollowUp, Question, QuestionIs, AllOf, AnyOf
from .errors import Problem


def check_rules(checklist: Checklist, path: str) -> list[Problem]:
    problems: list[Problem] = []

    def add(question_id: str | None, field: str | None, message: str) -> None:
        problems.append(Problem(path, question_id, field, message))

    section_ids: set[str] = set()
    for section in checklist.sections:
        if section.id in section_ids:
            add(None, f"sections.{section.id}", f"section id {section.id!r} is used twice")
        section_ids.add(section.id)
        if not section.questions:
            add(None, f"sections.{section.id}.questions", "a section needs at least one question")

    seen: dict[str, Question | FollowUp] = {}
    for item in [*checklist.questions(), *checklist.follow_ups]:
        if item.id in seen:
            add(item.id, "id", f"id {item.id!r} is used twice")
        for field, message in _item_problems(item):
            add(item.id, field, message)
        if item.show_if is not None:
            for field, message in _condition_problems(item.show_if, seen, "show_if"):
                add(item.id, field, message)
        seen.setdefault(item.id, item)

    standards: dict[str, str] = {}
    for q in checklist.questions():
        if q.standard_id is not None:
            if q.standard_id in standards:
                add(q.id, "standard", f"standard {q.standard_id!r} is also judged by {standards[q.standard_id]!r}")
            standards.setdefault(q.standard_id, q.id)

    for f in checklist.follow_ups:
        rules = [("due", f.due), *((f"brands.{brand}", rule) for brand, rule in f.brands.items())]
        for field, rule in rules:
            if rule is not None and isinstance(rule.anchor, AnchorQuestion):
                target = seen.get(rule.anchor.question)
                if not isinstance(target, Question) or target.type != "datetime":
                    add(f.id, f"{field}.anchor", f"anchor {rule.anchor.question!r} is not a datetime question")
    return problems


def _item_problems(item: Question | FollowUp) -> Iterator[tuple[str, str]]:
    kind = item.type
    if kind == "choice":
        if not item.options or len(item.options) < 2:
            yield "options", "a choice question needs at least two options"
        else:
            ids = [o.id for o in item.options]
            for dup in sorted({i for i in ids if ids.count(i) > 1}):
                yield "options", f"option id {dup!r} is used twice"
    elif item.options is not None:
        yield "options", f"only a choice question has options, not a {kind} question"
    if item.labels is not None and kind != "yes_no":
        yield "labels", f"only a yes_no question has labels, not a {kind} question"
    if isinstance(item, FollowUp):
        return
    if kind in BANDED_TYPES and not item.bands:
        yield "bands", f"a {kind} question needs bands that turn its value into an answer"
    if item.bands is not None:
        if kind not in (*BANDED_TYPES, "number"):
            yield "bands", f"a {kind} question has no value for bands to pick from"
        else:
            yield from _band_problems(item.bands)
    if (item.min_value is not None or item.max_value is not None) and kind not in ("counter", "number"):
        yield "min_value", f"only counter and number questions have a range, not a {kind} question"
    if item.min_value is not None and item.max_value is not None and item.min_value > item.max_value:
        yield "min_value", "min_value is above max_value"
    if item.photos is not None and item.photos.min > item.photos.max:
        yield "photos", "photos.min is above photos.max"


def _band_problems(bands: list[Band]) -> Iterator[tuple[str, str]]:
    if bands[-1].max is not None:
        yield "bands", "the last band must have no max, so that every value picks a band"
    bounds = [b.max for b in bands[:-1]]
    if any(b is None for b in bounds):
        yield "bands", "only the last band may have no max"
        return
    for i, (low, high) in enumerate(zip(bounds, bounds[1:]), start=1):
        if high <= low:  # type: ignore[operator]
            yield f"bands.{i}.max", f"bands are not in increasing order ({high} after {low})"


def _condition_problems(
    condition: Condition, earlier: dict[str, Question | FollowUp], field: str
) -> Iterator[tuple[str, str]]:
    if isinstance(condition, (AllOf, AnyOf)):
        key = "all" if isinstance(condition, AllOf) else "any"
        parts = condition.all if isinstance(condition, AllOf) else condition.any
        if not parts:
            yield f"{field}.{key}", f"'{key}' needs at least one condition"
        for i, part in enumerate(parts):
            yield from _condition_problems(part, earlier, f"{field}.{key}.{i}")
        return
    assert isinstance(condition, QuestionIs)
    target = earlier.get(condition.question)
    if target is None:
        yield f"{field}.question", (
            f"names {condition.question!r}, which is not an earlier question "
            "(show_if may only name questions asked before)"
        )
        return
    given = [condition.equals, condition.in_, condition.not_in]
    if sum(v is not None for v in given) != 1:
        yield field, "needs exactly one of equals, in, not_in"
        return
    values = condition.in_ or condition.not_in or [condition.equals]
    if target.type == "choice" and target.options:
        known = {o.id for o in target.options}
        for v in values:
            if v not in known:
                yield field, f"{v!r} is not an option of {target.id!r} ({', '.join(sorted(known))})"
    elif target.type == "yes_no":
        for v in values:
            if not isinstance(v, bool):
                yield field, f"{target.id!r} is yes_no: compare it with true or false, not {v!r}"
