"""The camera screen for a question that says `source: camera` (issue 17, point 2), in an
in-memory Flet session: the gallery is not offered for it (and is for another question),
and with no camera the shopper is told in words that this photo must be taken with the
camera, and whether the visit can be finished without it. The newest showroom checklist
(version 3) takes its evidence photos this way; version 2 offers the gallery."""

from __future__ import annotations

import pytest

from field_app.domain.checklist import Checklist
from field_app.domain.i18n import LANGUAGES, Translator

from samples import GALLERY_VERSION
from shown_text import data_strings, shown_strings, untranslated
from test_screen_camera import QID, RU, SECTION, calls, clock, open_camera, start, uuid  # noqa: F401 (fixtures)


LIVE_ONLY = {
    "id": "live_only", "version": 1, "title": "Только камера", "channel": "visit",
    "sections": [{"id": "outside", "title": "Снаружи", "questions": [
        {"id": "facade", "text": "Фасад", "type": "photo", "source": "camera"},
        {"id": "signboard", "text": "Вывеска", "type": "photo", "source": "camera", "required": False},
        {"id": "anything", "text": "Что-нибудь ещё", "type": "photo", "required": False},
    ]}],
}


def live_only_visit(service, clock) -> str:
    service.store.save_checklist(Checklist.model_validate(LIVE_ONLY))
    return service.store.start_visit("live_only", 1, at=clock.now()).uuid


async def test_a_camera_only_question_offers_no_gallery_and_another_does(service, uuid, start, clock):
    h = await start(f"/visit/{uuid}")  # showroom_visit@3: the facade with the camera only
    assert service.visit(uuid).checklist.question(QID).camera_only
    assert h.shown(f"photo-camera-{QID}") and not h.has_key(f"photo-add-{QID}")
    assert h.by_key(f"photo-camera-only-{QID}").value == RU("visit.photo_camera_only")

    earlier = service.store.start_visit("showroom_visit", GALLERY_VERSION, at=clock.now()).uuid
    h2 = await start(f"/visit/{earlier}")  # showroom_visit@2: camera and gallery
    assert h2.shown(f"photo-camera-{QID}") and h2.shown(f"photo-add-{QID}")
    assert not h2.has_key(f"photo-camera-only-{QID}")


async def test_one_question_of_a_visit_without_gallery_leaves_the_others_theirs(service, clock, start):
    live = live_only_visit(service, clock)
    h = await start(f"/visit/{live}")
    assert not h.has_key("photo-add-facade") and not h.has_key("photo-add-signboard")
    assert h.shown("photo-add-anything") and h.shown("photo-camera-anything")


async def test_no_camera_for_a_camera_only_question_says_so_and_offers_no_gallery(service, uuid, start, clock):
    h = await start(f"/visit/{uuid}", cameras=[])
    await open_camera(h, state="off")
    assert h.by_key("camera-message").value == f'{RU("camera.live_none")} {RU("camera.live_required")}'
    assert h.shown("camera-panel") and not h.shown("camera-gallery") and not h.shown("camera-retry")
    assert not h.shown("camera-shutter") and calls(h, "initialize") == []

    await h.click(h.by_key("camera-back"))
    assert h.page.route == f"/visit/{uuid}/{SECTION}"
    assert not h.has_key(f"photo-add-{QID}")
    # required: the visit cannot be finalized without it, as any required photo
    missing = service.visit(uuid).missing(clock.now())
    assert [(m.question_id, m.reason) for m in missing if m.question_id == QID] == [(QID, "photos")]


async def test_a_desktop_without_camera_support_has_no_way_round_a_camera_only_question(uuid, start):
    h = await start(f"/visit/{uuid}", web=False, platform="linux")
    screen = await open_camera(h, state="off")
    assert screen.camera is None
    assert h.by_key("camera-message").value == f'{RU("camera.live_none")} {RU("camera.live_required")}'
    assert not h.shown("camera-gallery") and h.shown("camera-back")


async def test_a_denied_camera_for_a_camera_only_question_offers_a_retry_not_the_gallery(uuid, start):
    h = await start(f"/visit/{uuid}")

    def denied(args):
        raise RuntimeError("CameraException(CameraAccessDenied, permission not granted)")

    h.conn.method_results["get_available_cameras"] = denied
    await open_camera(h, state="off")
    assert h.by_key("camera-message").value == f'{RU("camera.live_denied")} {RU("camera.live_required")}'
    assert h.shown("camera-retry") and not h.shown("camera-gallery")


async def test_an_optional_camera_only_question_may_stay_without_a_photo(service, clock, start):
    live = live_only_visit(service, clock)
    h = await start(f"/visit/{live}", cameras=[])
    await open_camera(h, qid="signboard", state="off")
    assert h.by_key("camera-message").value == f'{RU("camera.live_none")} {RU("camera.live_optional")}'
    missing = {m.question_id for m in service.visit(live).missing(clock.now())}
    assert "signboard" not in missing and "facade" in missing


@pytest.mark.parametrize("language", LANGUAGES)
async def test_camera_only_states_show_only_translated_text(language, service, uuid, start, produced):
    service.set_language(language)
    t = Translator(language)

    def failed(args):
        raise RuntimeError("CameraException(cameraNotReadable, Could not start video source)")

    shown: set[str] = set()
    h = await start(f"/visit/{uuid}", cameras=[])
    shown |= set(shown_strings(h))
    await open_camera(h, state="off")
    shown |= set(shown_strings(h))
    h.conn.method_results["get_available_cameras"] = failed
    await h.click(h.by_key("camera-back"))
    await open_camera(h, state="off")
    shown |= set(shown_strings(h))
    assert {f'{t("camera.live_none")} {t("camera.live_required")}', t("visit.photo_camera_only"),
            f'{t("camera.live_failed")} {t("camera.live_required")}'} <= shown
    assert untranslated(shown, produced | data_strings()) == []
