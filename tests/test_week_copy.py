"""Copying a week's routes to the next (week_copy.py and the console's /routes/copy):
a preview with counts and what is skipped and why before saving; deactivated shoppers
and dealerships, duplicates and overlaps skipped and said; one change number."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from server_stub import admin, week_copy
from server_stub.planning import day_plan
from server_stub.queries import routes

from server_support import MINI, publish_mini, seed_dealers

LAST_MONDAY = date(2026, 11, 16)  # the test clock's day is Sunday 2026-11-22
MONDAY = date(2026, 11, 23)


@pytest.fixture
def week(server_store) -> dict[str, str]:
    seed_dealers(server_store, "D1", "D2", "D3", "D4")
    publish_mini(server_store)
    anna = admin.create_shopper(server_store, "Анна Петрова").shopper_id
    oleg = admin.create_shopper(server_store, "Олег Иванов").shopper_id
    admin.assign(server_store, anna, LAST_MONDAY, "D1", MINI.id, window="10:00-11:00", note="утро")
    admin.assign(server_store, anna, LAST_MONDAY, "D2", MINI.id, window="12:00-13:00")
    admin.assign(server_store, anna, LAST_MONDAY + timedelta(days=2), "D3", MINI.id)
    admin.assign(server_store, oleg, LAST_MONDAY + timedelta(days=1), "D1", MINI.id)
    admin.assign(server_store, anna, MONDAY, "D4", MINI.id, window="12:30-13:30")  # next week already
    admin.deactivate_dealer(server_store, "D3")  # withdraws from today on: last week's stop stays
    return {"anna": anna, "oleg": oleg}


def test_the_preview_counts_and_skips_and_saves_nothing(server_store, week):
    preview = week_copy.copy_week(server_store, LAST_MONDAY + timedelta(days=3), dry_run=True)
    assert (preview.source_stops, preview.copied, preview.shoppers) == (4, 2, 2)
    skipped = {(n.stop.dealer_code, n.target_day): [f.key for f in n.flaws] for n in preview.skipped}
    assert skipped == {("D2", MONDAY): ["overlap_planned"], ("D3", MONDAY + timedelta(days=2)): ["dealer_inactive"]}
    assert [s.dealer_code for s in day_plan(server_store, week["anna"], MONDAY).stops] == ["D4"]


def test_a_copy_warns_of_other_repeats_not_of_the_stop_it_copies(server_store, week):
    # Oleg's D1 next Tuesday repeats last Tuesday's D1 (the stop copied: asked for, no
    # warning) and a D1 planned 20 days later (a warning, as an import would give).
    admin.assign(server_store, week["oleg"], MONDAY + timedelta(days=21), "D1", MINI.id)
    preview = week_copy.copy_week(server_store, LAST_MONDAY, week["oleg"], dry_run=True)
    assert preview.copied == 1
    [note] = preview.warnings
    assert [(f.key, f.values["day"]) for f in note.flaws] == [("repeat_planned", "2026-12-14")]
    alone = week_copy.copy_week(server_store, LAST_MONDAY, week["anna"], dry_run=True)
    assert alone.warnings == []  # Anna's D1 next Monday repeats only the Monday it copies


def test_copying_everyone_plans_next_week_with_one_change_number(server_store, week):
    with server_store.db.read() as conn:
        before = routes.current_change(conn)
    done = week_copy.copy_week(server_store, LAST_MONDAY)
    assert done.copied == 2 and done.change == before + 1
    assert [(s.dealer_code, s.note, s.window_start) for s in day_plan(server_store, week["anna"], MONDAY).stops] == [
        ("D4", "", "12:30"), ("D1", "утро", "10:00")]
    assert [s.dealer_code for s in day_plan(server_store, week["oleg"], MONDAY + timedelta(days=1)).stops] == ["D1"]
    again = week_copy.copy_week(server_store, LAST_MONDAY, dry_run=True)
    assert again.copied == 0  # everything is there already: duplicates


def test_one_shopper_only_and_a_deactivated_shopper_is_skipped(server_store, week):
    done = week_copy.copy_week(server_store, LAST_MONDAY, week["oleg"])
    assert done.copied == 1
    assert day_plan(server_store, week["anna"], MONDAY + timedelta(days=2)).stops == []
    admin.deactivate_shopper(server_store, week["anna"])
    skipped = week_copy.copy_week(server_store, LAST_MONDAY, week["anna"], dry_run=True).skipped
    assert skipped and all("shopper_inactive" in [f.key for f in n.flaws] for n in skipped)


def test_the_console_previews_then_copies(console, server_store, week):
    console.http.get("/console/language/en")
    board = console.get("/routes", week=LAST_MONDAY.isoformat())
    assert "Copy this week to the next (everyone)" in board
    preview = console.get("/routes/copy", week=LAST_MONDAY.isoformat())
    assert "Stops this week: 4; to copy: 2 for 2 shoppers; skipped: 2. Nothing is saved yet." in preview.text
    assert "dealership D3 (Дилер D3) is deactivated" in preview.text
    assert "overlaps 12:30-13:30 already planned at Дилер D4" in preview.text
    assert len(day_plan(server_store, week["anna"], MONDAY).stops) == 1
    done = console.post("/routes/copy", {"week": LAST_MONDAY.isoformat(), "shopper": ""})
    assert "Copied: 2 stops; skipped: 2." in done.text
    assert "week=2026-11-23" in done.url
    assert len(day_plan(server_store, week["anna"], MONDAY).stops) == 2
    console.http.get("/console/language/ru")
    one = console.get("/routes/copy", week=LAST_MONDAY.isoformat(), shopper=week["oleg"])
    assert "Олег Иванов" in one.text and "Копировать нечего." in one.text
