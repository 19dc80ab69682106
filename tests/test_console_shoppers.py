"""The console's shoppers: creating one shows a one-time code and its QR code that pair a
phone through the sync API, a new code replaces an unused one, the list shows each
shopper's last sync and open work, and revoking a phone asks first, then locks it out."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
import segno

from field_app.domain.sync_messages import API_PREFIX
from server_stub import admin

from server_support import new_uuid, publish_mini, revision, seed_dealers

TODAY = date(2026, 11, 22)  # the test clock's day (samples.DEMO_NOW)
CODE = re.compile(r"\b[A-Z2-9]{4}-[A-Z2-9]{4}\b")


def pair(console, code: str, device: str = "Pixel 8"):
    return console.http.post(API_PREFIX + "/devices/pair", json={"code": code, "device_name": device})


def pull(console, token: str):
    return console.http.get(API_PREFIX + "/sync/pull", headers={"Authorization": f"Bearer {token}"})


def paired(console, store, name: str = "Анна Петрова") -> tuple[str, str]:
    """A shopper with one phone: their id and the phone's token."""
    code = admin.create_shopper(store, name)
    answer = pair(console, code.pairing_code)
    assert answer.status_code == 200, answer.text
    return code.shopper_id, answer.json()["token"]


def dark_modules(svg: str) -> set[tuple[int, int]]:
    """The dark modules (row, column) of segno's SVG path: `M x y` moves, `m dx dy` moves
    on, `h n` draws n modules along the row (y is the row's middle, hence the .5)."""
    path = re.search(r' d="([^"]+)"', svg).group(1)
    x = y = 0.0
    dark = set()
    for op, a, b in re.findall(r"([Mmh])(-?[\d.]+)(?: (-?[\d.]+))?", path):
        if op == "M":
            x, y = float(a), float(b)
        elif op == "m":
            x, y = x + float(a), y + float(b)
        else:
            dark |= {(int(y), int(x) + i) for i in range(int(a))}
            x += int(a)
    return dark


def table_rows(page) -> list[str]:
    """Each body row of the page's tables, as its text."""
    rows = re.findall(r"<tr>(.*?)</tr>", page.html, flags=re.S)
    return [re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", row)).strip() for row in rows]


def test_a_new_shopper_gets_a_code_and_its_qr_code_that_pair_a_phone(console, server_store):
    console.get("/shoppers")
    page = console.post("/shoppers", {"name": "  Анна Петрова "})
    assert page.status == 200
    assert "Анна Петрова" in page
    (code,) = set(CODE.findall(page.text))
    assert "Действует до 2026-11-29 09:00 UTC" in page  # the default lifetime: 7 days
    assert "http://testserver" in page  # the server address the phone asks for
    (svg,) = re.findall(r"<svg\b.*?</svg>", page.html, flags=re.S)
    # The QR code is the code itself: what the phone's pairing screen takes.
    qr = segno.make_qr(code, error="m")
    assert dark_modules(svg) == {(r + 4, c + 4) for r, row in enumerate(qr.matrix) for c, v in enumerate(row) if v}

    answer = pair(console, code)
    assert answer.status_code == 200, answer.text
    assert answer.json()["shopper"]["name"] == "Анна Петрова"
    (shopper,) = admin.list_shoppers(server_store)
    assert shopper.name == "Анна Петрова"
    device_page = console.get(f"/shoppers/{shopper.id}")
    assert "Pixel 8 2026-11-22 09:00 2026-11-22 09:00 работает" in table_rows(device_page)[1]


def test_the_form_sent_again_by_a_reload_makes_no_second_shopper(console, server_store):
    list_page = console.get("/shoppers")
    (form_id,) = re.findall(r'name="shopper_id" value="([^"]+)"', list_page.html)
    first = console.post("/shoppers", {"name": "Анна Петрова", "shopper_id": form_id})
    again = console.post("/shoppers", {"name": "Анна Петрова", "shopper_id": form_id})
    (first_code,), (second_code,) = set(CODE.findall(first.text)), set(CODE.findall(again.text))
    assert [s.id for s in admin.list_shoppers(server_store)] == [form_id]
    assert first_code != second_code
    assert pair(console, first_code).status_code == 410  # the page shown last holds the code that works
    assert pair(console, second_code).status_code == 200
    assert console.get("/shoppers").html.count(form_id) >= 1
    assert re.findall(r'name="shopper_id" value="([^"]+)"', console.get("/shoppers").html) != [form_id]


def test_a_made_up_shopper_id_is_refused(console, server_store):
    console.get("/shoppers")
    page = console.post("/shoppers", {"name": "Анна", "shopper_id": "../../etc"})
    assert page.status == 400
    assert admin.list_shoppers(server_store) == []


def test_a_shopper_needs_a_name(console, server_store):
    console.get("/shoppers")
    page = console.post("/shoppers", {"name": "   "})
    assert page.status == 422
    assert "Укажите имя покупателя." in page
    assert not CODE.search(page.text) and "<svg" not in page.html
    assert admin.list_shoppers(server_store) == []


def test_a_new_code_replaces_the_unused_one(console, server_store):
    first = admin.create_shopper(server_store, "Анна")
    console.get(f"/shoppers/{first.shopper_id}")
    page = console.post(f"/shoppers/{first.shopper_id}/code")
    assert page.status == 200 and "<svg" in page.html
    (code,) = set(CODE.findall(page.text))
    assert code != first.pairing_code
    assert pair(console, first.pairing_code).status_code == 410
    assert pair(console, code).status_code == 200
    assert [d.name for d in admin.list_devices(server_store, first.shopper_id)] == ["Pixel 8"]


def test_the_list_shows_each_shoppers_last_sync_and_open_work(console, server_store, clock):
    publish_mini(server_store)
    seed_dealers(server_store, "D1", "D2")
    anna, token = paired(console, server_store, "Анна")
    admin.create_shopper(server_store, "Борис")
    clock.advance(2 * 3600)
    assert pull(console, token).status_code == 200  # a sync at 11:00

    admin.assign(server_store, anna, TODAY - timedelta(days=1), "D1", "mini_showroom")  # past: not open
    admin.assign(server_store, anna, TODAY, "D1", "mini_showroom")                      # open
    admin.assign(server_store, anna, TODAY + timedelta(days=3), "D2", "mini_showroom")  # open
    done = admin.assign(server_store, anna, TODAY, "D2", "mini_showroom")               # its visit came
    withdrawn = admin.assign(server_store, anna, TODAY, "D1", "mini_showroom")
    admin.withdraw_assignment(server_store, withdrawn.assignment_id)
    returned = new_uuid()
    for uuid, assignment in ((new_uuid(), done.assignment_id), (returned, None)):
        sent = console.http.put(f"{API_PREFIX}/visits/{uuid}", json=revision(assignment_id=assignment),
                                headers={"Authorization": f"Bearer {token}"})
        assert sent.status_code == 200, sent.text
    admin.review_visit(server_store, returned, "return", "Нет фото", by="olga")

    page = console.get("/shoppers")
    # name, last sync, phones, upcoming visits, returned visits, visits without flags (both
    # of Anna's raise no_location: test_console_flags.py has the share's own tests)
    boris = next(s.id for s in admin.list_shoppers(server_store) if s.name == "Борис")
    assert table_rows(page)[1:] == [f"Анна #{anna[-4:]} 2026-11-22 11:00 1 2 1 0 из 2 без флагов, 0%",
                                    f"Борис #{boris[-4:]} ещё не было 0 0 0 —"]
    assert f'href="/console/visits?shopper={anna}&amp;status=returned"' in page.html
    shopper_page = console.get(f"/shoppers/{anna}")
    assert "Предстоящие визиты 2 Возвращены на доработку 1" in shopper_page


def test_revoking_a_phone_asks_first_then_its_token_is_refused(console, server_store):
    anna, token = paired(console, server_store)
    (device,) = admin.list_devices(server_store, anna)
    page = console.get(f"/shoppers/{anna}")
    confirm_path = f"/shoppers/{anna}/devices/{device.id}/revoke"
    assert f'href="/console{confirm_path}"' in page.html

    confirm = console.get(confirm_path)
    assert f"Отключить телефон «Pixel 8» покупателя Анна Петрова · #{anna[-4:]}?" in confirm
    assert f'action="/console{confirm_path}"' in confirm.html
    assert pull(console, token).status_code == 200  # asking changed nothing

    done = console.post(confirm_path)
    assert done.status == 200 and done.url.endswith(f"/shoppers/{anna}?revoked={device.id}")
    assert "Телефон «Pixel 8» отключён" in done
    assert "отключён 2026-11-22 09:00" in table_rows(done)[1]
    refused = pull(console, token)
    assert refused.status_code == 401 and refused.json()["code"] == "token_revoked"
    assert "уже отключён" in console.get(confirm_path)


def test_a_phone_is_revoked_only_through_its_own_shoppers_page(console, server_store):
    anna, token = paired(console, server_store, "Анна")
    boris = admin.create_shopper(server_store, "Борис").shopper_id
    (device,) = admin.list_devices(server_store, anna)
    assert console.get(f"/shoppers/{boris}/devices/{device.id}/revoke").status == 404
    assert console.post(f"/shoppers/{boris}/devices/{device.id}/revoke").status == 404
    assert console.get("/shoppers/sh_nobody").status == 404
    assert pull(console, token).status_code == 200


@pytest.mark.parametrize("language, words", [
    ("ru", ["Последняя синхронизация", "Код подключения телефона", "Телефоны", "Отключить телефон"]),
    ("en", ["Last sync", "Phone pairing code", "Phones", "Revoke a phone"]),
])
def test_the_pages_speak_both_languages(console, server_store, language, words):
    console.http.get(f"/console/language/{language}")
    anna, _token = paired(console, server_store)
    (device,) = admin.list_devices(server_store, anna)
    listing = console.get("/shoppers")
    code_page = console.post(f"/shoppers/{anna}/code")
    shopper_page = console.get(f"/shoppers/{anna}")
    confirm = console.get(f"/shoppers/{anna}/devices/{device.id}/revoke")
    for page, word in zip((listing, code_page, shopper_page, confirm), words):
        assert page.status == 200
        assert word in page


def test_a_shoppers_name_is_shown_as_text(console, server_store):
    name = '<script>alert("x")</script><b>Анна</b>'
    anna, _token = paired(console, server_store, name)
    (device,) = admin.list_devices(server_store, anna)
    pages = [console.get("/shoppers"), console.get(f"/shoppers/{anna}"),
             console.get(f"/shoppers/{anna}/devices/{device.id}/revoke"), console.post(f"/shoppers/{anna}/code")]
    for page in pages:
        assert "<script>alert" not in page.html and "<b>Анна" not in page.html
        assert "&lt;script&gt;alert" in page.html
        assert name in page.text
