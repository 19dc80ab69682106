"""The camera screen in an in-memory Flet session: "take photo" opens it, the shutter
stores a photo through the pipeline and goes back to the section, a full question is
refused, no camera (or no permission) offers the gallery, a damaged picture is refused,
English.

The harness answers the `flet_camera.Camera` control's client calls by method name
(`get_available_cameras`, `initialize`, `take_picture`), as the Flutter client would.
"""

from __future__ import annotations

import asyncio
from datetime import datetime, timezone

import flet as ft
import pytest
from flet_camera import Camera, CameraLensDirection

from field_app.app import build_app
from field_app.domain.clock import ManualClock
from field_app.domain.registry import Registry
from field_app.domain.i18n import LANGUAGES, Translator
from field_app.domain.resources import shipped_checklists
from field_app.screens.camera import CameraScreen

from flet_harness import FletHarness, until
from samples import GALLERY_VERSION, jpeg, stop_on
from shown_text import data_strings, shown_strings, untranslated

REGISTRY = Registry.from_directory(shipped_checklists())
RU, EN = Translator("ru"), Translator("en")
QID = "photo_facade"  # showroom visit, first section, 1..3 photos
SECTION = "dealership_appearance"

FRONT = {"name": "front-0", "lens_direction": "front", "sensor_orientation": 270, "lens_type": "wide"}
BACK = {"name": "back-0", "lens_direction": "back", "sensor_orientation": 90, "lens_type": "wide"}


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(datetime(2026, 11, 22, 10, 0, tzinfo=timezone.utc))


@pytest.fixture
def uuid(service) -> str:
    stop = next(s for s in service.overview().today if s.assignment.checklist_id == "showroom_visit")
    return service.open_stop(stop.assignment.id)


@pytest.fixture
def gallery_uuid(service) -> str:
    """The showroom stop on a version whose photo questions offer the gallery (version 3
    takes its evidence photos with the camera only)."""
    return stop_on(service, "showroom_visit", GALLERY_VERSION)


@pytest.fixture
def start(service, harnesses):
    async def start(route: str, cameras=(FRONT, BACK), picture: bytes | None = None, **page) -> FletHarness:
        h = await FletHarness.start(build_app(service), route=route, **page)
        harnesses.append(h)
        h.conn.method_results["get_available_cameras"] = list(cameras)
        if picture is not None:
            h.conn.method_results["take_picture"] = picture
        return h
    return start




def snack_texts(h: FletHarness) -> list[str]:
    return [d.content.value for d in h.dialogs() if isinstance(d, ft.SnackBar)]


def camera_screen(h: FletHarness) -> CameraScreen:
    screen = h.top_view().data
    assert isinstance(screen, CameraScreen), h.top_view().route
    return screen


def calls(h: FletHarness, name: str) -> list:
    return [i for i in h.conn.invocations if i.name == name]



async def open_camera(h: FletHarness, qid: str = QID, state: str = "ready") -> CameraScreen:
    """Tap "take photo" on the question and wait for the camera to be started (or not)."""
    await h.click(h.by_key(f"photo-camera-{qid}"))
    await until(lambda: isinstance(h.top_view().data, CameraScreen) and h.top_view().data.state == state)
    await h.settle()
    return camera_screen(h)


# --- opening -------------------------------------------------------------------------


async def test_take_photo_opens_the_camera_with_the_back_camera(uuid, start):
    h = await start(f"/visit/{uuid}")
    screen = await open_camera(h)
    assert h.page.route == f"/camera/{uuid}/{QID}"
    assert [v.route for v in h.page.views] == ["/", f"/visit/{uuid}", f"/camera/{uuid}/{QID}"]
    assert isinstance(h.by_key("camera-preview"), Camera)
    assert h.by_key("camera-question").value == "Сфотографируйте фасад дилерского центра"

    # the back camera first, though the client listed the front one first; no microphone
    [init] = calls(h, "initialize")
    assert init.args["description"].name == "back-0"
    assert init.args["description"].lens_direction == CameraLensDirection.BACK
    assert init.args["enable_audio"] is False
    assert screen.state == "ready"
    shutter = h.by_key("camera-shutter")
    assert not shutter.disabled and shutter.width >= 72 and shutter.height >= 72
    assert not screen.shutter_slot.disabled  # what a screen reader (and a browser test) is told
    assert not h.shown("camera-status") and not h.shown("camera-panel")

    # two cameras: the switch is there and starts the other one
    assert h.shown("camera-switch")
    await h.click(h.by_key("camera-switch"))
    await until(lambda: screen.state == "ready")
    assert [c.args["description"].name for c in calls(h, "initialize")] == ["back-0", "front-0"]

    # back: the visit, at the question's section
    await h.click(h.by_key("camera-close"))
    assert h.page.route == f"/visit/{uuid}/{SECTION}"
    assert h.has_key(f"photo-camera-{QID}")


async def test_one_camera_has_no_switch(uuid, start):
    h = await start(f"/visit/{uuid}", cameras=[FRONT])
    await open_camera(h)
    assert calls(h, "initialize")[0].args["description"].name == "front-0"
    assert not h.shown("camera-switch")


# --- shooting ------------------------------------------------------------------------


async def test_the_shutter_stores_the_photo_and_returns_to_the_thumbnail(service, uuid, start, monkeypatch):
    picture = jpeg()
    h = await start(f"/visit/{uuid}", picture=picture)
    screen = await open_camera(h)
    seen = []
    real_add = service.add_photo

    def add_photo(*args):
        seen.append((args, screen.status.visible, screen.status_text.value, screen.shutter.disabled,
                     screen.shutter_slot.disabled))
        return real_add(*args)

    monkeypatch.setattr(service, "add_photo", add_photo)
    await h.click(h.by_key("camera-shutter"))
    await h.settle()

    assert len(calls(h, "take_picture")) == 1
    assert seen == [((uuid, QID, picture), True, RU("camera.processing"), True, True)]
    assert RU("camera.processing") == "Обрабатываем фото…"
    photos = service.visit(uuid).photos_of(QID)
    assert len(photos) == 1
    sha = photos[0].sha256
    assert service.photo_path(sha).exists()

    assert h.page.route == f"/visit/{uuid}/{SECTION}"
    thumb = h.by_key(f"photo-{QID}-{sha}")
    assert thumb.content.src == service.thumbnail_path(sha).read_bytes()
    assert h.by_key(f"photo-count-{QID}").value == "Фото: 1 из минимум 1"


async def test_a_full_question_does_not_start_the_camera(service, uuid, start):
    for colour in ((10, 200, 10), (10, 10, 200), (90, 90, 90)):
        service.add_photo(uuid, QID, jpeg(colour))  # the maximum is 3
    h = await start(f"/visit/{uuid}/{SECTION}", picture=jpeg())
    assert h.by_key(f"photo-camera-{QID}").disabled

    await h.go(f"/camera/{uuid}/{QID}")  # a link, even so
    await h.settle()
    screen = camera_screen(h)
    assert screen.state == "off"
    assert not h.has_key("camera-preview")
    assert h.shown("camera-panel") and not h.shown("camera-shutter")
    assert h.by_key("camera-message").value == RU("camera.full", count=3)
    assert not h.shown("camera-gallery")
    await asyncio.sleep(0.05)
    assert calls(h, "get_available_cameras") == []

    await h.click(h.by_key("camera-back"))
    assert h.page.route == f"/visit/{uuid}/{SECTION}"
    assert len(service.visit(uuid).photos_of(QID)) == 3


async def test_a_question_filled_meanwhile_refuses_the_shot(service, uuid, start):
    service.add_photo(uuid, QID, jpeg((10, 200, 10)))
    service.add_photo(uuid, QID, jpeg((10, 10, 200)))
    h = await start(f"/visit/{uuid}", picture=jpeg())
    await open_camera(h)
    service.add_photo(uuid, QID, jpeg((90, 90, 90)))  # the third, from elsewhere

    await h.click(h.by_key("camera-shutter"))
    assert calls(h, "take_picture") == []
    assert RU("camera.full", count=3) in snack_texts(h)
    assert h.by_key("camera-message").value == RU("camera.full", count=3)
    assert len(service.visit(uuid).photos_of(QID)) == 3


async def test_a_corrupt_picture_is_refused_and_nothing_is_stored(service, uuid, start):
    good = jpeg()
    corrupt = good[:200] + b"\x00" * 500 + good[700:]
    h = await start(f"/visit/{uuid}", picture=corrupt)
    screen = await open_camera(h)
    await h.click(h.by_key("camera-shutter"))
    await h.settle()
    assert RU("errors.photo.corrupt") in snack_texts(h)
    assert service.visit(uuid).photos_of(QID) == []
    assert h.page.route == f"/camera/{uuid}/{QID}"  # the camera stays open for another try
    assert screen.state == "ready" and not h.by_key("camera-shutter").disabled
    assert not h.shown("camera-status")


async def test_a_failed_shot_says_so_and_the_camera_stays(service, uuid, start):
    h = await start(f"/visit/{uuid}")

    def broken(args):
        raise RuntimeError("CameraException(captureFailure)")

    h.conn.method_results["take_picture"] = broken
    screen = await open_camera(h)
    await h.click(h.by_key("camera-shutter"))
    assert RU("camera.shot_failed") in snack_texts(h)
    assert service.visit(uuid).photos_of(QID) == []
    assert screen.state == "ready"


# --- no camera -----------------------------------------------------------------------


async def test_no_camera_offers_the_gallery(service, gallery_uuid, start):
    uuid = gallery_uuid
    h = await start(f"/visit/{uuid}", cameras=[])
    await open_camera(h, state="off")
    assert h.by_key("camera-message").value == RU("camera.none")
    assert h.shown("camera-panel") and h.shown("camera-gallery")
    assert not h.shown("camera-shutter") and not h.shown("camera-preview")
    assert calls(h, "initialize") == []

    await h.click(h.by_key("camera-gallery"))
    assert h.page.route == f"/visit/{uuid}/{SECTION}"
    assert h.by_key(f"photo-add-{QID}").action.file_picker is not None  # "from gallery" is right there


async def test_denied_permission_offers_the_gallery_and_a_retry(gallery_uuid, start):
    uuid = gallery_uuid
    h = await start(f"/visit/{uuid}")

    def denied(args):  # what headless Chromium answers when the permission is refused
        raise RuntimeError("CameraException(CameraAccessDenied, The camera cannot be used or the permission "
                           "to access the camera is not granted.)")

    h.conn.method_results["get_available_cameras"] = denied
    screen = await open_camera(h, state="off")
    assert h.by_key("camera-message").value == RU("camera.denied")
    assert h.shown("camera-gallery") and h.shown("camera-retry")

    # allowed in the settings meanwhile: try again starts the camera
    h.conn.method_results["get_available_cameras"] = [BACK]
    await h.click(h.by_key("camera-retry"))
    await until(lambda: screen.state == "ready")
    assert h.shown("camera-preview") and not h.shown("camera-panel")
    assert not h.by_key("camera-shutter").disabled


@pytest.mark.parametrize(("error", "key", "retry"), [
    # as headless Chromium answers with no webcam, and with the permission refused
    ("CameraException(cameraNotFound, No camera found for the given camera options.)", "camera.none", False),
    ("CameraException(CameraAccessDenied, The camera cannot be used or the permission to access the camera "
     "is not granted.)", "camera.denied", True),
    ("CameraException(cameraNotReadable, Could not start video source)", "camera.failed", True),
])
async def test_the_client_errors_are_told_apart(gallery_uuid, start, error, key, retry):
    uuid = gallery_uuid
    h = await start(f"/visit/{uuid}")

    def fails(args):
        raise RuntimeError(error)

    h.conn.method_results["get_available_cameras"] = fails
    await open_camera(h, state="off")
    assert h.by_key("camera-message").value == RU(key)
    assert h.shown("camera-gallery")
    assert h.shown("camera-retry") is retry


async def test_a_camera_that_does_not_start_offers_the_gallery(gallery_uuid, start):
    uuid = gallery_uuid
    h = await start(f"/visit/{uuid}")

    def broken(args):
        raise RuntimeError("CameraException(cameraNotReadable)")

    h.conn.method_results["initialize"] = broken
    await open_camera(h, state="off")
    assert h.by_key("camera-message").value == RU("camera.failed")
    assert h.shown("camera-gallery")


async def test_a_desktop_without_camera_support_offers_the_gallery(gallery_uuid, start):
    uuid = gallery_uuid
    h = await start(f"/visit/{uuid}", web=False, platform="linux")
    screen = await open_camera(h, state="off")
    assert screen.camera is None and not h.has_key("camera-preview")
    assert h.by_key("camera-message").value == RU("camera.none")
    assert h.shown("camera-gallery")
    assert calls(h, "get_available_cameras") == []


async def test_a_finalized_visit_does_not_start_the_camera(service, start):
    finalized = next(v for v in service.store.visits() if v.status.value == "finalized")
    qid = next(q.id for q in service.visit(finalized.uuid).checklist.questions() if q.type == "photo")
    h = await start(f"/camera/{finalized.uuid}/{qid}")
    assert h.page.route == f"/camera/{finalized.uuid}/{qid}"
    assert h.by_key("camera-message").value == RU("errors.visit.frozen")
    assert not h.has_key("camera-preview") and h.shown("camera-back")
    await asyncio.sleep(0.05)
    assert calls(h, "get_available_cameras") == []


async def test_a_link_to_an_unknown_question_goes_home_with_a_message(uuid, start):
    h = await start(f"/camera/{uuid}/no_such_question")
    await h.settle()
    assert RU("errors.question.unknown") in snack_texts(h)
    assert h.top_view().route == "/"
    assert not h.has_key("camera-preview")


# --- languages -----------------------------------------------------------------------


async def test_english_strings(service, uuid, start):
    service.set_language("en")
    h = await start(f"/visit/{uuid}")
    await h.click(h.by_key(f"photo-camera-{QID}"))
    screen = camera_screen(h)
    assert h.by_key("camera-status-text").value == EN("camera.starting")  # before the client answers
    await until(lambda: screen.state == "ready")
    texts = set(h.texts())
    assert {EN("camera.shutter"), EN("camera.switch"), EN("camera.back")} <= texts
    assert not {RU("camera.shutter"), RU("camera.switch"), RU("camera.back")} & texts


@pytest.mark.parametrize("language", LANGUAGES)
async def test_every_state_shows_only_translated_text_or_data(language, service, gallery_uuid, start, produced):
    uuid = gallery_uuid
    service.set_language(language)
    shown: set[str] = set()

    def denied(args):
        raise RuntimeError("permission denied")

    h = await start(f"/visit/{uuid}")
    await h.click(h.by_key(f"photo-camera-{QID}"))
    shown |= set(shown_strings(h))  # starting
    screen = camera_screen(h)
    await until(lambda: screen.state == "ready")
    shown |= set(shown_strings(h))
    for cameras in ([], denied):
        h.conn.method_results["get_available_cameras"] = cameras
        await h.click(h.by_key("camera-close"))
        await open_camera(h, state="off")
        shown |= set(shown_strings(h))
    for colour in ((10, 200, 10), (10, 10, 200), (90, 90, 90)):
        service.add_photo(uuid, QID, jpeg(colour))
    await h.go(f"/camera/{uuid}/{QID}")
    shown |= set(shown_strings(h))

    assert {Translator(language)("camera.denied"), Translator(language)("camera.none")} <= shown
    assert untranslated(shown, produced | data_strings()) == []
