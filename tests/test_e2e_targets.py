"""Every control a shopper taps is at least 48x48 px at 390x844, with Chromium's own
(desktop) user agent and with an Android one: Flutter picks a compact density and
shrink-wrapped tap targets for a desktop, padded ones for a phone, and the web client is
opened by both. One walk over the screens per user agent, measuring every tappable node of
the accessibility DOM (its rectangle is the control's hit area) at each scroll position;
on the way, what a screen reader is told: every target named in the UI's language, a
chosen answer selected, a comment field focused when opened, its counter in Russian."""

from __future__ import annotations

import json
import re
from datetime import datetime, timezone
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from field_app.app import open_service
from field_app.demo import fill_demo
from field_app.domain.registry import Registry

from e2e_support import AppProcess, PHONE, chromium, needs_chromium, node, screenshot, scrolled_to
from samples import answer_all

pytestmark = needs_chromium

SLOW = 60_000
SMALLEST = 48
ANDROID = ("Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
           "Chrome/126.0.0.0 Mobile Safari/537.36")
USER_AGENTS = {"desktop": None, "android": ANDROID}

# Tappable nodes of Flutter's semantics tree, each as [key, width, height, top, bottom].
TARGETS_JS = """() => {
  const roles = new Set(['button', 'checkbox', 'radio', 'link', 'switch', 'slider', 'tab', 'menuitem']);
  return [...document.querySelectorAll('flt-semantics')].filter(e =>
      roles.has(e.getAttribute('role')) || e.hasAttribute('flt-tappable')
      || e.querySelector(':scope > input, :scope > textarea'))
    .map(e => {
      const r = e.getBoundingClientRect();
      // a control wrapped in a Semantics with an identifier (as the answer buttons are)
      const wrapper = e.parentElement && e.parentElement.closest('flt-semantics[flt-semantics-identifier]');
      const w = wrapper && wrapper.getBoundingClientRect();
      const tag = w && Math.abs(w.top - r.top) < 2 && Math.abs(w.height - r.height) < 2
        ? wrapper.getAttribute('flt-semantics-identifier') : null;
      const name = e.getAttribute('flt-semantics-identifier') || tag || e.getAttribute('aria-label')
        || (e.querySelector(':scope > input, :scope > textarea') || {}).ariaLabel || e.textContent || '';
      return [(e.getAttribute('role') || 'tappable') + ':' + name.split('\\n')[0].slice(0, 60)
              + (name ? '' : '@' + Math.round(r.left + r.width / 2)), r.width, r.height, r.top, r.bottom];
    });
}"""


def enable_semantics(page: Page) -> None:
    """Turn on Flutter's semantics tree with either user agent: on a phone the placeholder
    covers the page and wants a click at its very centre."""
    page.locator("flt-semantics-placeholder").wait_for(state="attached", timeout=SLOW)
    page.evaluate("""() => {
      const p = document.querySelector('flt-semantics-placeholder');
      const r = p.getBoundingClientRect();
      p.dispatchEvent(new MouseEvent('click', {clientX: r.left + r.width / 2, clientY: r.top + r.height / 2,
                                               bubbles: true}));
    }""")
    page.locator("flt-semantics").first.wait_for(state="attached", timeout=SLOW)


class Sweep:
    """The largest size each target showed on each screen (a target cut by the edge of a
    scrolling list shows smaller until it is scrolled into view)."""

    def __init__(self, page: Page, agent: str) -> None:
        self.page, self.agent = page, agent
        self.sizes: dict[tuple[str, str], tuple[float, float]] = {}

    def measure(self, screen: str, scrolls: int = 0) -> None:
        for step in range(scrolls + 1):
            if step:
                self.page.mouse.move(195, 500)
                self.page.mouse.wheel(0, 1600)  # about 400 px of the list
            self.page.wait_for_timeout(350)
            for key, width, height, top, bottom in self.page.evaluate(TARGETS_JS):
                if width <= 0 or height <= 0:
                    continue
                old = self.sizes.get((screen, key), (0.0, 0.0))
                self.sizes[(screen, key)] = (max(old[0], width), max(old[1], height))
        if scrolls:
            self.page.mouse.wheel(0, -1600 * scrolls)
            self.page.wait_for_timeout(200)

    def unnamed(self) -> list[str]:
        """Targets with no name, or the app bar's back named in English in the Russian UI."""
        return [f"{self.agent} {screen}: {key}" for screen, key in sorted(self.sizes)
                if "@" in key or key.split(":", 1)[1].startswith("Back")]

    def too_small(self) -> list[str]:
        return [f"{self.agent} {screen}: {key} {w:.0f}x{h:.0f}" for (screen, key), (w, h) in sorted(self.sizes.items())
                if w < SMALLEST - 0.5 or h < SMALLEST - 0.5]


MOMENT = "car_collected_at"  # the service visit's datetime question (version 2)


def prepare(data: Path) -> dict[str, str]:
    """The demo route, and today's service visit answered in full (its photos taken, the
    car's collection recorded) so its review asks to finalize."""
    service = open_service(data)
    fill_demo(service, Registry.shipped())
    today = service.today()
    uuid = service.open_stop(f"demo-{today}-3")
    answer_all(service, uuid, wait=0)  # the system clock: the stopwatches run no time
    visit = service.visit(uuid)
    photos_section = next(visit.checklist.section_of(p.question_id).id for p in visit.photos)
    moment_section = visit.checklist.section_of(MOMENT).id
    service.set_section(uuid, photos_section)
    service.store.close()
    return {"service": uuid, "photos_section": photos_section, "moment_section": moment_section}


def back(page: Page) -> None:
    """The app bar's back (named in the UI's language)."""
    buttons = page.locator('flt-semantics[role="button"]')
    buttons.filter(has_text=re.compile(r"^(\s*(Назад|Back))+\s*$")).or_(
        page.locator('flt-semantics[role="button"][aria-label="Назад"]')).first.click(timeout=SLOW)


def words_on_the_way(page: Page) -> None:
    """On a call's first section: a chosen answer is selected for a screen reader (Flutter
    renders Flet's `selected` as aria-current), «Комментарий» puts the cursor in its field,
    and the field's counter speaks Russian."""
    yes = page.locator('[flt-semantics-identifier="answer-greeted-yes"]')
    yes.scroll_into_view_if_needed(timeout=SLOW)
    yes.click()
    expect(yes).to_have_attribute("aria-current", "true", timeout=SLOW)
    expect(page.locator('[flt-semantics-identifier="answer-greeted-no"]')).to_have_attribute("aria-current", "false")
    plus = page.locator('[flt-semantics-identifier="counter-attempt_number-plus"]')
    plus.scroll_into_view_if_needed(timeout=SLOW)
    plus.click()  # its card is drawn anew first
    page.wait_for_timeout(500)
    toggle = page.locator('[flt-semantics-identifier="comment-attempt_number-toggle"]')
    toggle.click(timeout=SLOW)
    expect(page.get_by_role("textbox", name="Комментарий к вопросу")).to_be_focused(timeout=SLOW)
    # Flutter says it (the counter's semantics) in a node of its own
    page.wait_for_function("() => /Осталось 4\\s000\\sсимволов/.test(document.body.innerText)", timeout=SLOW)
    assert "characters remaining" not in page.evaluate("document.body.innerText")
    page.mouse.click(195, 120)  # off the field
    toggle.click()  # closed again, for the next walk


def walk(page: Page, url: str, ids: dict[str, str], sweep: Sweep) -> None:
    uuid = ids["service"]
    # a section with photos taken (Снять, Из галереи, thumbnails, delete)
    page.goto(f"{url}visit/{uuid}/{ids['photos_section']}")
    enable_semantics(page)
    expect(page.get_by_text(re.compile(r"Раздел \d из \d"))).to_be_visible(timeout=SLOW)
    sweep.measure("visit section with photos", scrolls=4)

    # the review of a visit ready to finalize, and its dialog (Отмена, Завершить)
    page.goto(f"{url}review/{uuid}")
    enable_semantics(page)
    finalize = page.locator('[flt-semantics-identifier="finalize"]').or_(
        page.get_by_role("button", name=re.compile("^Завершить"))).first
    expect(finalize).to_be_visible(timeout=SLOW)
    sweep.measure("review", scrolls=2)
    finalize.click()
    expect(page.get_by_role("button", name="Отмена")).to_be_visible(timeout=SLOW)
    sweep.measure("finalize dialog")
    page.get_by_role("button", name="Отмена").click()

    # a moment recorded (Изменить, Очистить); cleared, one to record (Сейчас, Другое время),
    # and recorded again with «Сейчас» as a shopper would, for the next walk
    page.goto(f"{url}visit/{uuid}/{ids['moment_section']}")
    enable_semantics(page)
    expect(page.get_by_text(re.compile(r"Раздел \d из \d"))).to_be_visible(timeout=SLOW)
    scrolled_to(page, f"datetime-{MOMENT}-clear", timeout=SLOW)
    page.wait_for_timeout(500)
    sweep.measure("visit section, a moment recorded")
    screenshot(page, "visit_moment")
    scrolled_to(page, f"datetime-{MOMENT}-clear", timeout=SLOW).click(timeout=SLOW)
    expect(node(page, f"datetime-{MOMENT}-now")).to_be_visible(timeout=SLOW)
    page.wait_for_timeout(500)
    sweep.measure("visit section, a moment to record")
    assert any(screen == "visit section, a moment to record" and key.endswith(f"datetime-{MOMENT}-now")
               for screen, key in sweep.sizes), "«Сейчас» was not measured"
    # «Другое время»: Flutter's date picker, then its time picker (ОК, Отмена, the days)
    scrolled_to(page, f"datetime-{MOMENT}-pick", timeout=SLOW).click(timeout=SLOW)
    expect(page.get_by_role("button", name=re.compile("^ОК$|^OK$"))).to_be_visible(timeout=SLOW)
    sweep.measure("date picker")
    page.get_by_role("button", name=re.compile("^ОК$|^OK$")).click()
    expect(page.get_by_role("button", name=re.compile("^ОК$|^OK$"))).to_be_visible(timeout=SLOW)
    page.wait_for_timeout(500)
    sweep.measure("time picker")
    page.get_by_role("button", name="Отмена").click()
    scrolled_to(page, f"datetime-{MOMENT}-now", timeout=SLOW).click(timeout=SLOW)
    expect(node(page, f"datetime-{MOMENT}-clear")).to_be_visible(timeout=SLOW)

    # settings, with the app bar's back
    page.goto(f"{url}settings")
    enable_semantics(page)
    expect(page.get_by_text(re.compile("Язык"))).to_be_visible(timeout=SLOW)
    sweep.measure("settings")
    back(page)

    # today: app-bar icons, the stops' buttons, the follow-ups due
    expect(page.get_by_text("Маршрут на сегодня")).to_be_visible(timeout=SLOW)
    sweep.measure("today", scrolls=4)
    page.locator('[flt-semantics-identifier="open-sync"]').click()
    expect(page.get_by_text(re.compile("Синхронизац")).first).to_be_visible(timeout=SLOW)
    sweep.measure("sync", scrolls=1)
    back(page)

    follow_up = page.locator('[flt-semantics-identifier^="follow-up-"]').or_(
        page.get_by_role("button", name=re.compile("Позвонили ли|Связался ли"))).first
    follow_up.scroll_into_view_if_needed(timeout=SLOW)
    follow_up.click()
    expect(page.get_by_text(re.compile("Вопросы после визита"))).to_be_visible(timeout=SLOW)
    sweep.measure("follow-ups", scrolls=2)
    back(page)

    # a call: counters, a stopwatch started (Стоп, Сбросить, the running bar), its reset
    # dialog (Отмена, Сбросить), the next section
    card = page.get_by_role("group", name=re.compile("Северный"))
    card.get_by_role("button", name=re.compile("Начать|Продолжить")).first.click(timeout=SLOW)
    expect(page.get_by_text(re.compile(r"Раздел 1 из \d"))).to_be_visible(timeout=SLOW)
    sweep.measure("call section", scrolls=3)
    words_on_the_way(page)
    start = page.locator('[flt-semantics-identifier="timer-consultant_connect_time-start"]')
    start.scroll_into_view_if_needed(timeout=SLOW)
    start.click()
    reset = page.locator('[flt-semantics-identifier="timer-consultant_connect_time-reset"]')
    expect(reset).to_be_visible(timeout=SLOW)
    sweep.measure("call section, stopwatch running", scrolls=3)
    reset.scroll_into_view_if_needed(timeout=SLOW)
    reset.click()
    expect(page.get_by_role("button", name="Отмена")).to_be_visible(timeout=SLOW)
    sweep.measure("reset dialog")
    page.get_by_role("button", name="Сбросить").last.click()
    expect(page.locator('[flt-semantics-identifier="timer-consultant_connect_time-start"]')).to_be_visible(timeout=SLOW)
    page.locator('[flt-semantics-identifier="next-section"]').click()
    expect(page.get_by_text(re.compile(r"Раздел 2 из \d"))).to_be_visible(timeout=SLOW)
    sweep.measure("call section 2", scrolls=2)
    page.locator('[flt-semantics-identifier="prev-section"]').click()  # as it was, for the next walk
    expect(page.get_by_text(re.compile(r"Раздел 1 из \d"))).to_be_visible(timeout=SLOW)


@pytest.fixture
def app(tmp_path):
    ids = prepare(tmp_path / "data")
    process = AppProcess(tmp_path / "data").start()
    yield process, ids
    process.stop()


def test_every_control_a_shopper_taps_is_at_least_48_px_with_either_user_agent(app, tmp_path):
    process, ids = app
    problems: list[str] = []
    unnamed: list[str] = []
    report: dict[str, dict[str, list[float]]] = {}
    with chromium() as browser:
        for agent, user_agent in USER_AGENTS.items():
            context = browser.new_context(viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True,
                                          **({"user_agent": user_agent} if user_agent else {}))
            page = context.new_page()
            page.route("https://**/*", lambda route: route.abort())
            sweep = Sweep(page, agent)
            try:
                walk(page, process.url, ids, sweep)
            finally:
                context.close()
            problems += sweep.too_small()
            unnamed += sweep.unnamed()
            report[agent] = {f"{screen}: {key}": [round(w), round(h)] for (screen, key), (w, h) in sweep.sizes.items()}
            assert len(sweep.sizes) > 60, f"the {agent} walk measured only {len(sweep.sizes)} targets"
    (tmp_path / "targets.json").write_text(json.dumps(report, ensure_ascii=False, indent=1), encoding="utf-8")
    assert problems == [], "targets under 48x48 px:\n" + "\n".join(problems)
    assert unnamed == [], "targets without a name in the UI's language:\n" + "\n".join(unnamed)
