"""A checklist as readable text, for the terminal and for reviewing a new version."""

from __future__ import annotations

from .checklist import Checklist, Condition, AllOf, AnyOf, Question


def outline(checklist: Checklist, sha256: str) -> str:
    lines = [
        f"{checklist.id}@{checklist.version}  {checklist.title}  ({checklist.channel})",
        f"sha256 {sha256}",
    ]
    for section in checklist.sections:
        lines.append("")
        lines.append(f"[{section.id}] {section.title}")
        for q in section.questions:
            lines.append("  " + _question_line(q))
            lines.extend("      " + detail for detail in _details(q))
    if checklist.follow_ups:
        lines.append("")
        lines.append("[follow_ups]")
        for f in checklist.follow_ups:
            lines.append(f"  {f.id} ({f.type}, {f.rule_for('').describe()}): {f.text}")
            lines.extend(f"      {brand}: {rule.describe()}" for brand, rule in f.brands.items())
    return "\n".join(lines)


def _question_line(q: Question) -> str:
    ref = f"{q.ref} " if q.ref else ""
    rank = f" [{q.benchmark.upper()}]" if q.benchmark else ""
    return f"{ref}{q.id} ({q.type}){rank}: {q.text}"


def _details(q: Question) -> list[str]:
    details = []
    if q.study_text:
        details.append(f"study: {q.study_text}")
    if q.labels:
        details.append(f"yes: {q.labels.yes} / no: {q.labels.no}")
    for o in q.options or []:
        details.append(f"- {o.id}: {o.label}" + ("" if o.score is None else f" ({o.score:g})"))
    for b in q.bands or []:
        bound = "otherwise" if b.max is None else f"<= {b.max:g}{' ' + q.unit if q.unit else ''}"
        details.append(f"- {bound}: {b.label}" + ("" if b.score is None else f" ({b.score:g})"))
    if q.photos:
        details.append(f"photos: {q.photos.min}..{q.photos.max}")
    if q.show_if:
        details.append(f"shown if {_condition(q.show_if)}")
    return details


def _condition(c: Condition) -> str:
    if isinstance(c, AllOf):
        return "(" + " and ".join(_condition(p) for p in c.all) + ")"
    if isinstance(c, AnyOf):
        return "(" + " or ".join(_condition(p) for p in c.any) + ")"
    if c.equals is not None:
        return f"{c.question} = {c.equals!r}"
    if c.in_ is not None:
        return f"{c.question} in {c.in_!r}"
    return f"{c.question} not in {c.not_in!r}"
