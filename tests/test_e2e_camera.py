"""A photo taken with the camera in a real browser: headless Chromium's fake webcam (a
test pattern, no permission prompt), the flet-camera control of the web client, the
photo pipeline on the server. Screenshot: docs/screenshots/camera.png."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from field_app.app import open_service
from field_app.photos import MAX_PIXELS, check_jpeg

from e2e_support import FAKE_CAMERA_ARGS, AppProcess, chromium, needs_chromium, open_phone, screenshot
from test_e2e_visit import SHOWROOM, SLOW, expect_photos, node, start_showroom_visit, tap

pytestmark = needs_chromium

FACADE = SHOWROOM.checklist.question("photo_facade")


@pytest.fixture
def app(tmp_path):
    process = AppProcess(tmp_path / "data").start()
    yield process
    process.stop()


def test_take_photo_with_the_camera_stores_it_on_its_question(app):
    with chromium(FAKE_CAMERA_ARGS) as browser:
        page = open_phone(browser, app.url)
        start_showroom_visit(page)
        expect_photos(page, FACADE, 0)
        tap(page, "photo-camera-photo_facade")

        # the camera is on: the question on top, the shutter enabled once the preview runs
        expect(page.get_by_text(FACADE.text)).to_be_visible(timeout=SLOW)
        shutter = page.get_by_role("button", name="Сделать снимок")
        expect(shutter).to_be_enabled(timeout=SLOW)
        expect(node(page, "camera-gallery")).to_have_count(0)  # no "no camera" notice
        screenshot(page, "camera")

        tap(page, "camera-shutter")
        # back on the section, the photo counted on the question's card
        expect(page.get_by_text("Раздел 1 из 7")).to_be_visible(timeout=SLOW)
        expect_photos(page, FACADE, 1)

    app.stop()
    service = open_service(app.data)
    uuid = next(s.visit_uuid for s in service.overview().today if s.dealership.name == "Запад Моторс")
    [photo] = service.visit(uuid).photos
    assert photo.question_id == "photo_facade"
    # a whole JPEG, through the pipeline (at most 1600 px)
    width, height = check_jpeg(service.photo_path(photo.sha256), max_pixels=MAX_PIXELS)
    assert max(width, height) <= 1600 and min(width, height) > 0
    assert service.thumbnail_path(photo.sha256).exists()
    service.store.close()
