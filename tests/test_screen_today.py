"""The Today screen: the route's stops in order, follow-ups that are due, later days,
starting and continuing a visit, and switching the language in Settings."""

from __future__ import annotations

from urllib.parse import unquote

import flet as ft

from field_app.app import build_app
from field_app.domain.records import VisitStatus
from field_app.services import FieldService

from flet_harness import FletHarness
from samples import DEMO_NOW, finished_service_visit_on

NOW = DEMO_NOW


async def start(harnesses, service: FieldService, route: str = "/") -> FletHarness:
    h = await FletHarness.start(build_app(service), route=route)
    harnesses.append(h)
    return h


def stop_cards(h: FletHarness) -> list[ft.Card]:
    """The stop cards, top to bottom (follow-up tiles are cards too, but hold a ListTile)."""
    return [c for c in h.find(ft.Card) if not isinstance(c.content, ft.ListTile)]


def card_of(h: FletHarness, header: str) -> ft.Card:
    [card] = [c for c in stop_cards(h) if h.texts(c)[0] == header]
    return card


def order_of(h: FletHarness, *texts: str) -> list[int]:
    shown = h.texts()
    return [shown.index(t) for t in texts]


# --- what is shown -----------------------------------------------------------------


async def test_todays_stops_in_order_with_dealership_checklist_and_status(harnesses, service):
    h = await start(harnesses, service)
    assert h.top_view().route == "/"
    assert h.top_view().appbar.title.value == "Маршрут на сегодня"
    day = service.today()
    months = ["января", "февраля", "марта", "апреля", "мая", "июня", "июля", "августа",
              "сентября", "октября", "ноября", "декабря"]
    shown = h.texts()
    title = shown.index(f"{day.day} {months[day.month - 1]} {day.year}")
    assert shown[0] == "Пора ответить" and title > shown.index(
        "Позвонили ли вам из сервисного центра в срок, чтобы узнать, довольны ли вы обслуживанием?")  # due follow-ups on top

    today = [h.texts(c) for c in stop_cards(h)][:3]
    assert [t[0] for t in today] == ["1. Автоцентр «Северный»", "2. Запад Моторс", "3. Сервис-Юг"]
    assert [t[1] for t in today] == ["Звонок в автосалон", "Визит в автосалон", "Визит на СТО"]
    assert all(t[2] == "Запланирован" for t in today)
    assert today[0][3:5] == ["с 09:00 до 10:00", "Дмитровское ш., 163"]


async def test_a_stop_whose_checklist_is_newer_than_the_app_says_to_update_it(harnesses, service):
    """A pull leaves out a checklist this app cannot read (sync/pull.py): its stop is still
    listed, with where and when, but says to update the app instead of offering to start."""
    first = service.overview().today[0]
    newer = first.assignment.model_copy(update={"id": "newer", "position": 4, "checklist_version": 99})
    service.store.save_route([first.dealership], [newer])
    h = await start(harnesses, service)
    card = card_of(h, "4. Автоцентр «Северный»")
    assert h.texts(card)[1] == "Чек-лист этой точки новее приложения. Обновите приложение, чтобы пройти визит."
    assert not h.has_key("start-newer") and h.has_key("start-" + first.assignment.id)
    assert h.button("Позвонить +7 495 000-01-01", root=card).url == "tel:+74950000101"


async def test_a_stop_offers_a_tel_link_and_a_map_link(harnesses, service):
    h = await start(harnesses, service)
    card = card_of(h, "1. Автоцентр «Северный»")

    call = h.button("Позвонить +7 495 000-01-01", root=card)
    assert call.url == "tel:+74950000101"
    assert call.height >= 48
    map_link = h.button("На карте", root=card)
    # https, not geo: a phone opens its maps app, a browser a map page
    assert unquote(map_link.url) == "https://www.google.com/maps/search/?api=1&query=55.8866,37.547"
    assert map_link.height >= 48


async def test_due_follow_ups_are_listed_and_a_tap_opens_them(harnesses, service):
    [finalized] = [v.uuid for v in service.store.visits() if v.status == VisitStatus.FINALIZED]
    # Beside the demo's visit (version 2, one follow-up, due when its window closed at the
    # end of 5 November), one done on version 1 on 4 November, whose follow-ups came due 24
    # and 48 hours after its start: on either side of the demo's.
    pinned = finished_service_visit_on(service, version=1, days_ago=18)
    h = await start(harnesses, service)

    tiles = h.find(ft.ListTile)
    assert [t.title.value for t in tiles] == [
        "Соответствовала ли окончательная стоимость в счёте предварительному расчёту?",
        "Был ли автомобиль готов в обещанный срок?",
        "Позвонили ли вам из сервисного центра в срок, чтобы узнать, довольны ли вы обслуживанием?",
        "Позвонили ли вам из сервисного центра в течение 48 часов после визита?",
    ]  # soonest due first, whichever visit
    # the visit's date and dealership, so that none reads as one of today's stops
    months = ["января", "февраля", "марта", "апреля", "мая", "июня", "июля", "августа",
              "сентября", "октября", "ноября", "декабря"]

    def about(uuid: str, dealership: str) -> str:
        started = service.visit(uuid).started_at.astimezone()
        return f"Визит {started.day} {months[started.month - 1]} {started.year} · {dealership}"

    demo, other = about(finalized, "Сервис-Юг"), about(pinned, "Автоцентр «Северный»")
    assert [t.subtitle.value for t in tiles] == [other, other, demo, other]
    day_title, first_stop = order_of(h, "22 ноября 2026", "1. Автоцентр «Северный»")
    assert all(h.texts().index(t.title.value) < day_title < first_stop for t in tiles)  # on top
    assert all(t.min_height >= 48 for t in tiles)
    assert "Пора ответить" in h.texts()

    await h.click(tiles[2])
    await h.settle()
    assert h.page.route == f"/follow-ups/{finalized}"
    assert h.top_view().route == f"/follow-ups/{finalized}"


async def test_later_days_come_below_today(harnesses, service):
    h = await start(harnesses, service)
    later, last_today, follow_ups = order_of(h, "Следующие дни", "3. Сервис-Юг", "Пора ответить")
    assert later > last_today and later > follow_ups

    tomorrow = card_of(h, "23 ноября · 1. Автоцентр «Северный»")
    assert h.texts(tomorrow)[:3] == ["23 ноября · 1. Автоцентр «Северный»", "Звонок на линию помощи в пути",
                                     "Запланирован"]
    # a later stop cannot be started from here
    assert not any(isinstance(c, ft.FilledButton) for c in h.walk(tomorrow))
    assert stop_cards(h)[-1] is tomorrow


# --- starting and continuing -------------------------------------------------------


async def test_starting_a_stop_opens_its_visit_and_a_second_tap_continues_it(harnesses, service):
    h = await start(harnesses, service)
    await h.click(h.button("Начать", root=card_of(h, "2. Запад Моторс")))
    await h.settle()

    [summary] = [v for v in service.store.visits() if v.status != VisitStatus.FINALIZED]
    uuid = summary.uuid
    assert h.page.route == f"/visit/{uuid}"
    assert h.top_view().route.startswith(f"/visit/{uuid}")
    assert service.visit(uuid).checklist.id == "showroom_visit"

    await h.back()
    await h.settle()
    assert h.top_view().route == "/"
    card = card_of(h, "2. Запад Моторс")
    assert h.texts(card)[2] == "Начат"
    await h.click(h.button("Продолжить", root=card))
    await h.settle()
    assert h.page.route == f"/visit/{uuid}"
    assert len([v for v in service.store.visits() if v.status != VisitStatus.FINALIZED]) == 1


async def test_an_unfinished_visit_reopens_where_it_was_on_start(harnesses, service):
    stop = service.overview().today[0]
    uuid = service.open_stop(stop.assignment.id)
    section = service.visit(uuid).checklist.sections[1].id
    service.set_section(uuid, section)

    h = await start(harnesses, service)
    await h.settle()
    assert h.page.route == f"/visit/{uuid}/{section}"


# --- language --------------------------------------------------------------------------


async def test_settings_switches_to_english_and_today_follows(harnesses, service):
    h = await start(harnesses, service)
    assert h.page.title == "Полевой аудит"  # the app's name, as on the phone's home screen
    await h.click(h.button("Настройки"))
    await h.settle()
    assert h.top_view().route == "/settings"
    assert h.top_view().appbar.title.value == "Настройки"

    [group] = h.find(ft.RadioGroup)
    h.session.apply_patch(group._i, {"value": "en"})  # what the client does on a tap
    await h.event(group, "change", "en")
    assert service.language() == "en"
    assert h.top_view().appbar.title.value == "Settings"
    assert h.page.title == "Field Audit"

    await h.back()
    await h.settle()
    assert h.top_view().route == "/"
    assert h.top_view().appbar.title.value == "Today's route"
    day = service.today()
    shown = h.texts()
    months = ["January", "February", "March", "April", "May", "June", "July", "August",
              "September", "October", "November", "December"]
    assert shown[0] == "Due now" and f"{months[day.month - 1]} {day.day}, {day.year}" in shown
    assert "Next days" in shown
    assert "November 23 · 1. Автоцентр «Северный»" in shown  # no 23.11 beside November 22, 2026
    card = card_of(h, "1. Автоцентр «Северный»")
    assert h.texts(card)[2] == "Planned"
    h.button("Call +7 495 000-01-01", root=card)
    h.button("Start", root=card)
    assert "Начать" not in shown and "Маршрут на сегодня" not in shown


async def test_the_language_chosen_is_kept_for_the_next_start(harnesses, service):
    service.set_language("en")
    h = await start(harnesses, service)
    assert h.top_view().appbar.title.value == "Today's route"
    assert h.button("Settings").tooltip == "Settings"
