"""People and places change (issue 16, point 2), in the console: shoppers and dealerships
renamed, deactivated after a confirmation (a shopper's phones revoked, stops from today
withdrawn) and reactivated; a deactivated one kept in visits and exports but gone from
pickers and the board; both lists searched and paged on the server; namesakes told apart;
the server's limits the forms' own, refused in the console's words."""

from __future__ import annotations

import csv
import io
import re
from datetime import date, timedelta

import pytest

from field_app.domain.route import Dealership
from field_app.domain.sync_messages import API_PREFIX
from server_stub import admin, limits
from server_stub.errors import InvalidInputError
from server_stub.planning import day_plan

from server_support import MINI, new_uuid, publish_mini, revision, seed_dealers

TODAY = date(2026, 11, 22)  # the test clock's day (a Sunday)
MONDAY = TODAY + timedelta(days=1)
LONG = "Я" * 5000


def pair(console, store, shopper_id: str) -> str:
    """A phone of the shopper's, paired through the sync API: its token."""
    code = admin.new_pairing_code(store, shopper_id)
    answer = console.http.post(API_PREFIX + "/devices/pair", json={"code": code.pairing_code, "device_name": "Pixel"})
    assert answer.status_code == 200, answer.text
    return answer.json()["token"]


def pull(console, token: str, since: str | None = None):
    return console.http.get(API_PREFIX + "/sync/pull", params={"since": since} if since else None,
                            headers={"Authorization": f"Bearer {token}"})


def send_visit(console, token: str, assignment_id: str | None) -> str:
    uuid = new_uuid()
    sent = console.http.put(f"{API_PREFIX}/visits/{uuid}", json=revision(assignment_id=assignment_id),
                            headers={"Authorization": f"Bearer {token}"})
    assert sent.status_code == 200, sent.text
    return uuid


def rows(page) -> list[str]:
    """The text of each body row of the page's tables."""
    found = re.findall(r"<tr[^>]*>(.*?)</tr>", page.html, flags=re.S)
    return [re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", row)).strip() for row in found]


def board_rows(page) -> list[str]:
    return re.findall(r'<th scope="row">(.*?)</th>', page.html, flags=re.S)


def repin_choices(console) -> str:
    return re.search(r'<select name="shopper">(.*?)</select>', console.get("/checklists").html, re.S).group(1)


def stops(store, shopper_id: str, day: date) -> list[str]:
    plan = day_plan(store, shopper_id, day)
    assert plan is not None
    return [s.dealer_code for s in plan.stops]


@pytest.fixture
def world(server_store):
    publish_mini(server_store)
    seed_dealers(server_store, "D1", "D2", "D3")
    return server_store


# --- renaming and telling namesakes apart ------------------------------------------------

def test_namesakes_are_told_apart_by_city_and_id_wherever_they_are_picked(console, world):
    store = world
    kazan = admin.create_shopper(store, "Иван Петров", city="Казань").shopper_id
    other = admin.create_shopper(store, "Иван Петров").shopper_id
    admin.assign(store, kazan, MONDAY, "D1", MINI.id)

    listing = console.get("/shoppers")
    assert f"Иван Петров Казань #{kazan[-4:]}" in listing.text
    assert f"Иван Петров #{other[-4:]}" in listing.text
    heads = [re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", r)).strip()
             for r in board_rows(console.get("/routes", week=MONDAY.isoformat()))]
    assert any(h.startswith(f"Иван Петров Казань · #{kazan[-4:]}") for h in heads)
    assert any(h.startswith(f"Иван Петров #{other[-4:]}") for h in heads) and len(heads) == 2
    assert f"Иван Петров · Казань · #{kazan[-4:]}" in repin_choices(console)
    assert f"Иван Петров · #{other[-4:]}" in repin_choices(console)
    assert f"Иван Петров · Казань · #{kazan[-4:]}: маршрут на пн 2026-11-23" in console.get(
        f"/routes/{kazan}/{MONDAY}")


def test_a_shopper_is_renamed_on_their_page_and_visits_show_the_new_name(console, world):
    store = world
    anna = admin.create_shopper(store, "Анна Петрова").shopper_id
    uuid = send_visit(console, pair(console, store, anna), None)
    page = console.get(f"/shoppers/{anna}")
    assert f'action="/console/shoppers/{anna}/edit"' in page.html
    assert f'maxlength="{limits.SHOPPER_NAME}"' in page.html and f'maxlength="{limits.SHOPPER_CITY}"' in page.html

    done = console.post(f"/shoppers/{anna}/edit", {"name": " Анна Сидорова ", "city": "Пермь"})
    assert done.status == 200 and done.url.endswith(f"/shoppers/{anna}?saved=1")
    assert "Сохранено." in done and f"Анна Сидорова · Пермь · #{anna[-4:]}" in done.text.replace("  ", " ")
    (shopper,) = admin.list_shoppers(store)
    assert (shopper.name, shopper.city) == ("Анна Сидорова", "Пермь")
    assert "Анна Сидорова" in console.get(f"/visits/{uuid}")
    assert console.post(f"/shoppers/{anna}/edit", {"name": "Х", "city": ""}, csrf=False).status == 403
    unreadable = console.post(f"/shoppers/{anna}/edit", {"name": "Ан\x00на", "city": ""})
    assert unreadable.status == 422 and "символы, которые нельзя сохранить" in unreadable
    assert console.post("/shoppers/sh_nobody/edit", {"name": "Х"}).status == 404


@pytest.mark.parametrize("language, name_words, city_words", [
    ("ru", "Имя длиннее 200 символов", "Город длиннее 100 символов"),
    ("en", "The name is longer than 200 characters", "The city is longer than 100 characters"),
])
def test_a_5000_character_name_is_refused_in_the_pages_words(console, world, language, name_words, city_words):
    console.http.get(f"/console/language/{language}")
    listing = console.get("/shoppers")
    assert f'name="name" value="" maxlength="{limits.SHOPPER_NAME}"' in listing.html

    refused = console.post("/shoppers", {"name": LONG, "city": "К" * 101})
    assert refused.status == 422
    assert name_words in refused and city_words in refused
    assert admin.list_shoppers(world) == []
    # 200 characters are the most the form takes, and the server too.
    assert console.post("/shoppers", {"name": "Я" * 200}).status == 200
    (shopper,) = admin.list_shoppers(world)
    assert console.post(f"/shoppers/{shopper.id}/edit", {"name": LONG}).status == 422
    assert admin.list_shoppers(world)[0].name == "Я" * 200
    with pytest.raises(InvalidInputError, match="at most 200 characters"):
        admin.create_shopper(world, LONG)
    with pytest.raises(InvalidInputError, match="at most 200 characters"):
        admin.rename_shopper(world, shopper.id, "Я" * 201)


# --- deactivating a shopper ------------------------------------------------------------------

def test_deactivating_a_shopper_asks_first_then_revokes_their_phone_and_withdraws_their_stops(console, world):
    store = world
    anna = admin.create_shopper(store, "Анна Петрова").shopper_id
    token = pair(console, store, anna)
    past = admin.assign(store, anna, TODAY - timedelta(days=1), "D1", MINI.id).assignment_id
    visited = admin.assign(store, anna, TODAY, "D1", MINI.id).assignment_id
    admin.assign(store, anna, TODAY, "D2", MINI.id)
    admin.assign(store, anna, MONDAY, "D3", MINI.id)
    uuid = send_visit(console, token, visited)

    shopper_page = console.get(f"/shoppers/{anna}")
    assert f'href="/console/shoppers/{anna}/deactivate"' in shopper_page.html
    confirm = console.get(f"/shoppers/{anna}/deactivate")
    assert f"Деактивировать покупателя Анна Петрова · #{anna[-4:]}?" in confirm
    assert "1 телефон сразу будет отключён." in confirm
    assert "2 точки маршрута с сегодняшнего дня, по которым визит ещё не пришёл, будут сняты." in confirm
    assert 'name="csrf"' in confirm.html
    assert pull(console, token).status_code == 200  # asking changed nothing
    assert console.post(f"/shoppers/{anna}/deactivate", csrf=False).status == 403
    assert pull(console, token).status_code == 200

    done = console.post(f"/shoppers/{anna}/deactivate")
    assert done.status == 200 and done.url.endswith(f"/shoppers/{anna}?deactivated=1&phones=1&stops=2")
    assert "Покупатель деактивирован: отключено телефонов — 1, снято точек маршрута — 2." in done
    assert "Покупатель деактивирован 2026-11-22 09:00 UTC" in done
    refused = pull(console, token)
    assert refused.status_code == 401 and refused.json()["code"] == "token_revoked"
    # The past and the visited stay; today's and tomorrow's unvisited stops are withdrawn.
    assert stops(store, anna, TODAY - timedelta(days=1)) == ["D1"] and stops(store, anna, TODAY) == ["D1"]
    assert stops(store, anna, MONDAY) == []
    assert past
    # Kept in history: the visit's page and the export name them.
    assert "Анна Петрова" in console.get(f"/visits/{uuid}")
    export = console.get("/exports/file", checklist=MINI.id, format="csv")
    (row,) = csv.reader(io.StringIO(export.response.content.decode("utf-8-sig").splitlines()[1]), delimiter=";")
    assert row[0] == uuid and row[1] == "Анна Петрова"
    # Gone from the list (unless asked for), the repin picker and this week's board.
    listing = console.get("/shoppers")
    assert "Анна Петрова" not in listing and "Ещё 1 деактивированный скрыт." in listing
    shown = console.get("/shoppers", inactive="1")
    assert "Анна Петрова деактивирован" in shown
    assert anna not in repin_choices(console)
    assert anna not in "".join(board_rows(console.get("/routes", week=MONDAY.isoformat())))
    # ...but a past week with a stop of hers still shows it, marked.
    last_week = console.get("/routes", week=(TODAY - timedelta(days=1)).isoformat())
    (row_head,) = [r for r in board_rows(last_week) if anna[-4:] in r]
    assert "деактивирован" in row_head
    # Nothing new is planned for her, and no phone paired.
    day = console.get(f"/routes/{anna}/{MONDAY}")
    assert "деактивирован: новые точки маршрута ему не назначаются" in day and 'name="dealer"' not in day.html
    posted = console.post(f"/routes/{anna}/{MONDAY}", {"dealer": "D1", "checklist": MINI.id})
    assert posted.status == 422 and "точку маршрута не добавить. Сначала верните покупателя в работу." in posted
    assert stops(store, anna, MONDAY) == []
    assert console.post(f"/shoppers/{anna}/code").status == 409
    with pytest.raises(admin.ShopperInactiveError, match="deactivated"):
        admin.assign(store, anna, MONDAY, "D1", MINI.id)


def test_a_reactivated_shopper_is_planned_again_with_a_new_pairing_code(console, world):
    store = world
    anna = admin.create_shopper(store, "Анна Петрова").shopper_id
    old_token = pair(console, store, anna)
    admin.assign(store, anna, MONDAY, "D1", MINI.id)
    console.get(f"/shoppers/{anna}/deactivate")
    console.post(f"/shoppers/{anna}/deactivate")
    again = console.get(f"/shoppers/{anna}/deactivate")
    assert "уже деактивирован" in again and 'action="/console/shoppers' not in again.html.split("<main>")[1]

    done = console.post(f"/shoppers/{anna}/reactivate")
    assert done.url.endswith(f"/shoppers/{anna}?reactivated=1") and "Покупатель снова в работе" in done
    assert "Анна Петрова" in console.get("/shoppers") and anna in repin_choices(console)
    assert stops(store, anna, MONDAY) == []  # withdrawn stops do not come back
    assert pull(console, old_token).status_code == 401  # nor the revoked phone
    token = pair(console, store, anna)
    assert pull(console, token).status_code == 200
    add = console.post(f"/routes/{anna}/{MONDAY}", {"dealer": "D1", "checklist": MINI.id})
    assert add.status == 200 and stops(store, anna, MONDAY) == ["D1"]


# --- deactivating a dealership ---------------------------------------------------------------

def test_deactivating_a_dealership_withdraws_its_open_stops_and_leaves_pickers(console, world):
    store = world
    anna = admin.create_shopper(store, "Анна").shopper_id
    boris = admin.create_shopper(store, "Борис").shopper_id
    token = pair(console, store, anna)
    visited = admin.assign(store, anna, TODAY, "D2", MINI.id).assignment_id
    open_ones = [admin.assign(store, who, MONDAY, "D2", MINI.id).assignment_id for who in (anna, boris)]
    admin.assign(store, anna, MONDAY, "D1", MINI.id)
    uuid = send_visit(console, token, visited)
    cursor = pull(console, token).json()["cursor"]

    edit = console.get("/dealers/D2/edit")
    assert 'href="/console/dealers/D2/deactivate"' in edit.html
    confirm = console.get("/dealers/D2/deactivate")
    assert "Деактивировать дилерский центр Дилер D2 (D2)?" in confirm
    assert "2 точки маршрута с сегодняшнего дня" in confirm and "Затронуто 2 покупателя." in confirm
    assert console.post("/dealers/D2/deactivate", csrf=False).status == 403
    done = console.post("/dealers/D2/deactivate")
    assert done.url.endswith("/dealers/D2/edit?deactivated=1&stops=2")
    assert "Дилерский центр деактивирован: снято точек маршрута — 2." in done

    # The phone drops the withdrawn stop on its next pull; the visited one stays.
    assert pull(console, token, cursor).json()["removed_assignments"] == [open_ones[0]]
    assert stops(store, anna, TODAY) == ["D2"] and stops(store, anna, MONDAY) == ["D1"]
    assert stops(store, boris, MONDAY) == []
    # Kept: the visit's page names it; gone: the list (by default), the export filter, planning.
    assert "Дилер D2" in console.get(f"/visits/{uuid}")
    listing = console.get("/dealers")
    assert "Дилер D2" not in listing and "Ещё 1 деактивированный скрыт." in listing
    assert "Дилер D2 деактивирован" in console.get("/dealers", inactive="1")
    assert 'value="D2"' not in console.get("/exports").html
    refused = console.post(f"/routes/{anna}/{MONDAY}", {"dealer": "D2", "checklist": MINI.id})
    assert refused.status == 422 and "Дилерский центр Дилер D2 (D2) деактивирован" in refused
    words = console.post(f"/routes/{anna}/{MONDAY}", {"dealer": "дилер", "checklist": MINI.id})
    assert 'name="pick" value="D1"' in words.html and 'name="pick" value="D2"' not in words.html
    with pytest.raises(admin.DealerInactiveError):
        admin.assign(store, boris, MONDAY, "D2", MINI.id)

    back = console.post("/dealers/D2/reactivate")
    assert back.url.endswith("/dealers/D2/edit?reactivated=1") and "снова в работе" in back
    assert console.post(f"/routes/{boris}/{MONDAY}", {"dealer": "D2", "checklist": MINI.id}).status == 200


# --- lists searched and paged on the server ------------------------------------------------

def test_the_dealership_list_is_searched_and_paged_on_the_server(console, server_store):
    admin.save_dealers(server_store, [
        Dealership(code=f"C{i:03d}", name=f"Центр {i:03d}", brand="Kia" if i % 2 else "Лада",
                   city="Казань" if i < 10 else "Пермь")
        for i in range(120)
    ] + [Dealership(code="ALYO", name="Алёнушка_50%", city="Ёлкино")])
    first = console.get("/dealers")
    assert "Найден 121 дилерский центр, показаны 1–50." in first
    assert len(rows(first)) == 1 + 50
    assert 'href="/console/dealers?page=2"' in first.html and 'href="/console/dealers?page=3"' in first.html
    last = console.get("/dealers", page="3")
    assert len(rows(last)) == 1 + 21 and "показаны 101–121" in last
    assert "показаны 101–121" in console.get("/dealers", page="999")  # past the end: the last page

    kazan = console.get("/dealers", q="КАЗАНЬ kia")
    assert "Найдено 5 дилерских центров" in kazan and 'href="/console/dealers?page=2' not in kazan.html
    assert sorted(re.findall(r"<td class=\"mono\"><a [^>]*>(C\d+)</a>", kazan.html)) == ["C001", "C003", "C005",
                                                                                       "C007", "C009"]
    assert "Найден 1 дилерский центр" in console.get("/dealers", q="аленушка")  # ё is е
    assert "Найден 1 дилерский центр" in console.get("/dealers", q="ка_50%")    # _ and % are letters
    assert "Найдено 0 дилерских центров" in console.get("/dealers", q="к%а")
    assert "Найдено 0" in console.get("/dealers", q="x" * 5000)
    paged = console.get("/dealers", q="пермь", page="2")
    assert 'href="/console/dealers?page=1&amp;q=%D0%BF%D0%B5%D1%80%D0%BC%D1%8C"' in paged.html


def test_the_shopper_list_and_the_board_are_searched_and_paged(console, world):
    ids = [admin.create_shopper(world, f"Покупатель {i:02d}", city="Омск" if i % 10 == 0 else "").shopper_id
           for i in range(60)]
    listing = console.get("/shoppers")
    assert "Найдено 60 покупателей, показаны 1–50." in listing and len(rows(listing)) == 1 + 50
    assert "показаны 51–60" in console.get("/shoppers", page="2")
    assert "Найдено 6 покупателей" in console.get("/shoppers", q="омск")
    assert "Найден 1 покупатель" in console.get("/shoppers", q=ids[7][-4:])  # the id's end, as lists show it

    board = console.get("/routes", week=MONDAY.isoformat())
    assert "60 покупателей на доске, показаны 1–20." in board and len(board_rows(board)) == 20
    third = console.get("/routes", week=MONDAY.isoformat(), page="3")
    assert len(board_rows(third)) == 20 and "показаны 41–60" in third
    assert 'href="/console/routes?week=2026-11-30&amp;page=3"' in third.html  # the next week keeps the page
    assert len(board_rows(console.get("/routes", week=MONDAY.isoformat(), q="омск"))) == 6


# --- the day page's dealership field --------------------------------------------------------

def test_words_typed_for_a_dealership_offer_the_matches_to_pick_from(console, world):
    anna = admin.create_shopper(world, "Анна").shopper_id
    page = console.get(f"/routes/{anna}/{MONDAY}")
    assert 'list="dealer-codes"' not in page.html and "<datalist" not in page.html  # no list of every dealership
    typed = {"dealer": "москва", "checklist": MINI.id, "window": "10:00-11:00", "note": "заметка"}
    choose = console.post(f"/routes/{anna}/{MONDAY}", typed)
    assert choose.status == 422 and "Под «москва» подходят дилерские центры ниже: выберите один." in choose
    assert re.findall(r'name="pick" value="(\w+)"', choose.html) == ["D1", "D2", "D3"]
    assert 'value="10:00-11:00"' in choose.html and 'value="заметка"' in choose.html  # the rest is kept
    assert stops(world, anna, MONDAY) == []
    added = console.post(f"/routes/{anna}/{MONDAY}", typed | {"pick": "D2"})
    assert added.status == 200 and stops(world, anna, MONDAY) == ["D2"]
    # One match is offered too, not taken: a code mistyped is not a silent other dealership.
    one = console.post(f"/routes/{anna}/{MONDAY}", typed | {"dealer": "d3"})
    assert one.status == 422 and re.findall(r'name="pick" value="(\w+)"', one.html) == ["D3"]


def test_more_matches_than_shown_say_how_many(console, server_store):
    publish_mini(server_store)
    admin.save_dealers(server_store, [Dealership(code=f"K{i:02d}", name=f"Киа {i:02d}") for i in range(30)])
    anna = admin.create_shopper(server_store, "Анна").shopper_id
    console.get(f"/routes/{anna}/{MONDAY}")
    page = console.post(f"/routes/{anna}/{MONDAY}", {"dealer": "киа", "checklist": MINI.id})
    assert "Под «киа» подходит 30, ниже первые 10: выберите один или уточните слова." in page
    assert len(re.findall(r'name="pick"', page.html)) == 10


# --- dealerships' limits --------------------------------------------------------------------------

@pytest.mark.parametrize("language, words", [
    ("ru", "Название: 5000 символов, а можно не больше 200"),
    ("en", "Name: 5000 characters, at most 200 are taken"),
])
def test_a_too_long_dealership_field_is_refused_in_the_form_and_the_csv(console, server_store, language, words):
    console.http.get(f"/console/language/{language}")
    form = console.get("/dealers/new")
    for column, limit in limits.DEALER.items():
        assert re.search(rf'<input name="{column}" [^>]*maxlength="{limit}"', form.html), column
    posted = console.post("/dealers/new", {"code": "LONG", "name": LONG, "timezone": "Europe/Moscow"})
    assert posted.status == 422 and words in posted and LONG not in posted.html
    console.get("/dealers")
    upload = console.post("/dealers/import", files={"file": ("d.csv", f"code,name\nOK,Fine\nLONG,{LONG}\n".encode(),
                                                             "text/csv")})
    assert upload.status == 422 and words in upload
    assert admin.list_dealers(server_store) == []
    with pytest.raises(InvalidInputError, match="name has at most 200 characters"):
        admin.save_dealers(server_store, [Dealership(code="LONG", name=LONG)])
    with pytest.raises(InvalidInputError, match="at most 200 characters"):
        admin.rename_dealer(server_store, "LONG", LONG)  # checked before the code is looked up
