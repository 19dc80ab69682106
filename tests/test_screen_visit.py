"""The visit screen in an in-memory Flet session: sections, answers, show_if, stopwatches,
counters, photos, a restart mid-visit, English.

Each test drives the real app (`build_app`) over a real Store in a temporary folder, with a
hand-moved clock and the real checklists (plus one test checklist for the question types
the real ones do not use: number, text, N/A, two stopwatches).
"""

from __future__ import annotations

import asyncio
from datetime import datetime, timezone

import flet as ft
import pytest

from field_app.app import build_app, open_service
from field_app.domain.clock import ManualClock
from field_app.domain.checklist import Checklist
from field_app.domain.registry import Registry
from field_app.domain.i18n import Translator
from field_app.domain.resources import shipped_checklists
from field_app.screens.visit import ROUTE_DELAY
from field_app.store.errors import StoreError

from flet_harness import FletHarness
from samples import GALLERY_VERSION, jpeg, stop_on

REGISTRY = Registry.from_directory(shipped_checklists())
RU, EN = Translator("ru"), Translator("en")

# Question types and options the real checklists do not use.
FIELD_TEST = Checklist.model_validate({
    "id": "field_test", "version": 1, "title": "Проверка экрана", "channel": "visit",
    "sections": [
        {"id": "first", "title": "Первый раздел", "questions": [
            {"id": "wait_a", "text": "Ожидание на входе", "type": "timer",
             "bands": [{"max": 60, "label": "До минуты", "score": 1}, {"label": "Дольше минуты", "score": 0}]},
            {"id": "cars_on_display", "text": "Сколько машин в зале", "type": "number", "unit": "шт."},
            {"id": "impression", "text": "Общее впечатление", "type": "text", "required": False},
            {"id": "coffee", "text": "Предложили кофе", "type": "yes_no", "na_allowed": True},
        ]},
        {"id": "second", "title": "Второй раздел", "questions": [
            {"id": "wait_b", "text": "Ожидание у кассы", "type": "timer",
             "bands": [{"max": 120, "label": "До двух минут", "score": 1}, {"label": "Дольше", "score": 0}]},
        ]},
        {"id": "third", "title": "Третий раздел", "questions": [
            {"id": "said_goodbye", "text": "Попрощался", "type": "yes_no"},
        ]},
    ],
})


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(datetime(2026, 11, 22, 10, 0, tzinfo=timezone.utc))


@pytest.fixture
def start(service, harnesses):
    async def start(route: str, of=None) -> FletHarness:
        h = await FletHarness.start(build_app(of or service), route=route)
        harnesses.append(h)
        return h
    return start


def stop_visit(service, checklist_id: str) -> str:
    stop = next(s for s in service.overview().today if s.assignment.checklist_id == checklist_id)
    return service.open_stop(stop.assignment.id)


def field_test_visit(service, clock) -> str:
    service.store.save_checklist(FIELD_TEST)
    return service.store.start_visit("field_test", 1, at=clock.now()).uuid




def snack_texts(h: FletHarness) -> list[str]:
    return [d.content.value for d in h.dialogs() if isinstance(d, ft.SnackBar)]


def alert(h: FletHarness) -> ft.AlertDialog:
    dialogs = [d for d in h.dialogs() if isinstance(d, ft.AlertDialog)]
    assert len(dialogs) == 1, dialogs
    return dialogs[0]


def screen(h: FletHarness):
    return h.top_view().data


async def pick(h: FletHarness, qid: str, *files: bytes) -> None:
    """What the client sends after the shopper picked files through the button's PickFiles action."""
    picker = h.by_key(f"photo-add-{qid}").action.file_picker
    assert h.by_key(f"photo-camera-{qid}").action is None  # "take photo" opens the camera screen
    payload = [{"id": i, "name": f"p{i}.jpg", "size": len(data), "bytes": data} for i, data in enumerate(files)]
    await h.event(picker, "result", {"files": payload})


# --- sections ------------------------------------------------------------------------


async def test_sections_next_back_progress_and_review(service, start):
    uuid = stop_visit(service, "showroom_visit")
    h = await start(f"/visit/{uuid}")
    assert h.by_key("visit-dealership").value == "Запад Моторс"
    assert h.by_key("visit-checklist").value == "Визит в автосалон"
    assert h.by_key("section-progress").value == "Раздел 1 из 7"
    assert h.by_key("section-title").value == "Оценка внешнего и внутреннего оформления дилерского центра и сотрудников"
    assert h.by_key("prev-section").disabled
    assert service.current_section(uuid) == "dealership_appearance"

    await h.click(h.by_key("next-section"))
    assert h.routes()[-1] == f"/visit/{uuid}/client_meeting"
    assert h.by_key("section-progress").value == "Раздел 2 из 7"
    assert h.by_key("section-title").value == "Встреча клиента"
    assert service.current_section(uuid) == "client_meeting"

    await h.click(h.by_key("prev-section"))
    assert h.by_key("section-progress").value == "Раздел 1 из 7"
    assert service.current_section(uuid) == "dealership_appearance"

    await h.go(f"/visit/{uuid}/closing")
    assert h.by_key("section-progress").value == "Раздел 7 из 7"
    assert not h.has_key("next-section")
    assert h.button("Проверить") is h.by_key("review")
    await h.click(h.by_key("review"))
    assert h.page.route == f"/review/{uuid}"
    assert h.top_view().route == f"/review/{uuid}"


async def test_a_section_changes_in_place_and_the_address_bar_follows(service, start):
    uuid = stop_visit(service, "showroom_visit")
    h = await start(f"/visit/{uuid}/dealership_appearance")
    shown = screen(h)
    views = list(h.page.views)
    await h.click(h.by_key("next-section"))
    await h.click(h.by_key("next-section"))  # quicker than the address bar
    assert h.by_key("section-progress").value == "Раздел 3 из 7"
    assert h.page.route == f"/visit/{uuid}/dealership_appearance"  # the address bar waits for the drawing
    await asyncio.sleep(ROUTE_DELAY + 0.2)
    assert h.page.route == f"/visit/{uuid}/needs_analysis"
    assert h.page.views == views and screen(h) is shown  # one view, one screen, all along
    pushed = [i.args["route"] for i in h.conn.invocations if i.name == "push_route"]
    assert pushed == [f"/visit/{uuid}/needs_analysis"]  # only the section the shopper stayed on

    # an echo that comes late (the client confirming a route already left) shows nothing
    shown.noted.append(f"/visit/{uuid}/client_meeting")
    await h.click(h.by_key("next-section"))
    await h.go(f"/visit/{uuid}/client_meeting")
    assert h.by_key("section-progress").value == "Раздел 4 из 7"
    # the browser's back to an earlier section is not an echo: it is shown, in place
    await h.go(f"/visit/{uuid}/dealership_appearance")
    assert h.by_key("section-progress").value == "Раздел 1 из 7" and screen(h) is shown
    assert service.current_section(uuid) == "dealership_appearance"


async def test_no_section_in_route_opens_the_remembered_one(service, start):
    uuid = stop_visit(service, "showroom_visit")
    service.set_section(uuid, "test_drive")
    h = await start(f"/visit/{uuid}")
    assert h.by_key("section-title").value == "Тест-драйв"
    h2 = await start(f"/visit/{uuid}/no_such_section")
    assert h2.by_key("section-title").value == "Тест-драйв"


async def test_benchmark_is_not_shown(service, start):
    uuid = stop_visit(service, "showroom_visit")
    h = await start(f"/visit/{uuid}/client_meeting")
    texts = " ".join(h.texts()).lower()
    for word in ("bottom", "top", "average", "benchmark"):
        assert word not in texts


# --- answers -------------------------------------------------------------------------


async def test_yes_no_and_choice_are_stored_and_shown_chosen(service, start):
    uuid = stop_visit(service, "showroom_visit")
    h = await start(f"/visit/{uuid}/client_meeting")
    assert h.by_key("answered-progress").value == "Отвечено 0 из 39"
    yes = h.by_key("answer-met_at_entrance-yes")
    assert yes.content.value == "Встретил"  # the checklist's own labels
    assert isinstance(yes, ft.OutlinedButton)

    await h.click(yes)
    assert service.visit(uuid).answers["met_at_entrance"].value is True
    assert isinstance(h.by_key("answer-met_at_entrance-yes"), ft.FilledButton)
    assert isinstance(h.by_key("answer-met_at_entrance-no"), ft.OutlinedButton)
    assert h.by_key("answered-progress").value == "Отвечено 1 из 39"

    await h.click(h.by_key("answer-met_at_entrance-no"))
    assert service.visit(uuid).answers["met_at_entrance"].value is False
    assert isinstance(h.by_key("answer-met_at_entrance-no"), ft.FilledButton)

    # a question without its own labels gets the checklist default "Да"/"Нет"
    assert h.by_key("answer-asked_client_name-yes").content.value == "Да"

    await h.go(f"/visit/{uuid}/test_drive")
    await h.click(h.by_key("answer-test_drive_immediate-none"))
    assert service.visit(uuid).answers["test_drive_immediate"].value == "none"
    assert isinstance(h.by_key("answer-test_drive_immediate-none"), ft.FilledButton)
    assert isinstance(h.by_key("answer-test_drive_immediate-yes"), ft.OutlinedButton)


async def test_show_if_items_appear_and_disappear_live(service, start):
    uuid = stop_visit(service, "showroom_visit")
    h = await start(f"/visit/{uuid}/test_drive")
    later = ["helped_adjust_mirrors_seat", "client_drove", "test_drive_questionnaire"]
    assert not any(h.has_key(f"answer-{q}-yes") for q in later)
    total_before = h.by_key("answered-progress").value

    await h.click(h.by_key("answer-test_drive_immediate-yes"))
    assert all(h.has_key(f"answer-{q}-yes") for q in later)
    assert h.by_key("answered-progress").value == "Отвечено 1 из 45"
    await h.click(h.by_key("answer-client_drove-yes"))
    assert service.visit(uuid).answers["client_drove"].value is True

    await h.click(h.by_key("answer-test_drive_immediate-no"))
    assert all(h.has_key(f"answer-{q}-yes") for q in later)
    assert isinstance(h.by_key("answer-client_drove-yes"), ft.FilledButton)

    await h.click(h.by_key("answer-test_drive_immediate-none"))
    assert not any(h.has_key(f"answer-{q}-yes") for q in later)
    assert h.by_key("answered-progress").value == total_before.replace("0 из", "1 из")


async def test_na_toggles(service, clock, start):
    uuid = field_test_visit(service, clock)
    h = await start(f"/visit/{uuid}")
    assert h.by_key("visit-dealership").value == RU("visit.unplanned")
    await h.click(h.by_key("answer-coffee-yes"))
    await h.click(h.by_key("answer-coffee-na"))
    answer = service.visit(uuid).answers["coffee"]
    assert answer.na and answer.value is None
    assert isinstance(h.by_key("answer-coffee-na"), ft.FilledButton)
    assert isinstance(h.by_key("answer-coffee-yes"), ft.OutlinedButton)
    await h.click(h.by_key("answer-coffee-na"))
    assert not service.visit(uuid).answers["coffee"].na
    assert not h.has_key("answer-met_at_entrance-na")


async def test_comment_is_revealed_saved_and_shown_again(service, start):
    uuid = stop_visit(service, "showroom_visit")
    h = await start(f"/visit/{uuid}/client_meeting")
    assert not h.shown("comment-greeted_first")
    await h.click(h.by_key("comment-greeted_first-toggle"))
    field = h.by_key("comment-greeted_first")
    assert h.shown("comment-greeted_first")
    await h.type(field, "Кивнул, но не поздоровался")
    assert "greeted_first" not in service.visit(uuid).answers  # saved on blur, not per keystroke
    await h.blur(field)
    assert service.visit(uuid).answers["greeted_first"].comment == "Кивнул, но не поздоровался"

    await h.type(h.by_key("comment-greeted_first"), "Кивнул", submit=True)
    assert service.visit(uuid).answers["greeted_first"].comment == "Кивнул"

    h2 = await start(f"/visit/{uuid}/client_meeting")
    assert h2.shown("comment-greeted_first") and h2.by_key("comment-greeted_first").value == "Кивнул"


async def test_number_and_text_fields_are_saved(service, clock, start):
    uuid = field_test_visit(service, clock)
    h = await start(f"/visit/{uuid}")
    number = h.by_key("number-cars_on_display")
    assert number.keyboard_type == ft.KeyboardType.NUMBER
    await h.type(number, "12", submit=True)
    assert service.visit(uuid).answers["cars_on_display"].value == 12
    await h.type(h.by_key("number-cars_on_display"), "3,5")
    await h.blur(h.by_key("number-cars_on_display"))
    assert service.visit(uuid).answers["cars_on_display"].value == 3.5

    await h.type(h.by_key("number-cars_on_display"), "много")
    await h.blur(h.by_key("number-cars_on_display"))
    assert service.visit(uuid).answers["cars_on_display"].value == 3.5
    assert RU("visit.number_invalid") in snack_texts(h)

    text = h.by_key("text-impression")
    assert text.multiline
    await h.type(text, "Чисто, светло")
    await h.blur(text)
    assert service.visit(uuid).answers["impression"].value == "Чисто, светло"
    h2 = await start(f"/visit/{uuid}")
    assert h2.by_key("number-cars_on_display").value == "3.5"
    assert h2.by_key("text-impression").value == "Чисто, светло"


async def test_a_failed_save_shows_a_message_and_the_screen_goes_on(service, start, monkeypatch):
    uuid = stop_visit(service, "showroom_visit")
    h = await start(f"/visit/{uuid}/client_meeting")

    def broken(*args):
        raise StoreError("disk full")

    monkeypatch.setattr(service, "answer", broken)
    await h.click(h.by_key("answer-met_at_entrance-yes"))
    assert RU("errors.store.error") in snack_texts(h)
    assert isinstance(h.by_key("answer-met_at_entrance-yes"), ft.OutlinedButton)  # shows what is stored
    monkeypatch.undo()
    await h.click(h.by_key("answer-met_at_entrance-yes"))
    assert service.visit(uuid).answers["met_at_entrance"].value is True


# --- stopwatches ---------------------------------------------------------------------


async def test_stopwatch_start_stop_resume_reset(service, clock, start):
    uuid = stop_visit(service, "showroom_visit")
    h = await start(f"/visit/{uuid}/client_meeting")
    qid = "consultant_wait_time"
    assert h.by_key(f"timer-{qid}-time").value == "0:00"
    assert not h.has_key(f"timer-{qid}-reset")

    await h.click(h.by_key(f"timer-{qid}-start"))
    assert [e.event for e in service.visit(uuid).timers[qid]] == ["start"]
    clock.advance(75)
    screen(h).tick()
    assert h.by_key(f"timer-{qid}-time").value == "1:15"
    assert h.by_key(f"timer-{qid}-band").value == "До 5 минут"

    await h.click(h.by_key(f"timer-{qid}-stop"))
    clock.advance(600)
    screen(h).tick()
    assert h.by_key(f"timer-{qid}-time").value == "1:15"  # stopped: time stands still

    await h.click(h.by_key(f"timer-{qid}-resume"))
    clock.advance(250)
    screen(h).tick()
    assert h.by_key(f"timer-{qid}-time").value == "5:25"
    assert h.by_key(f"timer-{qid}-band").value == "Свыше 5 минут"
    clock.advance(3600)
    screen(h).tick()
    assert h.by_key(f"timer-{qid}-time").value == "1:05:25"

    await h.click(h.by_key(f"timer-{qid}-reset"))
    dialog = alert(h)
    assert dialog.title.value == RU("visit.reset_title")
    assert [e.event for e in service.visit(uuid).timers[qid]] == ["start", "stop", "start"]
    await h.click(h.button(RU("common.cancel"), root=dialog))
    assert [e.event for e in service.visit(uuid).timers[qid]][-1] == "start"

    await h.click(h.by_key(f"timer-{qid}-reset"))
    await h.click(h.button(RU("visit.reset_confirm"), root=alert(h)))
    assert [e.event for e in service.visit(uuid).timers[qid]][-1] == "reset"
    assert h.by_key(f"timer-{qid}-time").value == "0:00"
    assert h.by_key(f"timer-{qid}-band").value == ""
    assert h.has_key(f"timer-{qid}-start")


async def test_two_stopwatches_and_the_running_bar(service, clock, start):
    uuid = field_test_visit(service, clock)
    h = await start(f"/visit/{uuid}/first")
    assert not h.shown("running-timers")
    await h.click(h.by_key("timer-wait_a-start"))
    assert h.shown("running-timers")
    clock.advance(20)
    await h.click(h.by_key("next-section"))
    await h.click(h.by_key("timer-wait_b-start"))
    clock.advance(45)

    await h.click(h.by_key("next-section"))
    assert h.by_key("section-title").value == "Третий раздел"
    bar = h.by_key("running-timers")
    assert h.shown("running-timers")
    assert h.by_key("running-wait_a-time").value == "1:05"
    assert h.by_key("running-wait_b-time").value == "0:45"
    assert {"Ожидание на входе", "Ожидание у кассы"} <= set(h.texts(bar))
    clock.advance(10)
    screen(h).tick()
    assert h.by_key("running-wait_a-time").value == "1:15"
    assert h.by_key("running-wait_b-time").value == "0:55"

    await h.click(h.by_key("running-wait_b"))
    assert h.routes()[-1] == f"/visit/{uuid}/second"
    assert h.by_key("section-title").value == "Второй раздел"
    assert h.by_key("timer-wait_b-time").value == "0:55"
    assert h.by_key("timer-wait_b-band").value == "До двух минут"

    await h.click(h.by_key("timer-wait_b-stop"))
    assert not h.has_key("running-wait_b")
    assert h.has_key("running-wait_a")
    await h.click(h.by_key("running-wait_a"))
    assert h.by_key("section-title").value == "Первый раздел"
    assert service.visit(uuid).running_timers(clock.now()) == ["wait_a"]


async def test_the_live_ticker_redraws_by_itself(service, clock, start):
    uuid = stop_visit(service, "showroom_visit")
    h = await start(f"/visit/{uuid}/client_meeting")
    await h.click(h.by_key("timer-consultant_wait_time-start"))
    clock.advance(42)
    for _ in range(30):  # the ticker wakes once a second
        await asyncio.sleep(0.1)
        if h.by_key("timer-consultant_wait_time-time").value == "0:42":
            break
    assert h.by_key("timer-consultant_wait_time-time").value == "0:42"
    assert h.by_key("running-consultant_wait_time-time").value == "0:42"


async def test_ticker_stops_when_the_visit_is_left(service, start):
    uuid = stop_visit(service, "showroom_visit")
    h = await start(f"/visit/{uuid}/client_meeting")
    first = screen(h)
    assert first._alive()
    await h.click(h.by_key("next-section"))
    assert screen(h) is first and first._alive()  # another section of the same visit, in place
    await h.back()
    assert not first._alive()


# --- counters ------------------------------------------------------------------------


async def test_counter_plus_minus_never_below_min_with_band(service, start):
    uuid = stop_visit(service, "dealer_call")
    h = await start(f"/visit/{uuid}")
    qid = "attempt_number"  # min 1; band "С первой попытки" up to 1
    assert h.by_key(f"counter-{qid}-value").value == RU("visit.no_value")
    assert h.by_key(f"counter-{qid}-unit").value == "попыток"  # the checklist's unit, declined

    await h.click(h.by_key(f"counter-{qid}-plus"))
    assert service.visit(uuid).answers[qid].value == 1
    assert h.by_key(f"counter-{qid}-value").value == "1"
    assert h.by_key(f"counter-{qid}-band").value == "С первой попытки"
    assert h.by_key(f"counter-{qid}-unit").value == "попытка"
    assert h.by_key(f"counter-{qid}-minus").disabled

    await h.click(h.by_key(f"counter-{qid}-plus"))
    await h.click(h.by_key(f"counter-{qid}-plus"))
    assert service.visit(uuid).answers[qid].value == 3
    assert h.by_key(f"counter-{qid}-band").value == "Не с первой"
    assert h.by_key(f"counter-{qid}-unit").value == "попытки"

    for _ in range(2):
        await h.click(h.by_key(f"counter-{qid}-minus"))
    assert service.visit(uuid).answers[qid].value == 1
    assert h.by_key(f"counter-{qid}-band").value == "С первой попытки"
    # even a "−" that gets through (a double tap) stays at the minimum
    screen(h).count(qid, -1)
    assert service.visit(uuid).answers[qid].value == 1

    rings = "rings_before_pickup"  # min 0
    await h.click(h.by_key(f"counter-{rings}-minus"))
    assert service.visit(uuid).answers[rings].value == 0
    assert h.by_key(f"counter-{rings}-band").value == "До 5 гудков"
    shown = []
    for _ in range(5):  # the checklist says "гудков"; each count gets its own form
        await h.click(h.by_key(f"counter-{rings}-plus"))
        shown.append(f'{h.by_key(f"counter-{rings}-value").value} {h.by_key(f"counter-{rings}-unit").value}')
    assert shown == ["1 гудок", "2 гудка", "3 гудка", "4 гудка", "5 гудков"]


# --- photos --------------------------------------------------------------------------


async def test_photo_add_shows_a_thumbnail_and_stores_it(service, start, monkeypatch):
    uuid = stop_on(service, "showroom_visit", GALLERY_VERSION)  # a version with the gallery
    h = await start(f"/visit/{uuid}")
    qid = "photo_facade"
    assert h.by_key(f"photo-count-{qid}").value == "Фото: 0 из минимум 1"
    progress_seen = []
    real_add = service.add_photo

    def add_photo(*args):
        progress_seen.append(h.by_key(f"photo-progress-{qid}").visible)
        return real_add(*args)

    monkeypatch.setattr(service, "add_photo", add_photo)
    await pick(h, qid, jpeg())
    assert progress_seen == [True]
    photos = service.visit(uuid).photos_of(qid)
    assert len(photos) == 1
    sha = photos[0].sha256
    thumb = h.by_key(f"photo-{qid}-{sha}")
    image = thumb.content
    assert isinstance(image, ft.Image) and image.src == service.thumbnail_path(sha).read_bytes()
    assert h.by_key(f"photo-count-{qid}").value == "Фото: 1 из минимум 1"
    assert not h.by_key(f"photo-progress-{qid}").visible

    # tap the thumbnail: the photo, large, in a dialog
    await h.click(thumb)
    dialog = alert(h)
    assert dialog.content.content.src == service.photo_path(sha).read_bytes()
    await h.click(h.by_key("photo-dialog-close", root=dialog))
    assert not [d for d in h.dialogs() if isinstance(d, ft.AlertDialog)]

    # two at once go in one after the other, up to the question's maximum (3)
    await pick(h, qid, jpeg((10, 200, 10)), jpeg((10, 10, 200)), jpeg((90, 90, 90)))
    assert len(service.visit(uuid).photos_of(qid)) == 3
    assert RU("visit.photo_limit", count=3) in snack_texts(h)
    assert h.by_key(f"photo-add-{qid}").disabled


async def test_corrupt_photo_shows_the_translated_error_and_stores_nothing(service, start):
    uuid = stop_on(service, "showroom_visit", GALLERY_VERSION)  # a version with the gallery
    h = await start(f"/visit/{uuid}")
    good = jpeg()
    corrupt = good[:200] + b"\x00" * 500 + good[700:]
    await pick(h, "photo_parking", corrupt)
    assert RU("errors.photo.corrupt") in snack_texts(h)
    assert service.visit(uuid).photos_of("photo_parking") == []
    assert h.by_key("photo-count-photo_parking").value == "Фото: 0 из минимум 1"
    assert not h.by_key("photo-progress-photo_parking").visible
    assert not h.by_key("photo-add-photo_parking").disabled


async def test_photo_delete_asks_first(service, start):
    uuid = stop_on(service, "showroom_visit", GALLERY_VERSION)  # a version with the gallery
    h = await start(f"/visit/{uuid}")
    qid = "photo_facade"
    await pick(h, qid, jpeg())
    sha = service.visit(uuid).photos_of(qid)[0].sha256

    await h.click(h.by_key(f"photo-delete-{qid}-{sha}"))
    dialog = alert(h)
    assert dialog.title.value == RU("visit.photo_delete_title")
    await h.click(h.button(RU("common.cancel"), root=dialog))
    assert len(service.visit(uuid).photos_of(qid)) == 1

    await h.click(h.by_key(f"photo-delete-{qid}-{sha}"))
    await h.click(h.button(RU("visit.photo_delete_confirm"), root=alert(h)))
    assert service.visit(uuid).photos_of(qid) == []
    assert not h.has_key(f"photo-{qid}-{sha}")
    assert h.by_key(f"photo-count-{qid}").value == "Фото: 0 из минимум 1"


# --- a restart mid-visit, English ----------------------------------------------------


async def test_restart_mid_visit_lands_where_the_shopper_was(service, folder, clock, start):
    uuid = stop_on(service, "showroom_visit", GALLERY_VERSION)  # a version with the gallery
    h = await start(f"/visit/{uuid}")
    await h.click(h.by_key("answer-easy_to_find-yes"))
    await pick(h, "photo_facade", jpeg())
    await h.click(h.by_key("next-section"))
    await h.click(h.by_key("timer-consultant_wait_time-start"))
    clock.advance(40)
    await h.click(h.by_key("answer-met_at_entrance-no"))
    sha = service.visit(uuid).photos_of("photo_facade")[0].sha256

    service.store.close()  # the phone dies
    clock.advance(100)
    again = open_service(folder, clock)
    try:
        h2 = await start("/", of=again)
        assert h2.page.route == f"/visit/{uuid}/client_meeting"
        assert h2.by_key("section-title").value == "Встреча клиента"
        assert isinstance(h2.by_key("answer-met_at_entrance-no"), ft.FilledButton)
        assert h2.by_key("timer-consultant_wait_time-time").value == "2:20"  # counted from its stored start
        assert h2.has_key("running-consultant_wait_time")
        clock.advance(5)
        screen(h2).tick()
        assert h2.by_key("timer-consultant_wait_time-time").value == "2:25"
        await h2.click(h2.by_key("prev-section"))
        assert isinstance(h2.by_key("answer-easy_to_find-yes"), ft.FilledButton)
        assert h2.has_key(f"photo-photo_facade-{sha}")
    finally:
        again.store.close()


async def test_english_ui_strings(service, start):
    service.set_language("en")
    uuid = stop_visit(service, "showroom_visit")
    h = await start(f"/visit/{uuid}/client_meeting")
    texts = set(h.texts())
    for key in ("visit.next", "visit.prev", "visit.timer_start", "visit.comment"):
        assert EN(key) in texts
    assert "Section 2 of 7" in texts
    assert not {RU("visit.next"), RU("visit.timer_start"), RU("visit.comment")} & texts
    assert "Сколько времени вы ждали консультанта?" in texts  # checklist content stays as it is


async def test_a_finalized_visit_is_shown_read_only(service, start):
    finalized = next(v for v in service.store.visits() if v.status.value == "finalized")
    before = service.visit(finalized.uuid).answers
    h = await start(f"/visit/{finalized.uuid}")
    assert screen(h).body.disabled
    await h.click(h.by_key("answer-met_at_entrance-no"))  # even a tap that gets through changes nothing
    assert RU("errors.visit.frozen") in snack_texts(h)
    assert service.visit(finalized.uuid).answers == before
