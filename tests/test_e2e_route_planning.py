"""Bulk planning in real headless Chromium (issue 16, point 1): a coordinator plans a
week of 60 stops for 5 shoppers through the console, counting every click: the CSV
upload (check, then save), one more stop added straight from a board cell with the
dealership picked by searching (typed, Enter, a pick, Add), and the week copied to the
next. Before: 330 clicks and 91 page loads; the target: at most 60 clicks."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from playwright.sync_api import expect

from field_app.domain.route import Dealership
from server_stub import admin
from server_stub.planning import day_plan, monday_of

from console_support import PASSWORD, USERNAME
from e2e_support import chromium, needs_chromium
from server_support import DAY, MINI, LiveServer, publish_mini

pytestmark = needs_chromium
LAPTOP = {"width": 1280, "height": 800}
MONDAY = monday_of(DAY) + timedelta(days=7)  # the test clock's day is a Sunday: plan the next week
CITIES = ("Москва", "Казань", "Самара", "Пермь", "Омск")


@pytest.fixture
def server(tmp_path, clock):
    from server_stub.settings import Settings

    with LiveServer.start(Settings(data_dir=tmp_path / "server", clock=clock)) as live:
        publish_mini(live.store)
        admin.create_coordinator(live.store, USERNAME, PASSWORD)
        admin.save_dealers(live.store, [
            Dealership(code=f"D{n:02d}", name=f"Автосалон {n:02d}", brand=("Kia", "Haval", "Lada")[n % 3],
                       city=CITIES[n % 5]) for n in range(40)])
        yield live


class Clicks:
    """Every click of the test goes through here and is counted."""

    def __init__(self) -> None:
        self.count = 0

    def __call__(self, locator) -> None:
        self.count += 1
        locator.click()


def test_a_week_of_60_stops_for_5_shoppers_takes_at_most_60_clicks(server, tmp_path):
    store = server.store
    ids = [admin.create_shopper(store, f"Покупатель {n}", city=CITIES[n]).shopper_id for n in range(5)]
    lines = ["shopper,date,dealer,checklist,version,window,note"]
    for n, shopper in enumerate(ids):
        for d in range(4):  # Monday to Thursday, 3 stops a day: 12 a shopper, 60 in all
            for s, window in enumerate(("10:00-11:30", "12:30-14:00", "15:00-16:30")):
                lines.append(f"{shopper},{(MONDAY + timedelta(days=d)).isoformat()},D{(n * 8 + d * 3 + s) % 40:02d},"
                             f"{MINI.id},,{window},")
    csv_path = tmp_path / "routes.csv"
    csv_path.write_text("\n".join(lines) + "\n", encoding="utf-8")

    click = Clicks()
    with chromium() as browser:
        page = browser.new_context(viewport=LAPTOP).new_page()
        page.route(re.compile(r"^https?://(?!127\.0\.0\.1)"), lambda route: route.abort())
        refused_by_policy: list[str] = []
        page.on("console", lambda m: refused_by_policy.append(m.text) if "Content Security Policy" in m.text else None)
        page.goto(server.url + "/console/")
        page.get_by_label("Логин").fill(USERNAME)
        page.get_by_label("Пароль").fill(PASSWORD)
        click(page.get_by_role("button", name="Войти"))
        click(page.get_by_role("link", name="Маршруты", exact=True))
        click(page.locator("#import-link"))
        page.locator("input[type=file][name=file]").set_input_files(str(csv_path))
        click(page.get_by_role("button", name="Проверить файл"))
        expect(page.get_by_text("визитов 60, тайных покупателей 5, дней 4")).to_be_visible()
        click(page.locator("#import-save"))
        expect(page.get_by_text("Импортировано: визитов 60")).to_be_visible()
        imported_clicks = click.count
        assert sum(len(day_plan(store, s, MONDAY + timedelta(days=d)).stops) for s in ids for d in range(4)) == 60

        # One more stop straight from a board cell: Friday of the first shopper.
        friday = MONDAY + timedelta(days=4)
        click(page.locator(f'td[data-cell="{ids[0]}/{friday.isoformat()}"] a.plan'))
        search = page.locator("input[name=find]")
        expect(search).to_have_attribute("autofocus", "")  # the picker takes the keyboard on load
        search.fill("kia")
        search.press("Enter")
        expect(page.get_by_text("не был 30+ дней").first).to_be_visible()
        click(page.locator("ul.dealer-picks a").first)  # the shopper's city first
        page.locator("input[name=window]").fill("11:00-12:00")
        click(page.locator("#add-stop"))
        expect(page.get_by_text(re.compile("Остановка (добавлена|сохранена)")).first).to_be_visible()
        assert day_plan(store, ids[0], friday).stops[0].dealer_city == CITIES[0]

        click(page.get_by_role("link", name=re.compile("К неделе")))
        expect(page.locator(f'td[data-cell="{ids[4]}/{MONDAY.isoformat()}"] li')).to_have_count(3)
        # (the board's screenshots are taken by test_e2e_week_board.py, with longer names and 4 checklists)

        # The same week again, the week after, for everyone.
        click(page.locator("#copy-all"))
        expect(page.get_by_text("будет скопировано: 61")).to_be_visible()
        click(page.locator("#copy-save"))
        expect(page.get_by_text("Скопировано визитов: 61")).to_be_visible()
        assert len(day_plan(store, ids[2], MONDAY + timedelta(days=7)).stops) == 3
        assert refused_by_policy == []
    print(f"clicks: {imported_clicks} for the 60 imported stops, {click.count} in all")
    assert imported_clicks <= 60 and click.count <= 60
