"""The review queue in real headless Chromium at 1366x768, against a real server on
loopback: six visits wait, one of them a correction of a returned revision. The
coordinator opens the queue, walks it with next and previous, approves one visit and
lands on the next waiting one, reads what the correction changed, returns nothing by
mistake, and approves the rest in one go. Every click is counted."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from server_stub import admin, devices
from server_stub.queries import visits as visit_q
from server_stub.visits import review_visit

from console_support import PASSWORD, USERNAME
from e2e_support import chromium, needs_chromium, screenshot
from server_support import DAY, MINI, LiveServer, new_uuid, publish_mini, revision, seed_dealers

pytestmark = needs_chromium
SMALL_LAPTOP = {"width": 1366, "height": 768}


@pytest.fixture
def server(tmp_path, clock):
    from server_stub.settings import Settings

    # The queue's walk, not the visits' evidence: stored without flags, approved without a
    # comment (test_e2e_console.py approves a flagged one).
    settings = Settings(data_dir=tmp_path / "server", clock=clock, compute_flags=False)
    with LiveServer.start(settings) as live:
        publish_mini(live.store)
        admin.create_coordinator(live.store, USERNAME, PASSWORD)
        seed_dealers(live.store, "D1", "D2", "D3")
        yield live


class Clicks:
    """Every click of the test goes through here and is counted."""

    def __init__(self) -> None:
        self.count = 0

    def __call__(self, locator) -> None:
        self.count += 1
        locator.click()


def send_six(server, clock) -> tuple[list[str], str]:
    """Six visits from two shoppers, a minute apart; the second is returned and corrected,
    so it waits again, behind the others. Returns the arrival order and the corrected one."""
    shoppers, phones = [], []
    for name in ("Анна Петрова", "Олег Сидоров"):
        code = admin.create_shopper(server.store, name)
        shoppers.append(code.shopper_id)
        phones.append(server.client(devices.pair(server.store, code.pairing_code, "Pixel 8").token))
    sent, stops = [], []
    for n in range(6):
        uuid = new_uuid()
        stops.append(admin.assign(server.store, shoppers[n % 2], DAY, f"D{n % 3 + 1}", MINI.id).assignment_id)
        answer = phones[n % 2].put(f"/visits/{uuid}", json=revision(1, assignment_id=stops[n]))
        assert answer.status_code == 200, answer.text
        sent.append(uuid)
        clock.advance(60)
    corrected = sent[1]
    review_visit(server.store, corrected, "return", "Уточните приветствие", by="coordinator")
    clock.advance(60)
    again = phones[1].put(f"/visits/{corrected}", json=revision(2, greeted=False, assignment_id=stops[1]))
    assert again.status_code == 200, again.text
    return sent, corrected


def test_a_coordinator_reviews_six_visits_in_a_dozen_clicks(server, clock):
    sent, corrected = send_six(server, clock)
    queue_order = [u for u in sent if u != corrected] + [corrected]  # the correction waits behind the rest
    click = Clicks()
    with chromium() as browser:
        page = browser.new_context(viewport=SMALL_LAPTOP).new_page()
        page.route(re.compile(r"^https?://(?!127\.0\.0\.1)"), lambda route: route.abort())
        refused_by_policy: list[str] = []
        page.on("console", lambda m: refused_by_policy.append(m.text) if "Content Security Policy" in m.text else None)
        page.goto(server.url + "/console/")
        page.get_by_label("Логин").fill(USERNAME)
        page.get_by_label("Пароль").fill(PASSWORD)
        click(page.get_by_role("button", name="Войти"))

        # The list opens on the queue while anything waits, the one waiting longest first.
        expect(page.get_by_role("link", name="К проверке (6)")).to_have_attribute("aria-current", "page")
        assert re.findall(r'id="at-([0-9a-f-]{36})"', page.content()) == queue_order
        screenshot(page, "console_review_queue")

        click(page.locator(f'a[href*="/visits/{queue_order[0]}"]').first)
        click(page.locator("a[rel=next]").first)
        expect(page).to_have_url(re.compile(queue_order[1]))
        click(page.locator("a[rel=prev]").first)
        expect(page).to_have_url(re.compile(queue_order[0]))

        # A verdict goes straight on to the next visit waiting.
        click(page.get_by_role("button", name="Принять визит"))
        expect(page.get_by_text("Ниже — следующий визит списка, который ждёт проверки.")).to_be_visible()
        expect(page).to_have_url(re.compile(queue_order[1]))

        # The corrected one says what changed since it was returned.
        page.goto(f"{server.url}/console/visits/{corrected}?view=review")
        expect(page.get_by_text("Что изменилось после возврата: версия 1 → 2")).to_be_visible()
        expect(page.get_by_text("К проверке: 5 из 5")).to_be_visible()
        page.get_by_text("Что изменилось после возврата").evaluate("heading => heading.scrollIntoView()")
        screenshot(page, "console_visit_changes")

        # Back to the queue: the other five chosen on the page and approved together.
        click(page.get_by_role("link", name="← К проверке"))
        expect(page.get_by_role("link", name="К проверке (5)")).to_have_attribute("aria-current", "page")
        click(page.get_by_role("link", name="Отметить все на странице"))
        click(page.get_by_role("button", name="Принять выбранные"))
        expect(page.get_by_text("Будут приняты 5 визитов:")).to_be_visible()
        click(page.get_by_role("button", name=re.compile("Принять 5")))
        expect(page.get_by_role("link", name="К проверке (0)")).to_be_visible()
        assert refused_by_policy == []

    with server.store.db.read() as conn:
        assert {visit_q.get_visit(conn, u).status for u in sent} == {"approved"}
    print(f"clicks: {click.count} to review 6 visits")
    assert click.count <= 12
