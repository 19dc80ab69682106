"""Named errors of the domain. Each carries a stable `code`; the edges (app, CLI, server)
turn the code into a message in the user's language or an HTTP problem.

    DomainError
    ├── ChecklistError            a checklist file is malformed (carries every problem)
    ├── ConflictingVersionError   same (id, version), other content
    ├── UnknownChecklistError
    ├── UnknownQuestionError
    ├── InvalidAnswerError        a value that does not fit its question
    ├── VisitFrozenError          the revision is finalized
    ├── IncompleteVisitError      finalize refused: things are missing
    └── FollowUpNotDueError
"""

from __future__ import annotations

from dataclasses import dataclass, field as dataclass_field
from pathlib import Path

from .checklist_problems import ENGLISH, english


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a checklist file: where, which question, which field, and what
    as a stable code with its values (`checklist_problems`), for each edge to word."""

    path: str
    question_id: str | None
    field: str | None
    code: str
    values: dict[str, str] = dataclass_field(default_factory=dict, hash=False)

    def __post_init__(self) -> None:
        if self.code not in ENGLISH:
            raise ValueError(f"no checklist problem has the code {self.code!r}")

    @property
    def message(self) -> str:
        """The problem in English (the CLI's, the phone's and the logs' words)."""
        return english(self.code, self.values)

    def line(self) -> str:
        return f"{self.path}: {self.question_id or '-'}: {self.field or '-'}: {self.message}"


class DomainError(Exception):
    """Base of every domain error."""

    code = "domain.error"


class ChecklistError(DomainError):
    """A checklist file is malformed."""

    code = "checklist.invalid"

    def __init__(self, path: str | Path, problems: list[Problem]):
        self.path = str(path)
        self.problems = problems
        super().__init__("\n".join(p.line() for p in problems))


class ConflictingVersionError(DomainError):
    """The same checklist id and version already exists with other content."""

    code = "checklist.version_conflict"


class UnknownChecklistError(DomainError):
    """No checklist with that id (and version) is known."""

    code = "checklist.unknown"


class UnknownQuestionError(DomainError):
    """The checklist has no question or follow-up with that id."""

    code = "question.unknown"


class InvalidAnswerError(DomainError):
    """A value that does not fit its question."""

    code = "answer.invalid"


class VisitFrozenError(DomainError):
    """The visit's revision is finalized and can no longer change."""

    code = "visit.frozen"


class IncompleteVisitError(DomainError):
    """The visit cannot be finalized: required answers or photos are missing."""

    code = "visit.incomplete"

    def __init__(self, missing: list):
        self.missing = missing
        super().__init__(f"{len(missing)} item(s) still missing")


class FollowUpNotDueError(DomainError):
    """A follow-up was answered before it is due or before the visit was finalized."""

    code = "follow_up.not_due"


class InvalidCalendarError(DomainError):
    """A production calendar year that cannot be read."""

    code = "calendar.invalid"


class InvalidTimezoneError(DomainError):
    """A name that is not an IANA time zone."""

    code = "timezone.invalid"
