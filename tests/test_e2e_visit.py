"""A whole showroom visit in a real browser at a phone's size, a phone that dies mid-visit
with a stopwatch running, and back right after typing a comment. Screenshots of each
screen go to docs/screenshots/. The newest showroom checklist (version 3) takes its
evidence photos with the camera only: Chromium's fake webcam takes them."""

from __future__ import annotations

import re
import time
from datetime import datetime, timezone

import pytest
from PIL import Image
from playwright.sync_api import Page, expect

from field_app.app import open_service
from field_app.domain.records import VisitStatus
from field_app.domain.registry import Registry
from field_app.domain.visit import Visit
from field_app.domain.resources import shipped_checklists

from e2e_support import (
    FAKE_CAMERA_ARGS, AppProcess, chromium, needs_chromium, node, open_phone, screenshot, scrolled_to, tap,
)

pytestmark = needs_chromium

SHOWROOM = Registry.from_directory(shipped_checklists()).get("showroom_visit")
SLOW = 60_000


def expect_photos(page: Page, question, count: int) -> None:
    # the count is part of the card's accessible name
    card = page.get_by_role("group", name=re.compile(re.escape(question.text) + f".*Фото: {count} "))
    expect(card).to_be_visible(timeout=SLOW)


def stopwatch_seconds(page: Page, question) -> int:
    """The time a stopwatch card shows (part of the card's accessible name)."""
    card = page.get_by_role("group", name=re.compile(re.escape(question.text)))
    expect(card).to_be_visible(timeout=SLOW)
    shown = re.search(r"(?:(\d+):)?(\d+):(\d\d)", card.get_attribute("aria-label") or "")
    assert shown, card.get_attribute("aria-label")
    hours, minutes, seconds = (int(x) if x else 0 for x in shown.groups())
    return hours * 3600 + minutes * 60 + seconds


def start_showroom_visit(page: Page) -> None:
    expect(page.get_by_text("Маршрут на сегодня")).to_be_visible(timeout=SLOW)
    card = page.get_by_role("group", name=re.compile("Запад Моторс"))
    card.get_by_role("button", name=re.compile("Начать|Продолжить")).click()
    expect(page.get_by_text("Раздел 1 из 7")).to_be_visible(timeout=SLOW)


def camera_jpeg(tmp_path, name: str) -> str:
    path = tmp_path / f"{name}.jpg"
    image = Image.new("RGB", (2400, 1800), (90, 120, 170))
    image.paste((230, 230, 230), (600, 500, 1800, 1300))
    image.save(path, "JPEG", quality=90)
    return str(path)


def choose(question) -> object:
    """The answer this test gives: 'yes' everywhere, except the choices that hide work
    (no test drive, no contacts given, so no business card to photograph)."""
    if question.id == "test_drive_immediate":
        return "none"
    if question.id == "consultant_contact_given":
        return False
    if question.type == "choice":
        return question.options[0].id
    return True


def add_photo(page: Page, question, tmp_path) -> None:
    """One photo on the question: with the camera (the fake webcam) when it says `source:
    camera`, where the gallery is not offered; else picked from the gallery."""
    if question.camera_only:
        expect(node(page, f"photo-add-{question.id}")).to_have_count(0)
        tap(page, f"photo-camera-{question.id}")
        expect(page.get_by_role("button", name="Сделать снимок")).to_be_enabled(timeout=SLOW)
        tap(page, "camera-shutter")
    else:
        with page.expect_file_chooser(timeout=SLOW) as chooser:
            tap(page, f"photo-add-{question.id}")
        chooser.value.set_files(camera_jpeg(tmp_path, question.id))
    expect_photos(page, question, 1)


def answer_section(page: Page, mirror: Visit, section, tmp_path) -> None:
    for question in section.questions:
        now = datetime.now(timezone.utc)
        if question.id not in mirror.visible(now):
            expect(node(page, f"comment-{question.id}-toggle")).to_have_count(0)
            continue
        if question.type == "photo":
            add_photo(page, question, tmp_path)
            continue
        if question.type == "timer":
            tap(page, f"timer-{question.id}-start")
            time.sleep(2.3)
            screenshot(page, "visit_stopwatch_running")
            tap(page, f"timer-{question.id}-stop")
            expect(page.get_by_role("button", name="Продолжить")).to_be_visible(timeout=SLOW)
            assert stopwatch_seconds(page, question) >= 2
            mirror.answers[question.id] = mirror.answer(question.id, 2, now)
            continue
        value = choose(question)
        option = "yes" if value is True else "no" if value is False else value
        tap(page, f"answer-{question.id}-{option}")
        mirror.answer(question.id, value, now)


@pytest.fixture
def app(tmp_path):
    process = AppProcess(tmp_path / "data").start()
    yield process
    process.stop()


def test_a_whole_showroom_visit_from_the_demo_route(app, tmp_path):
    with chromium(FAKE_CAMERA_ARGS) as browser:
        page = open_phone(browser, app.url)
        expect(page.get_by_text("Маршрут на сегодня")).to_be_visible(timeout=SLOW)
        screenshot(page, "today")
        start_showroom_visit(page)
        screenshot(page, "visit_section")
        mirror = Visit("mirror", SHOWROOM.checklist, SHOWROOM.sha256, datetime.now(timezone.utc))
        sections = SHOWROOM.checklist.sections
        for number, section in enumerate(sections, start=1):
            expect(page.get_by_text(f"Раздел {number} из {len(sections)}")).to_be_visible(timeout=SLOW)
            answer_section(page, mirror, section, tmp_path)
            if section.id == "dealership_appearance":
                screenshot(page, "visit_photos")
            tap(page, "review" if number == len(sections) else "next-section")

        expect(page.get_by_text("Завершить визит")).to_be_visible(timeout=SLOW)
        screenshot(page, "review")
        page.get_by_role("button", name="Завершить визит").click()
        page.get_by_role("button", name="Завершить", exact=True).click(timeout=SLOW)
        # the status is part of the stop card's accessible name
        expect(page.get_by_role("group", name=re.compile("Запад Моторс.*Завершён"))).to_be_visible(timeout=SLOW)
        screenshot(page, "today_after_finalize")

    app.stop()
    service = open_service(app.data)
    stop = next(s for s in service.overview().today if s.dealership.name == "Запад Моторс")
    visit = service.visit(stop.visit_uuid)
    assert visit.status == VisitStatus.FINALIZED
    assert visit.missing(service.now()) == []
    assert visit.value("consultant_wait_time", service.now()) >= 2
    assert {p.question_id for p in visit.photos} == {"photo_facade", "photo_parking"}
    assert all(service.photo_path(p.sha256).exists() for p in visit.photos)
    payload = service.store.revision_payload(visit.uuid, 1)
    assert b'"consultant_wait_time"' in payload


def test_the_app_killed_mid_visit_comes_back_with_everything_in_place(app, tmp_path):
    with chromium(FAKE_CAMERA_ARGS) as browser:
        page = open_phone(browser, app.url)
        start_showroom_visit(page)
        tap(page, "answer-easy_to_find-yes")
        add_photo(page, SHOWROOM.checklist.question("photo_facade"), tmp_path)
        tap(page, "next-section")
        expect(page.get_by_text("Раздел 2 из 7")).to_be_visible(timeout=SLOW)
        tap(page, "answer-met_at_entrance-no")
        tap(page, "timer-consultant_wait_time-start")
        expect(node(page, "running-timers")).to_be_visible(timeout=SLOW)
        started = time.monotonic()

        app.kill()  # the phone dies: no clean shutdown
        app.start(demo=False)
        time.sleep(max(0.0, 3.0 - (time.monotonic() - started)))
        page = open_phone(browser, app.url)
        expect(page.get_by_text("Раздел 2 из 7")).to_be_visible(timeout=SLOW)
        expect(node(page, "running-timers")).to_be_visible(timeout=SLOW)
        wait = SHOWROOM.checklist.question("consultant_wait_time")
        shown = stopwatch_seconds(page, wait)
        assert shown >= 3  # counted through the kill, from its stored start
        page.wait_for_timeout(2200)
        assert stopwatch_seconds(page, wait) > shown  # and still counting
        screenshot(page, "visit_after_restart")
        tap(page, "prev-section")
        expect(page.get_by_text("Раздел 1 из 7")).to_be_visible(timeout=SLOW)
        expect_photos(page, SHOWROOM.checklist.question("photo_facade"), 1)

    app.stop()
    service = open_service(app.data)
    uuid = next(s.visit_uuid for s in service.overview().today if s.dealership.name == "Запад Моторс")
    visit = service.visit(uuid)
    assert visit.answers["easy_to_find"].value is True
    assert visit.answers["met_at_entrance"].value is False
    assert len(visit.photos) == 1
    assert visit.stopwatch("consultant_wait_time", service.now()).running


def test_a_comment_still_being_typed_is_kept_when_back_leaves_the_visit(app):
    """Back right after typing, by the app bar's arrow and by the browser's own back. The
    browser's back, like Android's back gesture, is no tap: the field keeps the focus whose
    loss would have stored it (without the router storing it first, that comment is lost)."""
    with chromium() as browser:
        page = open_phone(browser, app.url)
        start_showroom_visit(page)
        tap(page, "comment-easy_to_find-toggle")
        field = node(page, "comment-easy_to_find").get_by_role("textbox")
        field.click()
        field.fill("Вывеска за деревьями")
        page.get_by_role("button", name="Назад").click()
        today = page.get_by_text("Маршрут на сегодня")
        try:
            expect(today).to_be_visible(timeout=20_000)
        except AssertionError:
            # Under a loaded CI (2 CPUs, 30 jobs) the tap on the arrow, while Flutter redraws
            # the field just typed into, once never reached the app (a local CI run of this stop): the
            # visit stayed open a minute. The test is of what back keeps, not of that tap.
            page.get_by_role("button", name="Назад").click()
            expect(today).to_be_visible(timeout=SLOW)

        start_showroom_visit(page)
        tap(page, "comment-access_and_parking-toggle")
        # This question's own field: the first comment (shown as saved) may or may not be in
        # the accessibility tree, so "the last textbox" was sometimes that one (CI of stop 21).
        # The keys go to the focused field: its node may be drawn anew as it takes the focus.
        scrolled_to(page, "comment-access_and_parking").get_by_role("textbox").click()
        # Flutter moves its editing element a frame or more after the tap: until then the keys
        # go to the first comment's field (a CI run of this stop kept «Вывеска за дереПарковка
        # вьями»). Only the new field is empty.
        page.wait_for_function("() => document.activeElement && document.activeElement.value === ''",
                               timeout=SLOW)
        page.keyboard.type("Парковка занята")
        page.go_back()
        expect(page.get_by_text("Маршрут на сегодня")).to_be_visible(timeout=SLOW)

    app.stop()
    service = open_service(app.data)
    uuid = next(s.visit_uuid for s in service.overview().today if s.dealership.name == "Запад Моторс")
    answers = service.visit(uuid).answers
    assert answers["easy_to_find"].comment == "Вывеска за деревьями"
    assert answers["access_and_parking"].comment == "Парковка занята"
