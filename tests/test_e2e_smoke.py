"""The demo app in a real browser: it starts offline and shows today's route."""

import re

import pytest
from playwright.sync_api import expect

from e2e_support import AppProcess, chromium, needs_chromium, open_phone

pytestmark = needs_chromium


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    process = AppProcess(tmp_path_factory.mktemp("phone") / "data").start()
    yield process
    process.stop()


def test_the_demo_route_shows_in_a_phone_browser(app):
    with chromium() as browser:
        page = open_phone(browser, app.url)
        expect(page.get_by_text("Маршрут на сегодня")).to_be_visible(timeout=60_000)
        expect(page.get_by_role("group", name=re.compile("Запад Моторс"))).to_be_visible()
        expect(page.get_by_role("button", name="Позвонить +7 495 000-01-01")).to_be_visible()
        expect(page.get_by_text("Пора ответить")).to_be_visible()
