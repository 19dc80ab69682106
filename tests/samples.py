"""Small checklists built in code, for tests that must not depend on the real files."""

from __future__ import annotations

import copy
import io
from datetime import datetime, timedelta, timezone

from PIL import Image

from field_app.demo import finished_service_visit
from field_app.domain.canonical import checklist_sha256
from field_app.domain.checklist import Checklist
from field_app.domain.route import Assignment
from field_app.domain.visit import Visit
from field_app.services import FieldService

from audio_samples import wav

T0 = datetime(2026, 11, 22, 10, 0, tzinfo=timezone.utc)
# "Now" of the screen tests that run on the demo route.
DEMO_NOW = datetime(2026, 11, 22, 9, 0, tzinfo=timezone.utc)


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


SHOWROOM = {
    "id": "mini_showroom",
    "version": 1,
    "title": "Мини-визит",
    "channel": "visit",
    "sections": [
        {
            "id": "meeting",
            "title": "Встреча",
            "questions": [
                {"id": "front_photo", "text": "Фото фасада", "type": "photo", "photos": {"min": 1, "max": 3}},
                {"id": "greeted", "text": "Поприветствовал", "type": "yes_no", "benchmark": "top"},
                {
                    "id": "consultant_wait", "text": "Ожидание", "type": "timer",
                    "bands": [{"max": 300, "label": "до 5 минут", "score": 1}, {"label": "свыше 5 минут", "score": 0}],
                },
                {"id": "parking", "text": "Парковка", "type": "yes_no", "na_allowed": True, "weight": 2},
            ],
        },
        {
            "id": "test_drive",
            "title": "Тест-драйв",
            "questions": [
                {
                    "id": "test_drive_now", "text": "Тест-драйв сразу", "type": "choice",
                    "options": [
                        {"id": "yes", "label": "Да", "score": 1},
                        {"id": "no", "label": "Нет", "score": 0},
                        {"id": "none", "label": "Тест-драйва не было"},
                    ],
                },
                {"id": "mirrors", "text": "Зеркала", "type": "yes_no",
                 "show_if": {"question": "test_drive_now", "in": ["yes", "no"]}},
                {"id": "rings", "text": "Гудки", "type": "counter",
                 "bands": [{"max": 5, "label": "до 5", "score": 1}, {"label": "более 5", "score": 0}]},
                {"id": "notes", "text": "Заметки", "type": "text", "required": False},
            ],
        },
    ],
    "follow_ups": [
        {"id": "callback", "text": "Перезвонили?", "type": "yes_no", "due_after_hours": 48},
    ],
}


def checklist(data: dict = SHOWROOM) -> Checklist:
    return Checklist.model_validate(data)


def evidence_checklist() -> Checklist:
    """The mini showroom visit with room for 20 photos (the real checklists take at most 8)."""
    data = copy.deepcopy(SHOWROOM)
    data["id"] = "mini_evidence"
    questions = data["sections"][0]["questions"]
    questions[0]["photos"] = {"min": 1, "max": 10}
    questions.append({"id": "stand_photo", "text": "Фото стенда", "type": "photo", "photos": {"min": 1, "max": 10}})
    return checklist(data)


def new_visit(data: dict = SHOWROOM) -> Visit:
    c = checklist(data)
    return Visit("00000000-0000-4000-8000-000000000001", c, checklist_sha256(c), T0)


def jpeg(colour: tuple[int, int, int] = (200, 40, 40), size: tuple[int, int] = (640, 480)) -> bytes:
    """A real JPEG; another colour makes another photo (another sha256)."""
    buffer = io.BytesIO()
    Image.new("RGB", size, colour).save(buffer, "JPEG", quality=85)
    return buffer.getvalue()


def answer_all(service: FieldService, uuid: str, *, good: bool = True, skip: tuple[str, ...] = (),
               wait: float = 20, stop_timers: bool = True) -> None:
    """Answer every visible question as a shopper would: yes (or no), the first (or last)
    option, a stopwatch run of `wait` seconds, one count, now for a moment, and the photos
    and call recordings (short WAVs) a question needs."""
    for q in service.visit(uuid).checklist.questions():
        if q.id in skip or q.id not in service.visit(uuid).visible(service.now()):
            continue
        if q.type == "yes_no":
            service.answer(uuid, q.id, good)
        elif q.type == "choice":
            service.answer(uuid, q.id, q.options[0 if good else -1].id)
        elif q.type == "timer":
            service.timer(uuid, q.id, "start")
            if wait:
                service.clock.advance(wait)
            if stop_timers:
                service.timer(uuid, q.id, "stop")
        elif q.type == "counter":
            service.count(uuid, q.id, +1)
        elif q.type == "number":
            service.answer(uuid, q.id, q.min_value or 0)
        elif q.type == "text" and q.required:
            service.answer(uuid, q.id, "ok")
        elif q.type == "datetime":
            service.answer(uuid, q.id, service.now().isoformat())
        for i in range(q.photo_range()[0]):
            service.add_photo(uuid, q.id, jpeg((i * 40 % 256, 120, 160)))
        for i in range(q.recording_range()[0]):
            service.add_recording(uuid, q.id, wav(1 + i))  # another length, another sha256


def finished_service_visit_on(service: FieldService, version: int, days_ago: int, dealer_code: str = "DEMO-N") -> str:
    """Beside the demo route (its dealerships): a service visit on `version` of the
    checklist, done `days_ago` days before today with every answer 'yes', as the demo's
    finished one; its uuid. Visits pinned to version 1 stay on phones after version 2
    ships, with version 1's three follow-ups."""
    day = service.today() - timedelta(days=days_ago)
    assignment_id = f"test-{day}-service_visit-{version}"
    service.store.save_route([], [Assignment(id=assignment_id, day=day, position=1, dealer_code=dealer_code,
                                             checklist_id="service_visit", checklist_version=version)])
    finished_service_visit(service, assignment_id, day)
    visit = service.store.start_assignment(assignment_id, at=service.now())  # the one just finished
    assert visit.checklist.version == version
    return visit.uuid


# The newest version of the showroom and service checklists (3) takes its evidence photos with
# the camera only; version 2 is the same checklist with the gallery offered.
GALLERY_VERSION = 2


def stop_on(service: FieldService, checklist_id: str, version: int) -> str:
    """Today's demo stop with `checklist_id`, pinned to `version` before it is opened (as a
    coordinator's repin would): its visit's uuid."""
    stop = next(s for s in service.overview().today if s.assignment.checklist_id == checklist_id)
    service.store.save_route([], [stop.assignment.model_copy(update={"checklist_version": version})])
    uuid = service.open_stop(stop.assignment.id)
    assert service.visit(uuid).checklist.version == version
    return uuid
