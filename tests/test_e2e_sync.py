"""Pairing a fresh phone and its first sync in a real browser at a phone's size, against a
real server on loopback: a wrong code is refused in plain words and leaves the phone
unpaired; the right one (typed lower case, without the dash) pairs it, the first sync
brings today's stop down, and Today shows it. Screenshots: docs/screenshots/pair.png,
docs/screenshots/sync.png."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from field_app.app import open_service, open_sync
from field_app.domain.clock import SystemClock
from field_app.demo import DEALERSHIPS
from server_stub import admin

from e2e_support import AppProcess, chromium, needs_chromium, open_phone, screenshot
from server_support import LiveServer
from test_e2e_visit import SLOW, tap

pytestmark = needs_chromium

SHOPPER = "Анна Петрова"
DEALER = DEALERSHIPS[0]  # Автоцентр «Северный»
UNKNOWN = "Сервер отказал. Такого кода нет. Проверьте код или попросите новый у координатора."


@pytest.fixture
def server(tmp_path):
    from server_stub.settings import Settings

    # The real clock, as the phone's: "today" must be the same day on both.
    with LiveServer.start(Settings(data_dir=tmp_path / "server")) as live:
        admin.save_dealers(live.store, [DEALER])
        yield live


@pytest.fixture
def app(tmp_path):
    process = AppProcess(tmp_path / "phone").start(demo=False)
    yield process
    process.stop()


def lines(*texts: str) -> re.Pattern:
    """The texts in this order, in one accessible name or text node: Flutter joins the
    texts of a card into one, a line each."""
    pattern = ".*".join(re.escape(text) for text in texts)
    # Playwright's selector parser ends a regex at an unescaped "/" (an address has some)
    return re.compile(pattern.replace("/", r"\/"), re.DOTALL)


def open_pairing(page: Page) -> None:
    """From the sync screen of an unpaired phone, the way its card offers."""
    unpaired = page.get_by_role("group", name=lines("Телефон не подключён к серверу"))
    expect(unpaired).to_be_visible(timeout=SLOW)
    page.get_by_role("button", name="Подключить телефон").click()
    expect(page.get_by_text("Подключение к серверу")).to_be_visible(timeout=SLOW)


def type_into(page: Page, label: str, text: str) -> None:
    field = page.get_by_role("textbox", name=label)
    # the code field shows what is typed in capitals
    typed = re.compile(f"^{re.escape(text)}$", re.IGNORECASE)
    for attempt in range(3):
        field.click()  # fill() on an unfocused Flutter field sometimes loses the edit
        field.fill(text)
        try:
            expect(field).to_have_value(typed)
            return
        except AssertionError:
            # On a loaded machine the field may take the focus after fill() wrote into it,
            # and Flutter then puts back its own value (seen in CI: "https://" stayed).
            if attempt == 2:
                raise


def test_a_new_phone_pairs_with_a_code_and_brings_todays_route_down(server, app):
    code = admin.create_shopper(server.store, SHOPPER)
    today = SystemClock().now().astimezone().date()  # the phone's day: its local date
    admin.assign(server.store, code.shopper_id, today, DEALER.code, "showroom_visit", window="11:00-13:00")
    wrong = "ZZZZ-ZZZZ" if code.pairing_code != "ZZZZ-ZZZZ" else "YYYY-YYYY"

    with chromium() as browser:
        page = open_phone(browser, app.url)
        expect(page.get_by_text("На сегодня точек нет.")).to_be_visible(timeout=SLOW)
        tap(page, "open-sync")  # the cloud on Today
        open_pairing(page)

        type_into(page, "Адрес сервера", server.url)
        type_into(page, "Код подключения", wrong)
        page.get_by_role("button", name="Подключить", exact=True).click()
        expect(page.get_by_text(UNKNOWN)).to_be_visible(timeout=SLOW)
        assert admin.list_devices(server.store, code.shopper_id) == []

        page.get_by_role("button", name="Назад").click()
        open_pairing(page)  # the sync screen still says the phone is not paired

        type_into(page, "Адрес сервера", server.url)
        type_into(page, "Код подключения", code.pairing_code.replace("-", "").lower())
        screenshot(page, "pair")
        page.get_by_role("button", name="Подключить", exact=True).click()

        # the notice is shown (and read out too: Flutter repeats it in an aria-live element)
        notice = page.locator("flt-semantics-host").get_by_text(f"Телефон подключён. Вы — {SHOPPER}.")
        expect(notice).to_be_visible(timeout=SLOW)
        # the first sync runs right after pairing, not at the next round of the background loop
        account = page.get_by_text(lines(f"Тайный покупатель: {SHOPPER}", f"Сервер: {server.url}",
                                         "Телефон: Браузер", "Последняя синхронизация: только что"))
        expect(account).to_be_visible(timeout=SLOW)
        expect(page.get_by_role("button", name="Синхронизировать сейчас")).to_be_enabled(timeout=SLOW)
        expect(page.get_by_text("Всё отправлено.")).to_be_visible()
        expect(notice).to_be_hidden(timeout=SLOW)  # it covers "Sync now" for its 4 seconds
        screenshot(page, "sync")

        page.get_by_role("button", name="Назад").click()
        card = page.get_by_role("group", name=lines(f"1. {DEALER.name}", "Запланирован", "с 11:00 до 13:00",
                                                    DEALER.address))
        expect(card).to_be_visible(timeout=SLOW)
        expect(card.get_by_role("button", name="Начать")).to_be_visible()

    [device] = admin.list_devices(server.store, code.shopper_id)
    assert device.name == "Браузер"
    app.stop()
    service = open_service(app.data)
    status = open_sync(service).status()
    assert (status.paired, status.shopper_name, status.server_url) == (True, SHOPPER, server.url)
    [stop] = service.overview().today
    assert stop.dealership.code == DEALER.code and stop.assignment.checklist_id == "showroom_visit"
    service.store.close()
