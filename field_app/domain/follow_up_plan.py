"""A checklist's follow-up windows for a given visit, as `fieldaudit checklists due` prints them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from .checklist import AnswerValue, Checklist
from .due import check_zone
from .errors import UnknownQuestionError
from .records import Answer, VisitStatus
from .visit import Visit, check_value
from .workdays import WorkCalendar


@dataclass(frozen=True)
class FollowUpPlan:
    id: str
    rule: str
    asked: bool  # False when the answers' show_if hides it
    opens_at: datetime
    closes_at: datetime
    ask_at: datetime

    def to_json(self) -> dict:
        return {"id": self.id, "rule": self.rule, "asked": self.asked, "opens_at": self.opens_at.isoformat(),
                "closes_at": self.closes_at.isoformat(), "ask_at": self.ask_at.isoformat()}


def follow_up_plan(checklist: Checklist, *, start: datetime, finish: datetime | None,
                   answers: dict[str, AnswerValue], zone: str, brand: str,
                   calendar: WorkCalendar) -> list[FollowUpPlan]:
    """Each follow-up's window for a visit of `checklist` at a dealership in `zone`,
    with moments in that zone."""
    check_zone(zone)
    for qid, value in answers.items():
        try:
            check_value(checklist.question(qid), value)
        except KeyError:
            raise UnknownQuestionError(f"{checklist.id}@{checklist.version} has no question {qid!r}") from None
    finish = finish or start
    visit = Visit(uuid="", checklist=checklist, checklist_sha256="", started_at=start, status=VisitStatus.FINALIZED,
                  finalized_at=finish, answers={q: Answer(value=v, answered_at=start) for q, v in answers.items()},
                  timezone=zone, brand=brand, calendar=calendar)
    asked = {f.id for f, _ in visit.asked_follow_ups(finish)}
    tz = ZoneInfo(zone)
    plans = []
    for f in checklist.follow_ups:
        w = visit.follow_up_window(f)
        plans.append(FollowUpPlan(f.id, f.rule_for(brand).describe(), f.id in asked,
                                  w.opens_at.astimezone(tz), w.closes_at.astimezone(tz), w.ask_at.astimezone(tz)))
    return plans
