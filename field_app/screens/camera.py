"""The camera: a full-screen preview for one photo question, a big round shutter, a way
back. Route `/camera/<uuid>/<question_id>`; below it the visit (and Today).

    top bar          back (to the question's section), the question's text
    preview          the `flet_camera.Camera` control, as large as it fits
    bottom bar       the shutter (80 px), "other camera" when the phone has several

Opening the screen asks the client for its cameras (the first use shows the system's
permission prompt) and starts the back camera, or the first one there is. A shot is
processed by the photo pipeline off the event loop (`FieldService.add_photo`), then the
shopper is taken back to the question's section, scrolled to the question, where the new
thumbnail is. A refused photo (damaged, too large) is reported and the camera stays open.

No camera, no permission, a camera that will not start, or a platform without camera
support (desktop): a message and a way to the gallery instead (back to the section, where
"from gallery" is). A question that says `source: camera` has no gallery: the message says
that this photo must be taken with the camera, and whether the visit can be finished
without it (only when the question is optional), with a way back to the question. A
question that already has its maximum of photos, or a visit that can no longer change,
does not start the camera at all.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import flet as ft
from flet_camera import Camera, CameraDescription, CameraLensDirection, ResolutionPreset

from field_app.domain.errors import UnknownQuestionError
from field_app.domain.visit import EDITABLE
from field_app.photos import EmptyFileError

from .context import TOUCH, AppContext
from .photos import takes_photos
from .visit import FOCUS_KEY
from .visit_widgets import big_button, is_mounted, update_if_mounted

log = logging.getLogger(__name__)

SHUTTER = 80  # px: the one button that matters here, easy to hit without looking
# Enough for 1600 px photos (the pipeline's size) without megabytes of extra pixels.
RESOLUTION = ResolutionPreset.VERY_HIGH
# Listing and starting may wait on the system's permission prompt; a client that never
# answers must not leave the screen spinning for ever.
START_TIMEOUT = 120.0
SHOT_TIMEOUT = 60.0
MOUNT_WAIT = 5.0

# Why the camera is not shown.
NO_CAMERA, DENIED, FAILED, UNSUPPORTED, FULL, FROZEN = "none", "denied", "failed", "unsupported", "full", "frozen"
DENIED_HINTS = ("denied", "permission", "notallowed", "not allowed", "restricted")
NOT_FOUND_HINTS = ("notfound", "not found", "no camera")


def camera_supported(page: ft.Page) -> bool:
    """flet-camera works in a browser and on Android and iOS builds, nowhere else."""
    return bool(page.web) or page.platform in (ft.PagePlatform.ANDROID, ft.PagePlatform.IOS)


def back_first(cameras: list[CameraDescription]) -> list[CameraDescription]:
    """The cameras in the order the switch button goes through them: back ones first."""
    return sorted(cameras, key=lambda c: c.lens_direction != CameraLensDirection.BACK)


def labelled(button: ft.Control, identifier: str, label: str) -> ft.Control:
    """An icon button with a name a screen reader (and a browser test) can find: the web
    client does not turn an IconButton's tooltip into its accessible name."""
    return ft.Semantics(content=button, identifier=identifier, label=label, button=True)


def picture_bytes(data: Any) -> bytes:
    """What `take_picture` gave, as bytes for the pipeline."""
    if isinstance(data, list):  # msgpack may deliver a list of ints
        data = bytes(data)
    if not isinstance(data, (bytes, bytearray)) or not data:
        raise EmptyFileError("the camera gave no picture")
    return bytes(data)


class CameraScreen:
    def __init__(self, ctx: AppContext, uuid: str, question_id: str) -> None:
        self.ctx = ctx
        self.uuid = uuid
        self.qid = question_id
        self.route = f"/camera/{uuid}/{question_id}"
        self.cameras: list[CameraDescription] = []
        self.current = 0
        self.state = "starting"  # starting | ready | busy | off
        self.reason: str | None = None
        self.camera: Camera | None = None

    # --- building ------------------------------------------------------------------

    def view(self) -> ft.View:
        t = self.ctx.t
        visit = self.ctx.service.visit(self.uuid)
        try:
            question = visit.checklist.question(self.qid)
        except KeyError:
            raise UnknownQuestionError(f"no question {self.qid!r} in {visit.checklist.id}") from None
        if not takes_photos(question):
            raise UnknownQuestionError(f"{self.qid!r} takes no photos")
        self.question = question
        self.section_id = visit.checklist.section_of(self.qid).id

        full = len(visit.photos_of(self.qid)) >= question.photo_range()[1]
        if visit.status not in EDITABLE:
            self._off(FROZEN)
        elif full:
            self._off(FULL)
        elif not camera_supported(self.ctx.page):
            self._off(UNSUPPORTED)
        else:
            self.camera = Camera(key="camera-preview", preview_enabled=True)

        self.status_text = ft.Text(key="camera-status-text", color=ft.Colors.WHITE, size=16)
        self.status = ft.Container(
            key="camera-status", bgcolor=ft.Colors.with_opacity(0.6, ft.Colors.BLACK), border_radius=12,
            padding=ft.Padding.symmetric(horizontal=20, vertical=14),
            content=ft.Row(tight=True, spacing=12, controls=[
                ft.ProgressRing(width=24, height=24, stroke_width=3, color=ft.Colors.WHITE), self.status_text,
            ]),
        )
        self.message = ft.Text(key="camera-message", size=16, text_align=ft.TextAlign.CENTER)
        self.gallery = big_button(t("camera.use_gallery"), key="camera-gallery", icon=ft.Icons.PHOTO_LIBRARY,
                                  filled=True, on_click=self._back)
        self.retry = big_button(t("camera.retry"), key="camera-retry", icon=ft.Icons.REFRESH,
                                on_click=self._retry)
        self.back_button = big_button(t("camera.back_to_question"), key="camera-back", icon=ft.Icons.ARROW_BACK,
                                      filled=True, on_click=self._back)
        self.panel = ft.Container(
            key="camera-panel", bgcolor=ft.Colors.WHITE, border_radius=16, padding=20,
            margin=ft.Margin.symmetric(horizontal=20),
            content=ft.Column(
                tight=True, spacing=12, horizontal_alignment=ft.CrossAxisAlignment.STRETCH,
                controls=[ft.Icon(ft.Icons.NO_PHOTOGRAPHY, size=48, color=ft.Colors.GREY_700),
                          self.message, self.gallery, self.retry, self.back_button],
            ),
        )
        self.shutter = ft.IconButton(
            key="camera-shutter", icon=ft.Icons.PHOTO_CAMERA, icon_size=36, icon_color=ft.Colors.BLACK,
            tooltip=t("camera.shutter"), width=SHUTTER, height=SHUTTER, bgcolor=ft.Colors.WHITE,
            style=ft.ButtonStyle(shape=ft.CircleBorder(), side=ft.BorderSide(width=4, color=ft.Colors.GREY_400)),
            on_click=self._shoot,
        )
        self.switch = ft.IconButton(
            key="camera-switch", icon=ft.Icons.FLIP_CAMERA_ANDROID, icon_size=30, icon_color=ft.Colors.WHITE,
            tooltip=t("camera.switch"), width=TOUCH, height=TOUCH,
            bgcolor=ft.Colors.with_opacity(0.35, ft.Colors.WHITE), on_click=self._switch,
        )
        # The wrapper is what a screen reader (and a browser test) sees: it says whether
        # the shutter can be pressed yet, so a tap is not lost on a camera still starting.
        self.shutter_slot = labelled(self.shutter, "camera-shutter", t("camera.shutter"))
        # Semantics must always have visible content: hide the wrapper, not the button.
        self.switch_slot = labelled(self.switch, "camera-switch", t("camera.switch"))
        self.bottom = ft.Container(
            left=0, right=0, bottom=0, padding=ft.Padding.only(top=16, bottom=28),
            bgcolor=ft.Colors.with_opacity(0.35, ft.Colors.BLACK),
            content=ft.Row(alignment=ft.MainAxisAlignment.SPACE_EVENLY,
                           vertical_alignment=ft.CrossAxisAlignment.CENTER, controls=[
                               ft.Container(width=TOUCH, height=TOUCH),
                               self.shutter_slot,
                               ft.Container(width=TOUCH, height=TOUCH, content=self.switch_slot),
                           ]),
        )
        top = ft.Container(
            left=0, right=0, top=0, padding=ft.Padding.only(left=4, right=12, top=8, bottom=8),
            bgcolor=ft.Colors.with_opacity(0.35, ft.Colors.BLACK),
            content=ft.Row(spacing=4, controls=[
                labelled(ft.IconButton(key="camera-close", icon=ft.Icons.ARROW_BACK, icon_color=ft.Colors.WHITE,
                                       tooltip=t("camera.back"), width=TOUCH, height=TOUCH, on_click=self._back),
                         "camera-close", t("camera.back")),
                ft.Text(question.text, key="camera-question", color=ft.Colors.WHITE, size=16,
                        weight=ft.FontWeight.W_500, max_lines=2, overflow=ft.TextOverflow.ELLIPSIS, expand=True),
            ]),
        )
        layers: list[ft.Control] = []
        if self.camera is not None:
            layers.append(ft.Container(left=0, right=0, top=0, bottom=0, alignment=ft.Alignment.CENTER,
                                       content=self.camera))
        layers += [self.status, self.panel, top, self.bottom]
        self.stack = ft.Stack(expand=True, alignment=ft.Alignment.CENTER, controls=layers)
        self._render(update=False)

        # STRETCH: the stack takes the whole width even while a (narrow) notice is shown.
        view = ft.View(route=self.route, padding=0, spacing=0, bgcolor=ft.Colors.BLACK,
                       horizontal_alignment=ft.CrossAxisAlignment.STRETCH, controls=[self.stack])
        view.data = self  # tests reach the screen through the view
        if self.camera is not None:
            self.ctx.page.run_task(self._start)
        return view

    def _render(self, update: bool = True) -> None:
        """Show what belongs to the current state."""
        t = self.ctx.t
        off = self.state == "off"
        self.status.visible = self.state in ("starting", "busy")
        self.status_text.value = t("camera.processing") if self.state == "busy" else t("camera.starting")
        self.panel.visible = off
        self.bottom.visible = not off
        self.shutter.disabled = self.shutter_slot.disabled = self.state != "ready"
        self.switch_slot.visible = len(self.cameras) > 1
        self.switch.disabled = self.state != "ready"
        if self.camera is not None:
            self.camera.visible = not off
        if off:
            self.message.value = self._reason_text()
            self.gallery.visible = (self.reason in (NO_CAMERA, DENIED, FAILED, UNSUPPORTED)
                                    and not self.question.camera_only)
            self.retry.visible = self.reason in (DENIED, FAILED)
            self.back_button.visible = not self.gallery.visible
        if update:
            update_if_mounted(self.stack)

    def _reason_text(self) -> str:
        t = self.ctx.t
        if self.question.camera_only and self.reason in (NO_CAMERA, DENIED, FAILED, UNSUPPORTED):
            why = {DENIED: "camera.live_denied", FAILED: "camera.live_failed"}.get(self.reason, "camera.live_none")
            then = "camera.live_required" if self.question.photo_range()[0] else "camera.live_optional"
            return f"{t(why)} {t(then)}"
        if self.reason == DENIED:
            return t("camera.denied")
        if self.reason == FAILED:
            return t("camera.failed")
        if self.reason == FULL:
            return t("camera.full", count=self.question.photo_range()[1])
        if self.reason == FROZEN:
            return t("errors.visit.frozen")
        return t("camera.none")  # no camera here, or a platform without camera support

    def _off(self, reason: str, update: bool = False) -> None:
        self.state, self.reason = "off", reason
        if update:
            self._render()

    # --- starting the camera -------------------------------------------------------

    async def _start(self) -> None:
        camera = self.camera
        if camera is None or not await self._mounted(camera):
            return
        try:
            found = await asyncio.wait_for(camera.get_available_cameras(), START_TIMEOUT)
        except Exception as error:
            log.warning("no camera list: %s", error)
            self._give_up(camera, reason_of(error))
            return
        self.cameras = back_first(found)
        if not self.cameras:
            self._give_up(camera, NO_CAMERA)
            return
        self.current = 0
        await self._initialize(camera)

    async def _initialize(self, camera: Camera) -> None:
        self.state = "starting"
        self._render()
        try:
            await asyncio.wait_for(
                camera.initialize(self.cameras[self.current], RESOLUTION, enable_audio=False), START_TIMEOUT)
        except Exception as error:
            log.warning("camera %s did not start: %s", self.cameras[self.current].name, error)
            self._give_up(camera, reason_of(error))
            return
        if is_mounted(camera):
            self.state = "ready"
            self._render()

    def _give_up(self, camera: Camera, reason: str) -> None:
        if is_mounted(camera):
            self._off(reason, update=True)

    async def _mounted(self, control: ft.Control) -> bool:
        """Wait until the view holding `control` is on the page (the router puts it there
        right after building it)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + MOUNT_WAIT
        while not is_mounted(control):
            if loop.time() > deadline:
                return False
            await asyncio.sleep(0.02)
        return True

    async def _retry(self) -> None:
        if self.camera is None:
            return
        self.state, self.reason, self.cameras = "starting", None, []
        self._render()
        await self._start()

    async def _switch(self) -> None:
        if self.camera is None or self.state != "ready" or len(self.cameras) < 2:
            return
        self.current = (self.current + 1) % len(self.cameras)
        await self._initialize(self.camera)

    # --- taking the photo ----------------------------------------------------------

    async def _shoot(self) -> None:
        camera = self.camera
        if camera is None or self.state != "ready":
            return
        ctx = self.ctx
        visit = ctx.service.visit(self.uuid)
        high = self.question.photo_range()[1]
        if len(visit.photos_of(self.qid)) >= high:  # photos may have come in meanwhile
            ctx.notify(ctx.t("camera.full", count=high))
            self._off(FULL, update=True)
            return
        self.state = "busy"
        self._render()
        try:
            data = await asyncio.wait_for(camera.take_picture(), SHOT_TIMEOUT)
        except Exception as error:
            log.warning("take_picture failed: %s", error)
            ctx.notify(ctx.t("camera.shot_failed"))
            self._ready_again(camera)
            return
        try:
            ref = await asyncio.to_thread(ctx.service.add_photo, self.uuid, self.qid, picture_bytes(data))
        except Exception as error:  # refused by the pipeline or the visit: nothing stored
            ctx.show_error(error)
            self._ready_again(camera)
            return
        if ctx.locations is not None:
            ctx.locations.photo(self.uuid, ref.sha256)  # in the background
        if is_mounted(camera):
            self._to_question()
        elif ctx.page.route.startswith(f"/visit/{self.uuid}"):
            ctx.rerender()  # the shopper went back meanwhile: show the new thumbnail there

    def _ready_again(self, camera: Camera) -> None:
        if is_mounted(camera):
            self.state = "ready"
            self._render()

    # --- leaving -------------------------------------------------------------------

    def _to_question(self) -> None:
        """Back to the question's section, scrolled to the question."""
        self.ctx.page.session.store.set(FOCUS_KEY, (self.uuid, self.qid))
        self.ctx.go(f"/visit/{self.uuid}/{self.section_id}")

    def _back(self) -> None:
        self._to_question()


def reason_of(error: Exception) -> str:
    """What the client's error says, as far as the shopper is concerned. The plugins'
    codes: CameraAccessDenied (Android, iOS), permissionDenied / NotAllowedError and
    cameraNotFound / NotFoundError (a browser)."""
    text = str(error).lower().replace("_", " ")
    if any(hint in text for hint in DENIED_HINTS):
        return DENIED
    if any(hint in text for hint in NOT_FOUND_HINTS):
        return NO_CAMERA
    return FAILED
