"""A demo route for today, so a newcomer can try everything with no server: a call, a
showroom visit and a service visit at made-up dealerships, with the real checklists; a
roadside-assistance call tomorrow; and a service visit from three weeks ago whose
follow-ups are due (the dealer's callback window, three working days after the car was
collected, has closed even across the New Year holidays)."""

from __future__ import annotations

import io
from datetime import date, datetime, timedelta

from PIL import Image, ImageDraw

from .domain.registry import Registry
from .domain.route import Assignment, Dealership
from .services import FieldService

DONE_DAYS_AGO = 21

DEALERSHIPS = [
    Dealership(code="DEMO-N", name="Автоцентр «Северный»", brand="Lada", city="Москва",
               address="Дмитровское ш., 163", phone="+7 495 000-01-01", lat=55.8866, lon=37.5470),
    Dealership(code="DEMO-W", name="Запад Моторс", brand="Kia", city="Москва",
               address="Рублёвское ш., 28", phone="+7 495 000-02-02", lat=55.7532, lon=37.4174),
    Dealership(code="DEMO-S", name="Сервис-Юг", brand="Hyundai", city="Москва",
               address="Варшавское ш., 95", phone="+7 495 000-03-03", lat=55.6321, lon=37.6150),
]


def fill_demo(service: FieldService, registry: Registry) -> bool:
    """Fill an empty store with the demo route; a store that has a route is left alone."""
    store = service.store
    today = service.today()
    if store.stops(today - timedelta(days=30), today + timedelta(days=30)):
        return False
    for entry in registry:
        store.save_checklist(entry.checklist)
    latest = {cid: registry.get(cid).checklist.version for cid in registry.ids()}

    def stop(id_: str, day: date, position: int, dealer: str, checklist_id: str, window: tuple[str, str]):
        return Assignment(id=id_, day=day, position=position, dealer_code=dealer, checklist_id=checklist_id,
                          checklist_version=latest[checklist_id], window_start=window[0], window_end=window[1])

    earlier = today - timedelta(days=DONE_DAYS_AGO)
    store.save_route(DEALERSHIPS, [
        stop(f"demo-{today}-1", today, 1, "DEMO-N", "dealer_call", ("09:00", "10:00")),
        stop(f"demo-{today}-2", today, 2, "DEMO-W", "showroom_visit", ("11:00", "13:00")),
        stop(f"demo-{today}-3", today, 3, "DEMO-S", "service_visit", ("15:00", "17:00")),
        stop(f"demo-{today}-4", today + timedelta(days=1), 1, "DEMO-N", "roadside_assistance_call", ("21:00", "23:00")),
        stop(f"demo-{earlier}-1", earlier, 1, "DEMO-S", "service_visit", ("10:00", "12:00")),
    ])
    finished_service_visit(service, f"demo-{earlier}-1", earlier)
    return True


def finished_service_visit(service: FieldService, assignment_id: str, day: date) -> None:
    """A service visit done on `day` with every answer 'yes' (the car collected as it ends)."""
    store = service.store
    started = datetime.combine(day, datetime.min.time().replace(hour=10)).astimezone()
    visit = store.start_assignment(assignment_id, at=started)
    moment = started
    for question in visit.checklist.questions():
        moment += timedelta(seconds=30)
        current = store.visit(visit.uuid)
        if question.id not in current.visible(moment):
            continue
        if question.type == "yes_no":
            store.answer(visit.uuid, question.id, True, moment)
        elif question.type == "choice" and question.options:
            store.answer(visit.uuid, question.id, question.options[0].id, moment)
        elif question.type == "datetime":
            store.answer(visit.uuid, question.id, moment.isoformat(), moment)
        elif question.type == "photo" and question.required:
            _demo_photo(service, visit.uuid, question.id, question.photos.min if question.photos else 1)
    store.finalize(visit.uuid, moment + timedelta(minutes=5))


def _demo_photo(service: FieldService, uuid: str, question_id: str, count: int) -> None:
    for i in range(count):
        image = Image.new("RGB", (1200, 900), (70 + 40 * i, 110, 160))
        ImageDraw.Draw(image).rectangle((200, 300, 1000, 700), fill=(230, 230, 235))
        buffer = io.BytesIO()
        image.save(buffer, "JPEG", quality=85)
        service.add_photo(uuid, question_id, buffer.getvalue())
