"""Points of one answer, and weighted percentages of what applied.

A question counts only when it is shown, answered (not N/A) and its answer has a score;
its points are the score times its weight, out of the best score times its weight.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterable

from .checklist import Band, FollowUp, Question


@dataclass(frozen=True)
class Points:
    got: float
    out_of: float


@dataclass(frozen=True)
class Score:
    """Points summed over some questions; `percent` is None when nothing applied."""

    got: float = 0.0
    out_of: float = 0.0

    @property
    def percent(self) -> float | None:
        return None if self.out_of <= 0 else 100.0 * self.got / self.out_of

    def plus(self, points: Points | None) -> "Score":
        if points is None:
            return self
        return Score(self.got + points.got, self.out_of + points.out_of)


@dataclass(frozen=True)
class VisitScore:
    total: Score
    sections: dict[str, Score]
    questions: dict[str, Points] = field(default_factory=dict)


def band_index(bands: list[Band], value: float) -> int:
    """The first band whose `max` the value does not exceed; the last band catches the rest."""
    for i, band in enumerate(bands):
        if band.max is None or value <= band.max:
            return i
    return len(bands) - 1


def points(item: Question | FollowUp, value: object) -> Points | None:
    """Points of one answer value, or None when it does not count."""
    if value is None:
        return None
    if item.type == "yes_no":
        return Points(item.weight if value is True else 0.0, item.weight)
    if item.type == "choice":
        scores = [o.score for o in item.options or [] if o.score is not None]
        chosen = next((o.score for o in item.options or [] if o.id == value), None)
        return _weighted(chosen, scores, item.weight)
    bands = getattr(item, "bands", None)
    if bands and isinstance(value, (int, float)):
        scores = [b.score for b in bands if b.score is not None]
        return _weighted(bands[band_index(bands, float(value))].score, scores, item.weight)
    return None


def _weighted(score: float | None, scores: Iterable[float], weight: float) -> Points | None:
    best = max(scores, default=None)
    if score is None or best is None or best <= 0:
        return None
    return Points(score * weight, best * weight)
