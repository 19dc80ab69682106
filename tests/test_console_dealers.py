"""The console's dealerships: the list, adding and editing one (the code is the key), a
CSV import that takes every row or none and says which lines are wrong, and an edit that
reaches the phones on their next sync."""

from __future__ import annotations

from datetime import date

import pytest

from field_app.domain.route import Dealership
from field_app.domain.sync_messages import API_PREFIX
from server_stub import admin

from server_support import seed_dealers

TODAY = date(2026, 11, 22)  # the test clock's day (samples.DEMO_NOW)
GOOD_CSV = (
    "code,name,brand,city,address,phone,lat,lon\n"
    "KIA-01,Киа Центр Север,Kia,Москва,\"Дмитровское ш., 98\",+7 495 111-11-11,55.87,37.55\n"
    "HYU-07,<b>Хендэ</b> Юг,Hyundai,Москва,,,,\n"
)


def upload(console, content: bytes | str, name: str = "dealers.csv"):
    console.get("/dealers")
    data = content.encode() if isinstance(content, str) else content
    return console.post("/dealers/import", files={"file": (name, data, "text/csv")})


def codes(store) -> list[str]:
    return [d.code for d in admin.list_dealers(store)]


def test_the_list_shows_every_dealership(console, server_store):
    seed_dealers(server_store, "D1", "D2")
    page = console.get("/dealers")
    assert page.status == 200
    assert "Найдено 2 дилерских центра, показаны 1–2." in page
    assert "D1 Дилер D1 Kia Москва ул. Ленина, 1 +7 495 000-00-00 55.75, 37.61" in page
    assert 'href="/console/dealers/D2/edit"' in page.html


def test_a_good_file_is_imported_and_summed_up(console, server_store):
    page = upload(console, GOOD_CSV)
    assert page.status == 200
    assert "Файл «dealers.csv» загружен: добавлено 2, обновлено 0, без изменений 0." in page
    assert "<b>Хендэ" not in page.html and "&lt;b&gt;Хендэ&lt;/b&gt; Юг" in page.html
    assert codes(server_store) == ["HYU-07", "KIA-01"]

    again = upload(console, GOOD_CSV.replace("Киа Центр Север", "Киа Центр Север-2"))
    assert "добавлено 0, обновлено 1, без изменений 1" in again
    assert admin.get_dealer(server_store, "KIA-01").name == "Киа Центр Север-2"


def test_a_file_with_bad_rows_imports_nothing_and_names_their_lines(console, server_store):
    bad = (
        "code;name;brand;city;address;phone;lat;lon\n"
        "KIA-01;Киа Центр;Kia;Москва;;;55.8;37.5\n"   # line 2: fine
        ";Без кода;Kia;Москва;;;;\n"                   # line 3
        "KIA-02;;Kia;Москва;;;91;37\n"                 # line 4
        "KIA-01;Киа дубль;Kia;Москва;;;;\n"            # line 5
        "KIA-04;Киа;Kia\n"                             # line 6
        "KIA-05;Киа;Kia;Москва;;;55,1;\n"              # line 7
    )
    page = upload(console, bad)
    assert page.status == 422
    assert "Файл «dealers.csv» не загружен, ничего не изменилось. Строк с ошибками: 5." in page
    assert "Строка 3: не указан код" in page
    assert "Строка 4: не указано название; Широта: «91» — вне пределов от -90 до 90" in page
    assert "Строка 5: код «KIA-01» уже есть в строке 2" in page
    assert "Строка 6: полей 3, а в первой строке столбцов 8" in page
    assert "Строка 7: широта и долгота указываются вместе" in page
    assert "Строка 2" not in page
    assert codes(server_store) == []


@pytest.mark.parametrize("content, message", [
    ("code,name\nKIA-01,Киа Центр\n".encode("cp1251"), "Строка 1: файл не в кодировке UTF-8"),
    (b"", "Строка 1: файл пуст"),
    ("code,city\nKIA-01,Москва\n", "Строка 1: в первой строке нет обязательных столбцов: name"),
    ("code,name,lat,lon\nKIA-01,Киа,север,37.5\n", "Строка 2: Широта: «север» — не число"),
])
def test_a_file_that_cannot_be_read_is_refused_with_a_reason(console, server_store, content, message):
    page = upload(console, content)
    assert page.status == 422
    assert message in page
    assert codes(server_store) == []


def test_an_import_without_a_file_asks_for_one(console, server_store):
    console.get("/dealers")
    page = console.post("/dealers/import", {})
    assert page.status == 422
    assert "Выберите файл CSV." in page


def test_an_import_report_speaks_english_too(console, server_store):
    console.http.get("/console/language/en")
    assert "2 added, 0 updated, 0 unchanged" in upload(console, GOOD_CSV)
    refused = upload(console, "code,name\n,Киа\n")
    assert "Line 2: the code is empty" in refused


def test_adding_a_dealership_checks_it_and_keeps_what_was_typed(console, server_store):
    assert console.get("/dealers/new").status == 200
    typed = {"code": "KIA-01", "name": " ", "brand": "Kia", "city": "Москва", "address": "", "phone": "",
             "lat": "95", "lon": "тридцать"}
    page = console.post("/dealers/new", typed)
    assert page.status == 422
    assert "Проверьте выделенные поля" in page
    assert "не указано название" in page
    assert "Широта: «95» — вне пределов от -90 до 90" in page and "Долгота: «тридцать» — не число" in page
    for field in ("code", "brand", "city", "lat", "lon"):
        assert f'name="{field}" value="{typed[field]}"' in page.html
    assert codes(server_store) == []

    done = console.post("/dealers/new", typed | {"name": "Киа Центр", "lat": "55,87", "lon": "37.55"})
    assert done.url.endswith("/console/dealers?added=KIA-01")
    assert "Дилерский центр KIA-01 добавлен." in done
    assert admin.get_dealer(server_store, "KIA-01") == Dealership(
        code="KIA-01", name="Киа Центр", brand="Kia", city="Москва", lat=55.87, lon=37.55)

    taken = console.post("/dealers/new", {"code": "KIA-01", "name": "Другой"})
    assert taken.status == 422 and "дилерский центр с кодом «KIA-01» уже есть" in taken
    assert admin.get_dealer(server_store, "KIA-01").name == "Киа Центр"


def test_editing_a_dealership_keeps_its_code_and_checks_the_rest(console, server_store):
    seed_dealers(server_store, "D1")
    form = console.get("/dealers/D1/edit")
    assert form.status == 200
    assert 'name="code"' not in form.html and "код не меняется" in form
    assert 'name="name" value="Дилер D1"' in form.html and 'name="lat" value="55.75"' in form.html

    typed = {"name": "", "brand": "Kia", "city": "Казань", "address": "ул. Баумана, 1", "phone": "",
             "lat": "55.79", "lon": ""}
    page = console.post("/dealers/D1/edit", typed)
    assert page.status == 422
    assert "не указано название" in page
    assert 'name="city" value="Казань"' in page.html and 'name="lat" value="55.79"' in page.html
    assert admin.get_dealer(server_store, "D1").city == "Москва"

    done = console.post("/dealers/D1/edit", typed | {"name": "Киа Казань", "lon": "49.12", "code": "OTHER"})
    assert done.url.endswith("/console/dealers?saved=D1")
    assert "Дилерский центр D1 сохранён" in done
    assert codes(server_store) == ["D1"]
    assert admin.get_dealer(server_store, "D1") == Dealership(
        code="D1", name="Киа Казань", brand="Kia", city="Казань", address="ул. Баумана, 1", lat=55.79, lon=49.12)

    console.get("/dealers/D1/edit")
    same = console.post("/dealers/D1/edit", typed | {"name": "Киа Казань", "lon": "49.12"})
    assert "Дилерский центр D1: изменений нет." in same


def test_an_edit_reaches_the_phones_on_their_next_sync(console, server_store):
    seed_dealers(server_store, "D1")
    code = admin.create_shopper(server_store, "Анна")
    token = console.http.post(API_PREFIX + "/devices/pair",
                              json={"code": code.pairing_code, "device_name": "Pixel 8"}).json()["token"]
    plan = admin.assign(server_store, code.shopper_id, TODAY, "D1", "showroom_visit")

    def pull(since: str | None = None) -> dict:
        answer = console.http.get(API_PREFIX + "/sync/pull", params={"since": since} if since else None,
                                  headers={"Authorization": f"Bearer {token}"})
        assert answer.status_code == 200, answer.text
        return answer.json()

    cursor = pull()["cursor"]
    console.get("/dealers/D1/edit")
    console.post("/dealers/D1/edit", {"name": "Дилер D1", "brand": "Kia", "city": "Москва",
                                      "address": "пр. Мира, 5", "phone": "", "lat": "55.75", "lon": "37.61"})
    changes = pull(cursor)
    assert [a["id"] for a in changes["assignments"]] == [plan.assignment_id]
    assert changes["dealerships"][0]["address"] == "пр. Мира, 5"
    assert pull(changes["cursor"])["assignments"] == []


def test_an_unknown_dealership_is_not_found(console, server_store):
    assert console.get("/dealers/NOPE/edit").status == 404
    console.get("/dealers")
    assert console.post("/dealers/NOPE/edit", {"name": "Новый"}).status == 404
    assert codes(server_store) == []


@pytest.mark.parametrize("language, words", [
    ("ru", ["Загрузка из CSV", "Новый дилерский центр", "Дилерский центр D1"]),
    ("en", ["Import from CSV", "New dealership", "Dealership D1"]),
])
def test_the_pages_speak_both_languages(console, server_store, language, words):
    seed_dealers(server_store, "D1")
    console.http.get(f"/console/language/{language}")
    for path, word in zip(("/dealers", "/dealers/new", "/dealers/D1/edit"), words):
        page = console.get(path)
        assert page.status == 200
        assert word in page


def test_the_form_suggests_russias_time_zones_and_keeps_the_one_chosen(console, server_store):
    form = console.get("/dealers/new")
    assert 'name="timezone" value="Europe/Moscow" list="timezones"' in form.html
    assert '<option value="Europe/Kaliningrad">UTC+2, МСК-1</option>' in form.html
    assert '<option value="Asia/Vladivostok">UTC+10, МСК+7</option>' in form.html
    assert '<option value="Asia/Kamchatka">UTC+12, МСК+9</option>' in form.html
    assert "Часовой пояс" in form

    typed = {"code": "VL-01", "name": "Мазда Владивосток", "brand": "Mazda", "timezone": "Asia/Vladivostok"}
    done = console.post("/dealers/new", typed)
    assert done.url.endswith("/console/dealers?added=VL-01")
    assert "Asia/Vladivostok" in done  # the list shows it
    assert admin.get_dealer(server_store, "VL-01").timezone == "Asia/Vladivostok"

    assert 'name="timezone" value="Asia/Vladivostok"' in console.get("/dealers/VL-01/edit").html
    moved = console.post("/dealers/VL-01/edit", {"name": "Мазда Владивосток", "brand": "Mazda",
                                                 "timezone": "asia/magadan"})
    assert moved.url.endswith("/console/dealers?saved=VL-01")
    assert admin.get_dealer(server_store, "VL-01").timezone == "Asia/Magadan"


@pytest.mark.parametrize("language, words", [
    ("ru", "часовой пояс «Asia/Vladivostk» не найден: укажите пояс IANA, например Europe/Moscow или Asia/Vladivostok"),
    ("en", "time zone “Asia/Vladivostk” is unknown: give an IANA time zone such as Europe/Moscow or Asia/Vladivostok"),
])
def test_an_unknown_time_zone_is_refused_beside_its_field(console, server_store, language, words):
    console.http.get(f"/console/language/{language}")
    console.get("/dealers/new")
    typed = {"code": "VL-01", "name": "Мазда Владивосток", "timezone": "Asia/Vladivostk"}
    page = console.post("/dealers/new", typed)
    assert page.status == 422
    assert words in page
    assert 'name="timezone" value="Asia/Vladivostk" list="timezones" autocomplete="off" spellcheck="false" ' \
           'aria-describedby="timezone-hint" aria-invalid="true"' in page.html
    assert codes(server_store) == []


def test_a_csv_may_give_time_zones(console, server_store):
    page = upload(console, "code;name;timezone\nVL-01;Мазда;Asia/Vladivostok\nMS-02;Киа;\n")
    assert "добавлено 2" in page
    assert [(d.code, d.timezone) for d in admin.list_dealers(server_store)] == [
        ("MS-02", "Europe/Moscow"), ("VL-01", "Asia/Vladivostok")]
    refused = upload(console, "code;name;timezone\nKA-01;Киа;Europe/Kaliningrad\nKA-02;Киа;Калининград\n")
    assert refused.status == 422
    assert "Строка 3: часовой пояс «Калининград» не найден" in refused
    assert codes(server_store) == ["MS-02", "VL-01"]
