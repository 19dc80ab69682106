"""The console's routes: a shopper's day (add, order, remove after a confirmation), the
week board of all shoppers, the warning about the same dealership within 30 days, refused
input, and every change reaching the phone through `sync/pull`."""

from __future__ import annotations

import html
import re
from datetime import date, timedelta

import pytest

from field_app.domain.records import VisitRevision
from server_stub import admin, devices, pull, visits
from server_stub.planning import day_plan

from server_support import MINI, new_uuid, publish_mini, revision, seed_dealers

MONDAY = date(2026, 11, 23)  # the week after the test clock's day (a Sunday)


@pytest.fixture
def anna(server_store) -> str:
    seed_dealers(server_store, "D1", "D2", "D3")
    publish_mini(server_store)
    return admin.create_shopper(server_store, "Анна Петрова").shopper_id


def day_path(shopper_id: str, day: date) -> str:
    return f"/routes/{shopper_id}/{day.isoformat()}"


def add(console, shopper_id: str, day: date, dealer: str, checklist: str = "mini_showroom", **fields):
    console.get(day_path(shopper_id, day))
    return console.post(day_path(shopper_id, day), {"dealer": dealer, "checklist": checklist, **fields})


def planned(store, shopper_id: str, day: date) -> list[tuple]:
    """The day's stops as stored, in route order: (dealer, checklist@version, window, note, position)."""
    plan = day_plan(store, shopper_id, day)
    assert plan is not None
    return [(s.dealer_code, f"{s.checklist_id}@{s.checklist_version}",
             f"{s.window_start}-{s.window_end}" if s.window_start else None, s.note, s.position) for s in plan.stops]


def stop_ids(store, shopper_id: str, day: date) -> list[str]:
    plan = day_plan(store, shopper_id, day)
    assert plan is not None
    return [s.id for s in plan.stops]


def paired_device(store, shopper_id: str):
    code = admin.new_pairing_code(store, shopper_id)
    return devices.authenticate(store, devices.pair(store, code.pairing_code, "Pixel 8").token)


def visit_made(store, device, assignment_id: str) -> None:
    body = VisitRevision.model_validate(revision(1, assignment_id=assignment_id))
    visits.put_revision(store, device, new_uuid(), body)


def cell(page, shopper_id: str, day: date) -> str:
    """The text of one cell of the week board."""
    found = re.search(rf'<td data-cell="{shopper_id}/{day.isoformat()}"[^>]*>(.*?)</td>', page.html, re.DOTALL)
    assert found, (shopper_id, day)
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", found.group(1)))).strip()


# --- a shopper's day ---------------------------------------------------------------------

def test_stops_are_added_at_the_end_of_the_day_with_the_newest_checklist_by_default(console, server_store, anna):
    store = server_store
    store.catalog.publish(MINI.model_copy(update={"version": 2}), store.now())
    first = add(console, anna, MONDAY, "D1", window="10:00-12:00", note="Спросить про кредит")
    assert first.status == 200 and "Остановка добавлена" in first
    add(console, anna, MONDAY, " D2 ", version="1", window=" 13:00 – 14:30 ")
    add(console, anna, MONDAY, "D3", "showroom_visit")
    assert planned(store, anna, MONDAY) == [
        ("D1", "mini_showroom@2", "10:00-12:00", "Спросить про кредит", 1),
        ("D2", "mini_showroom@1", "13:00-14:30", "", 2),
        ("D3", f"showroom_visit@{store.catalog.newest('showroom_visit').checklist.version}", None, "", 3),
    ]
    page = console.get(day_path(anna, MONDAY))
    assert f"Анна Петрова · #{anna[-4:]}: маршрут на пн 2026-11-23" in page
    # the checklist by its title and version, its id below for who needs it
    assert "1 Дилер D1 D1, Москва Мини-визит v2 mini_showroom@2 10:00–12:00 Спросить про кредит" in page
    assert planned(store, anna, MONDAY + timedelta(days=1)) == []


def test_stops_are_put_in_order_and_their_positions_saved(console, server_store, anna):
    for dealer in ("D1", "D2", "D3"):
        add(console, anna, MONDAY, dealer)
    one, two, three = stop_ids(server_store, anna, MONDAY)
    console.get(day_path(anna, MONDAY))
    page = console.post(day_path(anna, MONDAY) + f"/move/{three}", {"direction": "up"})
    assert page.status == 200
    assert stop_ids(server_store, anna, MONDAY) == [one, three, two]
    console.post(day_path(anna, MONDAY) + f"/move/{one}", {"direction": "down"})
    assert [s[0] for s in planned(server_store, anna, MONDAY)] == ["D3", "D1", "D2"]
    assert [s[4] for s in planned(server_store, anna, MONDAY)] == [1, 2, 3]
    # The first stop cannot go earlier: nothing moves.
    console.post(day_path(anna, MONDAY) + f"/move/{three}", {"direction": "up"})
    assert stop_ids(server_store, anna, MONDAY) == [three, one, two]
    assert console.post(day_path(anna, MONDAY) + f"/move/{three}", {"direction": "sideways"}).status == 400


def test_a_stop_is_removed_only_after_the_confirmation(console, server_store, anna):
    add(console, anna, MONDAY, "D1", window="10:00-12:00")
    add(console, anna, MONDAY, "D2")
    first, second = stop_ids(server_store, anna, MONDAY)
    question = console.get(day_path(anna, MONDAY) + f"/remove/{first}")
    assert question.status == 200
    assert f"Убрать Дилер D1 из маршрута Анна Петрова · #{anna[-4:]} на 2026-11-23?" in question
    assert stop_ids(server_store, anna, MONDAY) == [first, second]  # asking changed nothing

    done = console.post(day_path(anna, MONDAY) + f"/remove/{first}")
    assert done.status == 200 and "Остановка убрана из маршрута" in done
    assert stop_ids(server_store, anna, MONDAY) == [second]
    # The confirmation sent twice, or an old page's link: the stop is already gone.
    again = console.post(day_path(anna, MONDAY) + f"/remove/{first}")
    assert "Этой остановки в маршруте уже нет" in again
    assert "Этой остановки в маршруте уже нет" in console.get(day_path(anna, MONDAY) + f"/remove/{first}")


def test_another_shoppers_stop_cannot_be_touched_through_this_shoppers_day(console, server_store, anna):
    boris = admin.create_shopper(server_store, "Борис").shopper_id
    theirs = admin.assign(server_store, boris, MONDAY, "D1", "mini_showroom").assignment_id
    console.get(day_path(anna, MONDAY))
    assert "уже нет" in console.post(day_path(anna, MONDAY) + f"/remove/{theirs}")
    assert "уже нет" in console.post(day_path(anna, MONDAY + timedelta(days=1)) + f"/move/{theirs}",
                                     {"direction": "down"})
    assert stop_ids(server_store, boris, MONDAY) == [theirs]


def test_an_unknown_shopper_or_day_is_not_found(console, anna):
    assert console.get(day_path("sh_nobody", MONDAY)).status == 404
    assert console.get(f"/routes/{anna}/2026-02-30").status == 404
    assert console.get(f"/routes/{anna}/0001-01-01").status == 404  # no day before it to link to
    assert add(console, "sh_nobody", MONDAY, "D1").status == 404


# --- refused input -------------------------------------------------------------------------

@pytest.mark.parametrize(("fields", "message"), [
    ({"dealer": "D9"}, "Дилерского центра «D9» нет ни по коду, ни по названию или городу"),
    ({"dealer": ""}, "Укажите дилерский центр"),
    ({"checklist": "no_such_list"}, "Чек-листа «no_such_list» на сервере нет"),
    ({"version": "7"}, "У чек-листа «mini_showroom» нет версии 7; опубликованы: 1"),
    ({"version": "два"}, "Версия — целое число от 1"),
    ({"window": "18:00-09:00"}, "Время «18:00-09:00» заканчивается не позже, чем начинается"),
    ({"window": "9-10"}, "Время пишется как ЧЧ:ММ-ЧЧ:ММ, например 10:00-12:30, а не «9-10»"),
    ({"window": "10:00-10:00"}, "заканчивается не позже, чем начинается"),
    ({"note": "x" * 501}, "Заметка длиннее 500 символов"),
    ({"note": "a\x00b"}, "символы, которые нельзя сохранить"),
])
def test_bad_input_is_shown_beside_what_was_typed_and_nothing_is_saved(console, server_store, anna, fields, message):
    typed = {"dealer": "D1", "checklist": "mini_showroom", "version": "", "window": "11:00-12:00",
             "note": "Заметка <b>координатора</b>"} | fields
    console.get(day_path(anna, MONDAY))
    page = console.post(day_path(anna, MONDAY), typed)
    assert page.status == 422
    assert message in page
    for name, value in typed.items():
        if value and "\x00" not in value:
            shown = value.replace("<", "&lt;").replace(">", "&gt;")
            assert f'value="{shown}"' in page.html, name
    assert 'aria-invalid="true"' in page.html
    assert planned(server_store, anna, MONDAY) == []


def test_several_problems_are_shown_at_once(console, server_store, anna):
    page = add(console, anna, MONDAY, "D9", "no_such_list", window="25:00-26:00")
    assert page.status == 422
    assert "«D9» нет" in page and "«no_such_list» на сервере нет" in page and "а не «25:00-26:00»" in page


# --- the week board ------------------------------------------------------------------------

def test_the_week_board_lists_every_shoppers_stops_by_day(console, server_store, anna):
    store = server_store
    boris = admin.create_shopper(store, "Борис Иванов").shopper_id
    wednesday = MONDAY + timedelta(days=2)
    visited = admin.assign(store, anna, MONDAY, "D1", "mini_showroom", window="10:00-12:00")
    admin.assign(store, anna, MONDAY, "D2", "showroom_visit")
    admin.assign(store, anna, wednesday, "D3", "mini_showroom", window="15:00-16:00")
    admin.assign(store, boris, MONDAY + timedelta(days=7), "D2", "mini_showroom")  # next week
    removed = admin.assign(store, boris, wednesday, "D1", "mini_showroom")
    admin.withdraw_assignment(store, removed.assignment_id)
    visit_made(store, paired_device(store, anna), visited.assignment_id)

    page = console.get("/routes", week=(MONDAY + timedelta(days=3)).isoformat())
    assert page.status == 200
    assert "Неделя 2026-11-23 — 2026-11-29" in page
    assert "Анна Петрова" in page and "Борис Иванов" in page
    showroom = store.catalog.newest("showroom_visit").checklist.version
    # Anna's city is not known: the dealership's city is said
    assert cell(page, anna, MONDAY) == ("изменить Дилер D1 · Москва ✓ 10:00–12:00 Мини-визит v1 "
                                        f"Дилер D2 · Москва Визит в автосалон v{showroom}")
    assert cell(page, anna, wednesday) == "изменить Дилер D3 · Москва 15:00–16:00 Мини-визит v1"
    assert cell(page, anna, MONDAY + timedelta(days=1)) == "+"
    assert cell(page, boris, wednesday) == "+"
    assert f'href="/console/routes/{anna}/2026-11-25"' in page.html
    assert 'href="/console/routes?week=2026-11-16"' in page.html
    assert 'href="/console/routes?week=2026-11-30"' in page.html

    following = console.get("/routes", week="2026-11-30")
    assert cell(following, boris, MONDAY + timedelta(days=7)) == "изменить Дилер D2 · Москва Мини-визит v1"
    assert cell(following, anna, MONDAY + timedelta(days=7)) == "+"


def test_the_week_board_shows_this_week_and_says_when_the_week_is_not_a_date(console, anna):
    assert "Неделя 2026-11-16 — 2026-11-22" in console.get("/routes")  # the clock's day is a Sunday
    for week in ("next tuesday", "0001-01-01", "9999-12-31"):
        page = console.get("/routes", week=week)
        assert page.status == 200
        assert "Дата недели не распознана" in page and "Неделя 2026-11-16 — 2026-11-22" in page


def test_names_on_the_board_and_the_day_are_escaped(console, server_store, anna):
    mallory = admin.create_shopper(server_store, "<script>alert(1)</script>").shopper_id
    admin.assign(server_store, mallory, MONDAY, "D1", "mini_showroom", note="<img src=x onerror=alert(1)>")
    for page in (console.get("/routes", week=MONDAY.isoformat()), console.get(day_path(mallory, MONDAY))):
        assert "<script>alert(1)" not in page.html and "<img src=x" not in page.html
        assert "&lt;script&gt;alert(1)" in page.html


# --- the same dealership within 30 days ------------------------------------------------

def test_a_repeat_within_30_days_is_warned_before_and_after_the_stop_is_saved(console, server_store, anna):
    admin.assign(server_store, anna, MONDAY, "D1", "mini_showroom")
    later = MONDAY + timedelta(days=30)
    warned = add(console, anna, later, "D1")
    assert warned.status == 422
    assert "уже направлен в этот дилерский центр в пределах 30 дней (2026-11-23)" in warned
    assert planned(server_store, anna, later) == []
    page = add(console, anna, later, "D1", confirm="1")
    assert page.status == 200
    assert f"Остановка сохранена, но Анна Петрова · #{anna[-4:]} уже направлен(а) в этот дилерский центр" in page
    assert "Тот же дилерский центр 2026-11-23, за 30 дн. до этого дня" in page
    assert [s[0] for s in planned(server_store, anna, later)] == ["D1"]

    earlier = MONDAY - timedelta(days=30)
    page = add(console, anna, earlier, "D1", confirm="1")
    assert "Тот же дилерский центр 2026-11-23, через 30 дн. после этого дня" in page
    assert "2026-12-23" not in page  # the stop 60 days later is far enough


def test_31_days_apart_another_dealer_or_another_shopper_is_no_repeat(console, server_store, anna):
    boris = admin.create_shopper(server_store, "Борис").shopper_id
    admin.assign(server_store, anna, MONDAY, "D1", "mini_showroom")
    admin.assign(server_store, anna, MONDAY + timedelta(days=5), "D2", "mini_showroom")
    admin.assign(server_store, boris, MONDAY + timedelta(days=5), "D1", "mini_showroom")
    for day in (MONDAY + timedelta(days=31), MONDAY - timedelta(days=31)):
        page = add(console, anna, day, "D1", past_seen="1")  # as the page of a past day sends
        assert "Остановка добавлена в маршрут" in page and "Тот же дилерский центр" not in page
    page = add(console, boris, MONDAY + timedelta(days=6), "D2")
    assert "Тот же дилерский центр" not in page


def test_a_withdrawn_stop_counts_only_when_a_visit_was_made_for_it(console, server_store, anna):
    store = server_store
    visited = admin.assign(store, anna, MONDAY, "D1", "mini_showroom")
    visit_made(store, paired_device(store, anna), visited.assignment_id)
    admin.withdraw_assignment(store, visited.assignment_id)
    unvisited = admin.assign(store, anna, MONDAY, "D2", "mini_showroom")
    admin.withdraw_assignment(store, unvisited.assignment_id)

    page = add(console, anna, MONDAY + timedelta(days=10), "D1", confirm="1")
    assert "Тот же дилерский центр 2026-11-23, за 10 дн. до этого дня (визит проведён)" in page
    page = add(console, anna, MONDAY + timedelta(days=10), "D2")
    assert "Остановка добавлена в маршрут" in page
    assert page.text.count("⚠") == 1  # only the D1 stop of this day warns


def test_repeats_are_marked_on_the_week_board(console, server_store, anna):
    admin.assign(server_store, anna, MONDAY, "D1", "mini_showroom")
    admin.assign(server_store, anna, MONDAY, "D2", "mini_showroom")
    admin.assign(server_store, anna, MONDAY + timedelta(days=20), "D1", "mini_showroom")
    page = console.get("/routes", week=MONDAY.isoformat())
    assert cell(page, anna, MONDAY) == "изменить Дилер D1 · Москва ⚠ Мини-визит v1 Дилер D2 · Москва Мини-визит v1"
    assert 'title="2026-12-13 "' in page.html


# --- the phone learns the changes ------------------------------------------------------

def test_the_phone_pulls_each_change_made_in_the_console(console, server_store, anna):
    store = server_store
    phone = paired_device(store, anna)
    for dealer in ("D1", "D2", "D3"):
        add(console, anna, MONDAY, dealer)
    one, two, three = stop_ids(store, anna, MONDAY)
    first = pull.pull(store, phone, None)
    assert [(a.id, a.position) for a in first.assignments] == [(one, 1), (two, 2), (three, 3)]

    console.get(day_path(anna, MONDAY))
    console.post(day_path(anna, MONDAY) + f"/move/{three}", {"direction": "up"})
    moved = pull.pull(store, phone, first.cursor)
    assert [(a.id, a.position) for a in moved.assignments] == [(three, 2), (two, 3)]
    assert moved.removed_assignments == []

    console.post(day_path(anna, MONDAY) + f"/remove/{one}")
    add(console, anna, MONDAY, "D1", window="18:00-19:00")
    changes = pull.pull(store, phone, moved.cursor)
    assert changes.removed_assignments == [one]
    assert [(a.dealer_code, a.position, a.window_start) for a in changes.assignments] == [("D1", 4, "18:00")]
    assert pull.pull(store, phone, changes.cursor).assignments == []
    # A phone starting over sees the route as it now is.
    assert [a.dealer_code for a in pull.pull(store, phone, None).assignments] == ["D3", "D2", "D1"]


def test_the_pages_read_in_english(console, anna):
    console.http.get("/console/language/en", params={"next": "/console/routes"})
    page = add(console, anna, MONDAY, "D1", window="9-10")
    assert f"Анна Петрова · #{anna[-4:]}: route for Mon 2026-11-23" in page
    assert "A time reads HH:MM-HH:MM, like 10:00-12:30, not “9-10”." in page
    assert "Week 2026-11-23 — 2026-11-29" in console.get("/routes", week=MONDAY.isoformat())
