"""A year on the phone costs what a day costs: Today's reads with 10 finalized visits in
the store and with 1,000, side by side in one run.

Two file-backed stores (WAL, synchronous=FULL, as on a phone) in temporary folders next
to the repository, each holding a route around today and finalized service visits (the
real checklist, whose follow-up falls due 48 hours after the visit): the small one the
last 10 days' visits, the large one the same 10 behind 990 older ones, whose follow-ups
were answered as a shopper answers them. The most recent visits' follow-ups are due and
unanswered in both. `FieldService.overview()` (the route and the due follow-ups: what
Today shows) and `due_follow_ups()` are timed REPEATS times each, the two stores taking
turns; the figure is the median. Prints one JSON object; the target is a ratio (1,000 over 10) of at most 1.5 for
both.

    .venv/bin/python benchmarks/store_year.py
"""

from __future__ import annotations

import json
import statistics
import tempfile
import time
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

from field_app.app import open_service
from field_app.domain.clock import ManualClock
from field_app.domain.records import PhotoRef
from field_app.domain.registry import Registry
from field_app.domain.resources import shipped_checklists
from field_app.domain.route import Assignment, Dealership
from field_app.services import FieldService

SMALL, LARGE = 10, 1000
REPEATS = 200
TARGET_RATIO = 1.5
REPO = Path(__file__).resolve().parent.parent
NOW = datetime(2026, 12, 4, 15, 0, tzinfo=timezone.utc)
DEALERSHIP = Dealership(code="B-1", name="Сервис-Юг", brand="Hyundai", city="Москва", address="Варшавское ш., 95")


def fill(service: FieldService, visits: int) -> None:
    """`visits` finalized service visits, two or three a day going back from yesterday,
    the route's stops today and in the days ahead, and follow-ups answered as a shopper
    does (all but those of the last three days)."""
    store = service.store
    registry = Registry.from_directory(shipped_checklists())
    for entry in registry:
        store.save_checklist(entry.checklist)
    checklist = registry.get("service_visit").checklist
    today = service.today()
    # Filling only: durability is not what is measured here.
    store.db.execute("PRAGMA synchronous = OFF")

    def stop(i: int, day: date) -> Assignment:
        return Assignment(id=f"a-{day}-{i}", day=day, position=i, dealer_code=DEALERSHIP.code,
                          checklist_id=checklist.id, checklist_version=checklist.version)

    past = [stop(i % 3, today - timedelta(days=1 + i // 3)) for i in range(visits)]
    ahead = [stop(i, today + timedelta(days=d)) for d in range(0, 15) for i in range(3)]
    store.save_route([DEALERSHIP], past + ahead)
    for n, assignment in enumerate(reversed(past)):
        started = datetime.combine(assignment.day, datetime.min.time().replace(hour=10 + 2 * assignment.position),
                                   tzinfo=timezone.utc)
        visit = store.start_assignment(assignment.id, at=started)
        moment = started
        for question in checklist.questions():
            moment += timedelta(seconds=30)
            if question.id not in store.visit(visit.uuid).visible(moment):
                continue
            if question.type == "yes_no":
                store.answer(visit.uuid, question.id, True, moment)
            elif question.type == "choice" and question.options:
                store.answer(visit.uuid, question.id, question.options[0].id, moment)
            for k in range(question.photo_range()[0]):
                # Reads never open photo files: a row is all Today's reads could touch.
                photo = PhotoRef(sha256=f"{n:08x}{k:02x}".ljust(64, "0"), bytes=250_000,
                                 question_id=question.id, taken_at=moment)
                store.add_photo(visit.uuid, photo, f"/nowhere/{photo.sha256}.jpg")
        store.finalize(visit.uuid, moment + timedelta(minutes=5))
        answered_at = started + timedelta(hours=50)
        if answered_at < NOW - timedelta(days=1):
            store.answer_follow_ups(visit.uuid, {f.id: True for f in checklist.follow_ups}, answered_at)
    store.db.execute("PRAGMA synchronous = FULL")


def measure(services: dict[int, FieldService], read: str) -> dict[int, float]:
    """The median of REPEATS calls of `read` on each store, the stores taking turns call
    by call, so that whatever else the machine does falls on both alike."""
    timings: dict[int, list[float]] = {visits: [] for visits in services}
    for _ in range(REPEATS):
        for visits, service in services.items():
            call = getattr(service, read)
            began = time.perf_counter()
            call()
            timings[visits].append((time.perf_counter() - began) * 1000)
    return {visits: statistics.median(found) for visits, found in timings.items()}


def main() -> None:
    with tempfile.TemporaryDirectory(dir=REPO, prefix=".bench-year-") as folder:
        services = {visits: open_service(Path(folder) / str(visits), ManualClock(NOW)) for visits in (SMALL, LARGE)}
        try:
            for visits, service in services.items():
                fill(service, visits)
            due = {visits: len(service.due_follow_ups()) for visits, service in services.items()}
            assert due[SMALL] == due[LARGE], "both stores must have the same follow-ups due"
            stops = len(services[SMALL].overview().today)
            overview = measure(services, "overview")
            follow_ups = measure(services, "due_follow_ups")
        finally:
            for service in services.values():
                service.store.close()
    print(json.dumps({
        "visits": [SMALL, LARGE],
        "overview_ms": [round(overview[SMALL], 3), round(overview[LARGE], 3)],
        "due_follow_ups_ms": [round(follow_ups[SMALL], 3), round(follow_ups[LARGE], 3)],
        "overview_ratio": round(overview[LARGE] / overview[SMALL], 2),
        "due_follow_ups_ratio": round(follow_ups[LARGE] / follow_ups[SMALL], 2),
        "target_ratio": TARGET_RATIO,
        "follow_ups_due": due[SMALL],
        "stops_today": stops,
        "repeats": REPEATS,
    }))


if __name__ == "__main__":
    main()
