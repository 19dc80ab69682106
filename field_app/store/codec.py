"""How moments and answer values are written into columns and read back."""

from __future__ import annotations

import json
from datetime import datetime, timezone

from field_app.domain.checklist import AnswerValue

# Fixed width (always microseconds) so that text order is time order in SQL.
_MOMENT_FORMAT = "%Y-%m-%dT%H:%M:%S.%fZ"


def utc(moment: datetime) -> datetime:
    """The moment in UTC; a moment without a time zone is refused, never guessed."""
    if moment.tzinfo is None:
        raise ValueError(f"a moment must carry its time zone: {moment!r}")
    return moment.astimezone(timezone.utc)


def utc_now() -> datetime:
    return datetime.now(timezone.utc)


def moment_text(moment: datetime) -> str:
    return utc(moment).strftime(_MOMENT_FORMAT)


def moment_text_or_none(moment: datetime | None) -> str | None:
    return None if moment is None else moment_text(moment)


def read_moment(text: str) -> datetime:
    return datetime.fromisoformat(text)


def read_moment_or_none(text: str | None) -> datetime | None:
    return None if text is None else read_moment(text)


def value_text(value: AnswerValue | None) -> str | None:
    # JSON keeps true apart from 1 and 1.0 apart from 1, as the answer types need.
    return None if value is None else json.dumps(value, ensure_ascii=False)


def read_value(text: str | None) -> AnswerValue | None:
    return None if text is None else json.loads(text)
