"""`show_if` evaluation: conditions are data, never code.

A condition on a question that is unanswered, answered N/A, or itself hidden is false:
a question that depends on something the shopper has not seen stays hidden.
"""

from __future__ import annotations

from typing import Callable

from .checklist import AllOf, AnswerValue, AnyOf, Condition, QuestionIs

# Gives the effective value of a question, or None when it has none (unanswered, N/A, hidden).
ValueOf = Callable[[str], AnswerValue | None]


def holds(condition: Condition, value_of: ValueOf) -> bool:
    if isinstance(condition, AllOf):
        return all(holds(c, value_of) for c in condition.all)
    if isinstance(condition, AnyOf):
        return any(holds(c, value_of) for c in condition.any)
    value = value_of(condition.question)
    if value is None:
        return False
    if condition.equals is not None:
        return _same(value, condition.equals)
    if condition.in_ is not None:
        return any(_same(value, v) for v in condition.in_)
    if condition.not_in is not None:
        return not any(_same(value, v) for v in condition.not_in)
    return False


def _same(a: AnswerValue, b: AnswerValue) -> bool:
    # True == 1 in Python; a yes/no answer must not match a counter value of 1.
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool) and a == b
    return a == b


def referenced_questions(condition: Condition) -> list[str]:
    """Every question id a condition names, in order of appearance."""
    if isinstance(condition, AllOf):
        return [q for c in condition.all for q in referenced_questions(c)]
    if isinstance(condition, AnyOf):
        return [q for c in condition.any for q in referenced_questions(c)]
    assert isinstance(condition, QuestionIs)
    return [condition.question]
