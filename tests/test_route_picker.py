"""Adding a stop from a board cell: the dealership picker searched on the server (name,
code, city, brand; the shopper's city first; «не был 30+ дней» marks), the checklist
select by title, and the warnings shown before saving."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from field_app.domain.route import Dealership
from server_stub import admin
from server_stub.planning import day_plan

from server_support import MINI, publish_mini

MONDAY = date(2026, 11, 23)


@pytest.fixture
def anna(server_store) -> str:
    admin.save_dealers(server_store, [
        Dealership(code="KZ1", name="Kia Центр", brand="Kia", city="Казань"),
        Dealership(code="MS1", name="Kia Москва Север", brand="Kia", city="Москва"),
        Dealership(code="MS2", name="Haval Юг", brand="Haval", city="Москва"),
    ])
    publish_mini(server_store)
    return admin.create_shopper(server_store, "Анна Петрова", city="Москва").shopper_id


def day_path(shopper_id: str, day: date) -> str:
    return f"/routes/{shopper_id}/{day.isoformat()}"


def test_the_picker_finds_by_brand_city_first_and_marks_the_30_days(console, server_store, anna):
    admin.assign(server_store, anna, MONDAY - timedelta(days=10), "MS1", MINI.id)
    page = console.get(day_path(anna, MONDAY), find="kia")
    assert page.status == 200
    text = page.text
    assert text.index("Kia Москва Север") < text.index("Kia Центр")  # the shopper's city first
    assert "Haval Юг" not in text
    assert "этот покупатель там 2026-11-13" in text
    assert "не был 30+ дней" in text
    assert "Найдено: 2" in text
    by_city = console.get(day_path(anna, MONDAY), find="казань")
    assert "Kia Центр" in by_city.text and "Kia Москва Север" not in by_city.text
    by_code = console.get(day_path(anna, MONDAY), find="ms2")
    assert "Haval Юг" in by_code.text


def test_a_picked_dealership_warns_of_a_repeat_before_saving_and_is_added(console, server_store, anna):
    admin.assign(server_store, anna, MONDAY + timedelta(days=3), "MS1", MINI.id)
    page = console.get(day_path(anna, MONDAY), pick="MS1", find="kia")
    assert "В пределах 30 дней этот покупатель уже направлен сюда" in page.text
    assert "Тот же дилерский центр 2026-11-26" in page.text
    assert day_plan(server_store, anna, MONDAY).stops == []
    unread = console.post(day_path(anna, MONDAY), {"pick": "MS1", "dealer": "MS1", "checklist": MINI.id})
    assert unread.status == 422 and day_plan(server_store, anna, MONDAY).stops == []  # typed, not seen: asked
    console.get(day_path(anna, MONDAY), pick="MS1")
    saved = console.post(day_path(anna, MONDAY), {"pick": "MS1", "dealer": "MS1", "checklist": MINI.id, "warned": "1"})
    assert saved.status == 200
    assert [s.dealer_code for s in day_plan(server_store, anna, MONDAY).stops] == ["MS1"]


def test_the_checklist_select_shows_titles_and_defaults_to_the_last_used(console, server_store, anna):
    page = console.get(day_path(anna, MONDAY))
    assert f"{MINI.title} ({MINI.id}, v{MINI.version})" in page.text
    admin.assign(server_store, anna, MONDAY, "MS2", MINI.id)
    page = console.get(day_path(anna, MONDAY + timedelta(days=1)))
    assert f'<option value="{MINI.id}" selected>' in page.html


def test_an_overlapping_window_is_warned_before_saving(console, server_store, anna):
    admin.assign(server_store, anna, MONDAY, "MS2", MINI.id, window="10:00-12:00")
    console.get(day_path(anna, MONDAY))
    page = console.post(day_path(anna, MONDAY), {"dealer": "MS1", "checklist": MINI.id, "window": "11:00-13:00"})
    assert page.status == 422
    assert "Время 11:00-13:00 пересекается с 10:00-12:00 в «Haval Юг»" in page.text
    assert len(day_plan(server_store, anna, MONDAY).stops) == 1
    saved = console.post(day_path(anna, MONDAY), {"dealer": "MS1", "checklist": MINI.id, "window": "11:00-13:00",
                                                  "confirm": "1"})
    assert saved.status == 200
    assert len(day_plan(server_store, anna, MONDAY).stops) == 2


def test_a_past_day_is_said_before_saving(console, server_store, anna):
    past = date(2026, 11, 20)
    page = console.get(day_path(anna, past))
    assert "Этот день уже прошёл" in page.text and 'name="past_seen" value="1"' in page.html
    asked = console.post(day_path(anna, past), {"dealer": "MS1", "checklist": MINI.id})
    assert asked.status == 422 and "2026-11-20 — прошедший день" in asked.text
    assert day_plan(server_store, anna, past).stops == []
    assert console.post(day_path(anna, past), {"dealer": "MS1", "checklist": MINI.id, "past_seen": "1"}).status == 200
    assert len(day_plan(server_store, anna, past).stops) == 1


def test_stops_out_of_time_order_are_said_and_put_in_order_with_one_click(console, server_store, anna):
    late = admin.assign(server_store, anna, MONDAY, "MS1", MINI.id, window="15:00-16:00")
    loose = admin.assign(server_store, anna, MONDAY, "MS2", MINI.id)
    early = admin.assign(server_store, anna, MONDAY, "KZ1", MINI.id, window="09:00-10:00")
    page = console.get(day_path(anna, MONDAY))
    assert "Остановки идут не в порядке их времени." in page.text
    sorted_page = console.post(day_path(anna, MONDAY) + "/sort", {})
    assert "не в порядке" not in sorted_page.text
    assert [s.id for s in day_plan(server_store, anna, MONDAY).stops] == [
        early.assignment_id, late.assignment_id, loose.assignment_id]
