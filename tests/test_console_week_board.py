"""The week board's compact cells (issue 16, the week board): a stop says its dealership
with the city when it is not the shopper's, its window, and the checklist by its title and
version (the raw id only in the tooltip); codes are marked so they never break; days
without a stop get narrow columns; no inline style or script. The layout itself (heights,
the sticky days and names) is checked in Chromium by test_e2e_week_board.py."""

from __future__ import annotations

import html
import re
from datetime import date, timedelta
from pathlib import Path

import pytest

from field_app.domain.route import Dealership
from server_stub import admin

from server_support import publish_mini

MONDAY = date(2026, 11, 23)  # the week after the test clock's day (a Sunday)
CSS = Path(__file__).resolve().parents[1] / "server_stub" / "console" / "static" / "console.css"


@pytest.fixture
def week(server_store) -> dict[str, str]:
    """Ольга of Казань with a stop at home, one in Набережные Челны and a roadside call;
    Пётр, whose city is not known, with one stop."""
    store = server_store
    publish_mini(store)
    admin.save_dealers(store, [
        Dealership(code="KZN-1", name="ТрансТехСервис Kia", brand="Kia", city="Казань", phone="+7 843 000-00-01"),
        Dealership(code="NCH-1", name="Kia Автограф", brand="Kia", city="Набережные Челны"),
    ])
    olga = admin.create_shopper(store, "Ольга Смирнова", city="Казань").shopper_id
    petr = admin.create_shopper(store, "Пётр Ким").shopper_id
    admin.assign(store, olga, MONDAY, "KZN-1", "showroom_visit", window="10:00-11:30")
    admin.assign(store, olga, MONDAY, "NCH-1", "roadside_assistance_call@1", window="15:00-16:30")
    admin.assign(store, petr, MONDAY + timedelta(days=2), "KZN-1", "service_visit")
    return {"olga": olga, "petr": petr}


def cell_html(page, shopper_id: str, day: date) -> str:
    found = re.search(rf'<td data-cell="{shopper_id}/{day.isoformat()}"[^>]*>(.*?)</td>', page.html, re.DOTALL)
    assert found, (shopper_id, day)
    return found.group(1)


def text(fragment: str) -> str:
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", fragment))).strip()


def stops_of(page, shopper_id: str, day: date) -> list[str]:
    return [text(li) for li in re.findall(r"<li[^>]*>(.*?)</li>", cell_html(page, shopper_id, day), re.DOTALL)]


def test_a_stop_says_the_dealerships_city_only_when_it_is_not_the_shoppers(console, week):
    page = console.get("/routes", week=MONDAY.isoformat())
    home, away = stops_of(page, week["olga"], MONDAY)
    assert home.startswith("ТрансТехСервис Kia 10:00–11:30") and "Казань" not in home
    assert away.startswith("Kia Автограф · Набережные Челны 15:00–16:30")
    assert "·&nbsp;Набережные Челны" in cell_html(page, week["olga"], MONDAY)  # the dot stays with the city
    # A shopper whose city is not known: every dealership's city is said.
    (stop,) = stops_of(page, week["petr"], MONDAY + timedelta(days=2))
    assert stop.startswith("ТрансТехСервис Kia · Казань ")


def test_a_stop_names_its_checklist_by_title_and_version_the_id_only_in_the_tooltip(console, server_store, week):
    page = console.get("/routes", week=MONDAY.isoformat())
    showroom = server_store.catalog.newest("showroom_visit").checklist.version
    home, away = stops_of(page, week["olga"], MONDAY)
    assert home.endswith(f"Визит в автосалон v{showroom}")
    assert away.endswith("Звонок на линию помощи в пути v1")
    cell = cell_html(page, week["olga"], MONDAY)
    assert (f'<span class="checklist" title="Визит в автосалон (showroom_visit@{showroom})">Визит в автосалон</span>'
            in cell)
    assert 'title="Звонок на линию помощи в пути (roadside_assistance_call@1)"' in cell
    assert "roadside_assistance_call" not in text(cell) and "@" not in text(cell)


def test_codes_on_the_board_are_marked_never_to_break(console, week):
    page = console.get("/routes", week=MONDAY.isoformat())
    cell = cell_html(page, week["olga"], MONDAY)
    assert '<span class="code time">10:00–11:30</span>' in cell
    assert '<span class="code time">15:00–16:30</span>' in cell
    assert cell.count('<span class="code">v') == 2
    assert f'<span class="code">#{week["olga"][-4:]}</span>' in page.html  # the shopper's number
    assert '<span class="code">23.11</span>' in page.html  # the day in the header
    # The stylesheet keeps them whole, where `code, .mono` elsewhere may break anywhere.
    rule = re.search(r"table\.board \.code \{([^}]*)\}", CSS.read_text(encoding="utf-8"))
    assert rule, "table.board .code has a rule of its own"
    assert "white-space: nowrap" in rule.group(1) and "word-break: normal" in rule.group(1)
    assert "overflow-wrap: normal" in rule.group(1)


def test_the_board_keeps_its_links_and_asks_for_no_inline_style_or_script(console, week):
    page = console.get("/routes", week=MONDAY.isoformat())
    olga, petr = week["olga"], week["petr"]
    edit = re.search(r'<a class="plan edit" href="([^"]+)" aria-label="([^"]+)">изменить</a>',
                     cell_html(page, olga, MONDAY))
    assert edit and edit.group(1) == f"/console/routes/{olga}/{MONDAY}"
    assert html.unescape(edit.group(2)) == f"Маршрут: Ольга Смирнова · Казань · #{olga[-4:]}, {MONDAY}"
    assert re.search(r'<a class="plan" href="[^"]+" aria-label="Маршрут: Пётр Ким · #[0-9a-f]{4}, 2026-11-23">\+</a>',
                     cell_html(page, petr, MONDAY))
    assert f'href="/console/routes/copy?week={MONDAY}&amp;shopper={olga}"' in page.html
    assert " style=" not in page.html and "<script" not in page.html
    # The board scrolls in a region a keyboard can reach, named by the week.
    assert '<div class="board-scroll" tabindex="0" role="region" aria-labelledby="week-of">' in page.html
    assert '<strong id="week-of">Неделя 2026-11-23 — 2026-11-29</strong>' in page.html


def test_days_without_a_stop_get_narrow_columns(console, week):
    page = console.get("/routes", week=MONDAY.isoformat())
    cols = re.search(r"<colgroup>(.*?)</colgroup>", page.html).group(1)
    assert re.findall(r"<col(?: class=\"(\w+)\")?>", cols) == ["names", "", "quiet", "", "quiet", "quiet", "quiet",
                                                                 "quiet"]
    # Searching for one shopper narrows the days of the others' stops.
    only_petr = console.get("/routes", week=MONDAY.isoformat(), q="Ким")
    cols = re.search(r"<colgroup>(.*?)</colgroup>", only_petr.html).group(1)
    assert re.findall(r"<col(?: class=\"(\w+)\")?>", cols) == ["names", "quiet", "quiet", "", "quiet", "quiet",
                                                                 "quiet", "quiet"]


def test_the_board_reads_in_english(console, week):
    console.http.get("/console/language/en")
    page = console.get("/routes", week=MONDAY.isoformat())
    assert "<th scope=\"col\">Shopper</th>" in page.html
    assert "“· City” a dealership outside the shopper's city" in page.text
    edit = re.search(r'<a class="plan edit" href="[^"]+" aria-label="Route: Ольга Смирнова · Казань · #[0-9a-f]{4}, '
                     r'2026-11-23">edit</a>', cell_html(page, week["olga"], MONDAY))
    assert edit
    assert stops_of(page, week["olga"], MONDAY)[1].startswith("Kia Автограф · Набережные Челны 15:00–16:30")
