"""An answer as the coordinator reads it, shared by the visit's page and the changes of
a corrected revision: the checklist's own words where it has them, a stopwatch as m:ss."""

from __future__ import annotations

from field_app.domain.checklist import AnswerValue, FollowUp, Question
from field_app.domain.i18n import Translator
from field_app.domain.scoring import band_index


def answer_words(t: Translator, item: Question | FollowUp, value: AnswerValue | None) -> str:
    """An answer as the coordinator reads it: the checklist's own words where it has them."""
    if value is None:
        return t("visit.not_answered")
    if item.type == "yes_no":
        if item.labels is not None:
            return item.labels.yes if value is True else item.labels.no
        return t("visit.yes") if value is True else t("visit.no")
    if item.type == "choice":
        return next((o.label for o in item.options or [] if o.id == value), str(value))
    if item.type == "text" or not isinstance(value, (int, float)):
        return str(value)
    if item.type == "timer":
        words = clock(value)
    else:
        words = _number_text(value) + (f" {item.unit}" if getattr(item, "unit", None) else "")
    bands = getattr(item, "bands", None)
    if bands:
        words += f" — {bands[band_index(bands, float(value))].label}"
    return words


def clock(seconds: float) -> str:
    """Seconds as a stopwatch shows them: m:ss."""
    whole = int(seconds)
    return f"{whole // 60}:{whole % 60:02d}"


def _number_text(value: float) -> str:
    return str(value) if isinstance(value, int) else f"{value:.15g}"
