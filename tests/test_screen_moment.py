"""A `datetime` question on the visit screen: «Сейчас» records the moment, the date and
time pickers record another, «Очистить» takes it back; it is shown and stored in the
dealership's time zone (Vladivostok here, UTC+10, while the clock says UTC), survives the
phone dying, and the review and a finalized visit show it formatted."""

from __future__ import annotations

import time as _time
from datetime import date, datetime, time, timedelta, timezone

import flet as ft
import pytest

from field_app.app import build_app, open_service
from field_app.domain.checklist import Checklist
from field_app.domain.clock import ManualClock
from field_app.domain.i18n import Translator
from field_app.domain.route import Assignment, Dealership
from field_app.screens.moment import day_received, day_sent
from field_app.services import FieldService

from flet_harness import FletHarness, no_failing_handlers  # noqa: F401 (autouse fixture)
from shown_text import checklist_strings, data_strings, shown_strings, untranslated

RU, EN = Translator("ru"), Translator("en")
NOW = datetime(2026, 11, 22, 3, 0, tzinfo=timezone.utc)  # 13:00 in Vladivostok

COLLECTION = Checklist.model_validate({
    "id": "car_collection", "version": 1, "title": "Возврат автомобиля", "channel": "visit",
    "sections": [{"id": "return", "title": "Возврат", "questions": [
        {"id": "car_collected_at", "text": "Когда вы забрали автомобиль?", "type": "datetime",
         "hint": "Дата и время, когда вам выдали автомобиль."},
        {"id": "explained", "text": "Объяснили выполненные работы?", "type": "yes_no"},
    ]}],
    "follow_ups": [
        {"id": "callback", "text": "Вам позвонили?", "type": "yes_no",
         "due": {"anchor": {"question": "car_collected_at"}, "within_working_days": 2}},
    ],
})
VLADIVOSTOK = Dealership(code="VVO-1", name="Восток Авто", brand="Kia", city="Владивосток",
                         timezone="Asia/Vladivostok")


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(NOW)


def collection_visit(service: FieldService) -> str:
    service.store.save_checklist(COLLECTION)
    service.store.save_route([VLADIVOSTOK], [Assignment(
        id="vvo-1", day=date(2026, 11, 22), dealer_code="VVO-1", checklist_id="car_collection", checklist_version=1)])
    return service.open_stop("vvo-1")


async def start(harnesses, service: FieldService, route: str) -> FletHarness:
    h = await FletHarness.start(build_app(service), route=route)
    harnesses.append(h)
    return h


def open_pickers(h: FletHarness, kind: type) -> list:
    return [d for d in h.walk(h.page._dialogs) if isinstance(d, kind) and d.open]


async def pick(h: FletHarness, kind: type, value: object) -> None:
    """What the client sends when the shopper confirms a picker: its value patched, then
    change, then dismiss (data False: closed with a value)."""
    [picker] = open_pickers(h, kind)
    h.session.apply_patch(picker._i, {"value": value, "open": False})
    await h.event(picker, "change", value)
    await h.event(picker, "dismiss", False)


async def cancel(h: FletHarness, kind: type) -> None:
    [picker] = open_pickers(h, kind)
    h.session.apply_patch(picker._i, {"open": False})
    await h.event(picker, "dismiss", True)


def stored(service: FieldService, uuid: str) -> object:
    answer = service.visit(uuid).answers.get("car_collected_at")
    return None if answer is None else answer.value


async def test_now_records_the_moment_in_the_dealerships_time_zone(harnesses, service, clock):
    uuid = collection_visit(service)
    h = await start(harnesses, service, f"/visit/{uuid}")
    assert h.by_key("datetime-car_collected_at-value").value == RU("visit.datetime_none")
    assert not h.has_key("datetime-car_collected_at-clear")

    clock.advance(42.7)
    await h.click(h.by_key("datetime-car_collected_at-now"))

    assert stored(service, uuid) == "2026-11-22T13:00:42+10:00"  # to the second, with the offset
    assert h.by_key("datetime-car_collected_at-value").value == "22 ноября 2026, 13:00"
    assert h.by_key("datetime-car_collected_at-zone").value == "По времени дилерского центра (UTC+10)"
    assert not h.has_key("datetime-car_collected_at-now")  # a stray tap cannot overwrite it
    assert h.by_key("answered-progress").value == RU("visit.answered_of", done=1, total=2)


async def test_another_moment_is_picked_date_then_time(harnesses, service):
    uuid = collection_visit(service)
    h = await start(harnesses, service, f"/visit/{uuid}")
    await h.click(h.by_key("datetime-car_collected_at-pick"))
    [dates] = open_pickers(h, ft.DatePicker)
    assert day_received(dates.value) == date(2026, 11, 22)  # today at the dealership
    assert dates.help_text == RU("visit.datetime_pick_date")

    # A phone in Vladivostok sends its midnight of 20 November: 19 November 14:00 UTC.
    await pick(h, ft.DatePicker, datetime(2026, 11, 19, 14, 0, tzinfo=timezone.utc))
    assert stored(service, uuid) is None  # no time yet: nothing to store
    [times] = open_pickers(h, ft.TimePicker)
    assert times.value == time(13, 0) and times.hour_format == ft.TimePickerHourFormat.H24
    await pick(h, ft.TimePicker, time(9, 5))

    assert stored(service, uuid) == "2026-11-20T09:05:00+10:00"
    assert h.by_key("datetime-car_collected_at-value").value == "20 ноября 2026, 09:05"
    assert open_pickers(h, ft.DatePicker) == [] and open_pickers(h, ft.TimePicker) == []


async def test_a_new_date_keeps_the_time_and_a_cancelled_picker_changes_nothing(harnesses, service):
    uuid = collection_visit(service)
    service.record_moment(uuid, "car_collected_at", datetime(2026, 11, 21, 8, 30, tzinfo=timezone.utc))
    h = await start(harnesses, service, f"/visit/{uuid}")
    assert h.by_key("datetime-car_collected_at-value").value == "21 ноября 2026, 18:30"

    await h.click(h.by_key("datetime-car_collected_at-pick"))
    await cancel(h, ft.DatePicker)
    assert stored(service, uuid) == "2026-11-21T18:30:00+10:00"
    assert open_pickers(h, ft.TimePicker) == []

    await h.click(h.by_key("datetime-car_collected_at-pick"))
    [dates] = open_pickers(h, ft.DatePicker)
    assert day_received(dates.value) == date(2026, 11, 21)  # the recorded day, not today
    # This time a phone on Moscow time: its midnight of 19 November is 18 November 21:00 UTC.
    await pick(h, ft.DatePicker, datetime(2026, 11, 18, 21, 0, tzinfo=timezone.utc))
    assert stored(service, uuid) == "2026-11-19T18:30:00+10:00"  # the date at once, its time kept
    [times] = open_pickers(h, ft.TimePicker)
    assert times.value == time(18, 30)
    await cancel(h, ft.TimePicker)
    assert stored(service, uuid) == "2026-11-19T18:30:00+10:00"
    assert h.by_key("datetime-car_collected_at-value").value == "19 ноября 2026, 18:30"


async def test_clear_takes_the_moment_back(harnesses, service):
    uuid = collection_visit(service)
    h = await start(harnesses, service, f"/visit/{uuid}")
    await h.click(h.by_key("datetime-car_collected_at-now"))
    clear = h.by_key("datetime-car_collected_at-clear")
    assert clear.content.value == RU("visit.datetime_clear")
    await h.click(clear)
    assert stored(service, uuid) is None
    assert h.by_key("datetime-car_collected_at-value").value == RU("visit.datetime_none")
    assert h.has_key("datetime-car_collected_at-now")


async def test_a_recorded_moment_survives_the_phone_dying(harnesses, service, folder, clock):
    uuid = collection_visit(service)
    h = await start(harnesses, service, f"/visit/{uuid}")
    await h.click(h.by_key("datetime-car_collected_at-now"))

    service.store.close()  # the phone dies
    clock.advance(3600)
    again = open_service(folder, clock)
    try:
        h2 = await start(harnesses, again, "/")
        assert h2.page.route.startswith(f"/visit/{uuid}")
        assert h2.by_key("datetime-car_collected_at-value").value == "22 ноября 2026, 13:00"
        assert again.visit(uuid).timezone == "Asia/Vladivostok"
    finally:
        again.store.close()


async def test_the_buttons_are_thumb_sized(harnesses, service):
    uuid = collection_visit(service)
    h = await start(harnesses, service, f"/visit/{uuid}")
    for key in ("datetime-car_collected_at-now", "datetime-car_collected_at-pick"):
        padding = h.by_key(key).style.padding
        assert padding.top + padding.bottom + 24 >= 48, key  # a line of 16 px text: 56 px high
    await h.click(h.by_key("datetime-car_collected_at-now"))
    for key in ("datetime-car_collected_at-pick", "datetime-car_collected_at-clear"):
        padding = h.by_key(key).style.padding
        assert padding.top + padding.bottom + 24 >= 48, key


async def test_english_dates_and_words(harnesses, service):
    service.set_language("en")
    uuid = collection_visit(service)
    h = await start(harnesses, service, f"/visit/{uuid}")
    assert EN("visit.datetime_now") in h.texts() and EN("visit.datetime_other") in h.texts()
    await h.click(h.by_key("datetime-car_collected_at-now"))
    assert h.by_key("datetime-car_collected_at-value").value == "November 22, 2026 at 13:00"
    assert h.by_key("datetime-car_collected_at-zone").value == "Dealership's local time (UTC+10)"


async def test_the_review_and_a_finalized_visit_show_the_moment(harnesses, service, clock):
    uuid = collection_visit(service)
    service.record_moment(uuid, "car_collected_at", datetime(2026, 11, 21, 8, 30, tzinfo=timezone.utc))
    service.answer(uuid, "explained", True)
    review = await start(harnesses, service, f"/review/{uuid}")
    assert review.by_key("moment-car_collected_at-value").value == "21 ноября 2026, 18:30"
    assert RU("review.moments_title") in review.texts()

    service.finalize(uuid)
    done = await start(harnesses, service, f"/visit/{uuid}")
    assert done.by_key("datetime-car_collected_at-value").value == "21 ноября 2026, 18:30"
    assert done.top_view().data.body.disabled  # shown, not offered
    again = await start(harnesses, service, f"/review/{uuid}")
    assert again.by_key("moment-car_collected_at-value").value == "21 ноября 2026, 18:30"


def test_the_day_sent_to_the_date_picker_and_read_back_holds_from_utc_minus_11_to_plus_12():
    day = date(2026, 12, 31)
    for offset in range(-11, 13):
        zone = timezone(timedelta(hours=offset))
        assert day_sent(day).astimezone(zone).date() == day, offset  # the device shows that day
        midnight = datetime.combine(day, time(0), tzinfo=zone).astimezone(timezone.utc)
        assert day_received(midnight) == day, offset  # and its midnight of it reads as that day
    assert day_received(datetime(2026, 12, 31)) == day  # a naive date is taken as it is


@pytest.fixture
def phone_zone(monkeypatch):
    """Set the phone's own time zone (the process's) for one test."""
    def set_zone(name: str) -> None:
        monkeypatch.setenv("TZ", name)
        _time.tzset()
    yield set_zone
    monkeypatch.undo()
    _time.tzset()


async def test_the_follow_up_shows_the_dealerships_window(harnesses, service, clock, phone_zone):
    phone_zone("UTC")
    uuid = collection_visit(service)
    # Saturday evening in Vladivostok: two working days after it end with Tuesday the 24th.
    service.record_moment(uuid, "car_collected_at", datetime(2026, 11, 21, 8, 30, tzinfo=timezone.utc))
    service.answer(uuid, "explained", True)
    service.finalize(uuid)
    through = "Срок для дилерского центра: по 24 ноября включительно"

    h = await start(harnesses, service, f"/follow-ups/{uuid}")
    assert h.has_key("upcoming-callback")
    assert h.by_key("window-callback").value == f"{through} (UTC+10)"  # the phone is on UTC
    # asked once the window has closed: Wednesday 00:00 in Vladivostok, 14:00 UTC the day before
    assert "Можно ответить с 24 ноября 14:00" in h.texts()

    clock.advance((datetime(2026, 11, 24, 14, 0, tzinfo=timezone.utc) - clock.now()).total_seconds())
    phone_zone("Asia/Vladivostok")
    h = await start(harnesses, service, f"/follow-ups/{uuid}")
    assert h.has_key("follow-up-callback")
    assert h.by_key("window-callback").value == through  # the phone keeps the dealership's time
    [item] = [i for i in service.due_follow_ups() if i.visit_uuid == uuid]
    assert item.due_at == datetime(2026, 11, 24, 14, 0, tzinfo=timezone.utc)


@pytest.mark.parametrize("language", ["ru", "en"])
async def test_every_word_shown_is_translated(harnesses, service, clock, produced, phone_zone, language):
    phone_zone("UTC")  # the window line then names the dealership's offset too
    service.set_language(language)
    uuid = collection_visit(service)
    shown: list[str] = []
    h = await start(harnesses, service, f"/visit/{uuid}")
    shown += shown_strings(h)
    await h.click(h.by_key("datetime-car_collected_at-now"))
    shown += shown_strings(h)
    await h.click(h.by_key("datetime-car_collected_at-pick"))
    shown += shown_strings(h)
    service.answer(uuid, "explained", True)
    shown += shown_strings(await start(harnesses, service, f"/review/{uuid}"))
    service.finalize(uuid)
    shown += shown_strings(await start(harnesses, service, f"/follow-ups/{uuid}"))
    clock.advance(10 * 24 * 3600)
    shown += shown_strings(await start(harnesses, service, f"/follow-ups/{uuid}"))

    data = data_strings() | checklist_strings(COLLECTION) | {VLADIVOSTOK.name}
    assert untranslated(shown, produced | data) == []
    assert any("UTC+10" in s for s in shown)
