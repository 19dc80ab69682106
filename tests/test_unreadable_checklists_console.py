"""The console marks a shopper whose phone cannot open a checklist it was given (its app is
older than the checklist): on the shoppers list, in Russian and English, and on the
shopper's page per phone with when it said so; a revoked phone's word no longer counts;
the list asks no more of the database for more shoppers."""

from __future__ import annotations

import re

from sqlalchemy import event

from field_app.domain.sync_messages import API_PREFIX
from server_stub import admin

ROUTE = API_PREFIX + "/devices/current/unreadable-checklists"
MARK_RU = "⚠ Приложение устарело: не открывает dealer_call@3, roadside_assistance_call@3 — попросите обновить"


def phone(console, store, shopper_id: str, name: str = "Pixel 8") -> dict:
    """A new phone of the shopper's: the headers its requests carry."""
    code = admin.new_pairing_code(store, shopper_id)
    answer = console.http.post(API_PREFIX + "/devices/pair", json={"code": code.pairing_code, "device_name": name})
    assert answer.status_code == 200, answer.text
    return {"Authorization": f"Bearer {answer.json()['token']}"}


def shopper(console, store, name: str) -> tuple[str, dict]:
    shopper_id = admin.create_shopper(store, name).shopper_id
    return shopper_id, phone(console, store, shopper_id)


def report(console, auth: dict, checklists: list[str]) -> None:
    answer = console.http.put(ROUTE, json={"checklists": checklists}, headers=auth)
    assert answer.status_code == 204, answer.text


def row_of(page, name: str) -> str:
    for row in re.findall(r"<tr[^>]*>(.*?)</tr>", page.html, flags=re.S):
        if name in row:
            return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", row)).strip()
    raise AssertionError(f"no row of {name}")


def test_the_list_marks_a_shopper_whose_phone_cannot_open_a_checklist(console, server_store):
    _anna, anna_phone = shopper(console, server_store, "Анна Петрова")
    shopper(console, server_store, "Борис Смирнов")
    report(console, anna_phone, ["roadside_assistance_call@3", "dealer_call@3"])

    page = console.get("/shoppers")

    assert page.status == 200
    assert MARK_RU in row_of(page, "Анна Петрова")
    assert "Приложение устарело" not in row_of(page, "Борис Смирнов")


def test_the_mark_reads_in_english(console, server_store):
    _anna, anna_phone = shopper(console, server_store, "Анна Петрова")
    report(console, anna_phone, ["dealer_call@3"])

    console.http.get("/console/language/en", params={"next": "/console/shoppers"})

    assert "⚠ App out of date: cannot open dealer_call@3 — ask them to update it" in console.get("/shoppers")


def test_the_mark_goes_when_the_phone_reads_everything_again(console, server_store):
    _anna, anna_phone = shopper(console, server_store, "Анна Петрова")
    report(console, anna_phone, ["dealer_call@3"])
    report(console, anna_phone, [])

    assert "Приложение устарело" not in console.get("/shoppers")


def test_the_shoppers_page_shows_which_phone_said_so_and_when(console, server_store, clock):
    anna, new_phone = shopper(console, server_store, "Анна Петрова")
    old_phone = phone(console, server_store, anna, "Old Galaxy")
    report(console, old_phone, ["dealer_call@3"])
    clock.advance(90 * 60)
    report(console, new_phone, [])

    page = console.get(f"/shoppers/{anna}")

    old = row_of(page, "Old Galaxy")
    assert "⚠ Приложение устарело: не открывает dealer_call@3 — попросите обновить" in old
    assert "(сообщено 2026-11-22 09:00 UTC)" in old
    assert "Приложение устарело" not in row_of(page, "Pixel 8")


def test_a_revoked_phones_report_no_longer_counts(console, server_store):
    anna, anna_phone = shopper(console, server_store, "Анна Петрова")
    report(console, anna_phone, ["dealer_call@3"])
    (device,) = admin.list_devices(server_store, anna)

    admin.revoke_device(server_store, device.id)

    assert "Приложение устарело" not in console.get("/shoppers")
    assert "Приложение устарело" not in console.get(f"/shoppers/{anna}")


def test_the_list_asks_the_database_as_often_for_many_marked_shoppers_as_for_one(console, server_store):
    statements: list[str] = []

    def count(conn, cursor, statement, *args) -> None:
        statements.append(statement)

    def statements_for_the_list() -> int:
        statements.clear()
        assert console.get("/shoppers").status == 200
        return len(statements)

    _anna, anna_phone = shopper(console, server_store, "Анна Петрова")
    report(console, anna_phone, ["dealer_call@3"])
    event.listen(server_store.db.engine, "before_cursor_execute", count)
    try:
        one = statements_for_the_list()
        for n in range(8):
            _id, auth = shopper(console, server_store, f"Покупатель {n}")
            report(console, auth, [f"dealer_call@{n + 3}"])
        many = statements_for_the_list()
    finally:
        event.remove(server_store.db.engine, "before_cursor_execute", count)

    assert one > 0
    assert many == one
    assert console.get("/shoppers").text.count("Приложение устарело") == 9
