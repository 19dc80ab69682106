"""The stopwatches running now, in every visit not finalized: a shopper running a call's
stopwatch while recording a showroom visit must see it from anywhere (the visit screen's
bar, Today's stop card), or its answer slips into a worse band unnoticed.

A read over the services, as the screens need it; the time shown always comes from the
stored events (`visit.stopwatch(question_id, now)`), so the visit is kept with each one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from .domain.visit import Visit
from .services import FieldService


@dataclass(frozen=True)
class RunningStopwatch:
    visit: Visit  # a copy, as read: its events give the time at any moment
    question_id: str
    dealership_name: str | None  # None: an unplanned visit

    @property
    def visit_uuid(self) -> str:
        return self.visit.uuid

    @property
    def question_text(self) -> str:
        return self.visit.question(self.question_id).text

    @property
    def section_id(self) -> str:
        return self.visit.checklist.section_of(self.question_id).id

    def seconds(self, now: datetime) -> float:
        return self.visit.stopwatch(self.question_id, now).elapsed_seconds

    def running(self, now: datetime) -> bool:
        return self.visit.stopwatch(self.question_id, now).running


def running_stopwatches(service: FieldService, now: datetime | None = None) -> list[RunningStopwatch]:
    """Every running stopwatch of the visits still being recorded, oldest visit first.

    Rebuilds only the unfinished visits, of which a shopper has a day's worth at most: a
    year of visits done costs what a day costs."""
    now = now or service.now()
    found: list[RunningStopwatch] = []
    for uuid in service.store.unfinished_visits():
        visit = service.visit(uuid)
        running = visit.running_timers(now)
        if not running:
            continue
        stop = service.stop_of(visit)
        name = stop.dealership.name if stop is not None else None
        found.extend(RunningStopwatch(visit, question_id, name) for question_id in running)
    return found
