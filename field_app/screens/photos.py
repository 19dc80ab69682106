"""The photo strip of a question: take or pick photos, thumbnails, open large, delete.

"Take photo" opens the camera screen (`/camera/<uuid>/<question_id>`, flet-camera),
which stores the shot and comes back to the section.

"From gallery" goes through a `PickFiles` client action on the button: the client opens
the picker inside the tap itself, which is the only moment a browser (iOS Safari above
all) lets a page open one; the files arrive at `FilePicker.on_result`. In web mode a
picked file has no path, so the web client sends its bytes (`with_data`); a phone build
gives a real path. A question that says `source: camera` has no "from gallery": only the
camera, with a line saying so under the button.

Processing (decode, rotate, resize, hash, fsync) is slow: it runs off the event loop,
one photo at a time, with a progress line on the question.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import flet as ft

from field_app.domain.checklist import Question
from field_app.domain.records import PhotoRef
from field_app.domain.visit import Visit
from field_app.photos import PhotoError

from .context import TOUCH
from .visit_widgets import VisitActions, big_button, tagged, update_if_mounted

THUMB = 88
def takes_photos(question: Question) -> bool:
    return question.type == "photo" or question.photos is not None


def picked_source(file: ft.FilePickerFile) -> bytes | Path | None:
    """What `add_photo` takes from a picked file: its path on a phone, its bytes on the web."""
    if file.path:
        return Path(file.path)
    data: Any = file.bytes
    if isinstance(data, list):  # msgpack may deliver a list of ints
        data = bytes(data)
    return data if isinstance(data, (bytes, bytearray)) else None


class PhotoStrip:
    """One per photo question on the shown section; it keeps its FilePicker (a service
    that must stay referenced) across rebuilds of the card."""

    def __init__(self, actions: VisitActions, question: Question) -> None:
        self.actions = actions
        self.q = question
        self.picker = ft.FilePicker(on_result=self._on_result)
        self.busy = False
        self.progress: ft.Control | None = None
        self.buttons: list[ft.Control] = []

    def build(self, visit: Visit) -> ft.Control:
        t = self.actions.ctx.t
        qid = self.q.id
        photos = visit.photos_of(qid)
        low, high = self.q.photo_range()
        count = (t("visit.photo_count_min", count=len(photos), min=low) if low
                 else t("visit.photo_count", count=len(photos)))
        full = len(photos) >= high
        web = bool(self.actions.ctx.page.web)
        self.buttons = [
            big_button(
                t("visit.photo_camera"), key=f"photo-camera-{qid}", icon=ft.Icons.PHOTO_CAMERA, expand=True,
                disabled=full or self.busy,
                on_click=lambda: self.actions.ctx.go(f"/camera/{self.actions.uuid}/{qid}"),
            ),
        ]
        if not self.q.camera_only:  # `source: camera`: live capture only, no gallery
            self.buttons.append(big_button(
                t("visit.photo_gallery"), key=f"photo-add-{qid}", icon=ft.Icons.PHOTO_LIBRARY, expand=True,
                disabled=full or self.busy,
                action=ft.PickFiles(file_picker=self.picker, file_type=ft.FilePickerFileType.IMAGE,
                                    with_data=web, allow_multiple=True),
            ))
        self.progress = ft.Row(
            key=f"photo-progress-{qid}",
            visible=self.busy,
            controls=[ft.ProgressRing(width=20, height=20, stroke_width=3), ft.Text(t("visit.photo_processing"))],
        )
        satisfied = len(photos) >= low
        return ft.Column(
            spacing=8,
            controls=[
                ft.Text(count, key=f"photo-count-{qid}", weight=ft.FontWeight.W_500,
                        color=None if satisfied else ft.Colors.RED_700),
                ft.Row(controls=[self._thumb(p) for p in photos], wrap=True, spacing=8, run_spacing=8),
                self.progress,
                ft.Row(controls=self.buttons, spacing=8),
                *([ft.Text(t("visit.photo_camera_only"), key=f"photo-camera-only-{qid}", size=13,
                           color=ft.Colors.GREY_700)] if self.q.camera_only else []),
            ],
        )

    def _thumb(self, photo: PhotoRef) -> ft.Control:
        t = self.actions.ctx.t
        qid, sha = self.q.id, photo.sha256
        data = self.actions.thumbnail(sha)

        async def open_large() -> None:
            await self._open(photo)

        picture: ft.Control = (
            ft.Image(src=data, width=THUMB, height=THUMB, fit=ft.BoxFit.COVER, border_radius=8)
            if data else ft.Icon(ft.Icons.BROKEN_IMAGE, size=40)
        )
        tile = ft.Container(
            key=f"photo-{qid}-{sha}", content=picture, width=THUMB, height=THUMB, border_radius=8,
            alignment=ft.Alignment.CENTER, bgcolor=ft.Colors.GREY_200, ink=True, tooltip=t("visit.photo_open"),
            on_click=open_large,
        )
        delete = ft.IconButton(
            icon=ft.Icons.DELETE_OUTLINE, key=f"photo-delete-{qid}-{sha}", tooltip=t("visit.photo_delete"),
            width=TOUCH, height=TOUCH, on_click=lambda: self._ask_delete(photo),
        )
        return ft.Column(
            spacing=0, horizontal_alignment=ft.CrossAxisAlignment.CENTER,
            controls=[tagged(tile, f"photo-{qid}-{sha}", label=t("visit.photo_open")),
                      tagged(delete, f"photo-delete-{qid}-{sha}", label=t("visit.photo_delete"))],
        )

    # --- adding --------------------------------------------------------------------

    async def _on_result(self, e: ft.FilePickerResultEvent) -> None:
        files = list(e.files or [])
        if not files:
            return  # the shopper cancelled
        ctx = self.actions.ctx
        async with self.actions.photo_lock:  # one photo at a time, across the section
            self._set_busy(True)
            try:
                for file in files:
                    low, high = self.q.photo_range()
                    have = len(ctx.service.visit(self.actions.uuid).photos_of(self.q.id))
                    if have >= high:
                        ctx.notify(ctx.t("visit.photo_limit", count=high))
                        break
                    source = picked_source(file)
                    try:
                        if source is None:
                            raise PhotoError("the picker gave neither a path nor the file's bytes")
                        ref = await asyncio.to_thread(ctx.service.add_photo, self.actions.uuid, self.q.id, source)
                        if ctx.locations is not None:
                            ctx.locations.photo(self.actions.uuid, ref.sha256)  # in the background
                    except Exception as error:  # a bad file is refused; the others still go in
                        ctx.show_error(error)
            finally:
                self.busy = False
                self.actions.photos_changed(self.q.id)

    def _set_busy(self, busy: bool) -> None:
        self.busy = busy
        if self.progress is not None:
            self.progress.visible = busy
            update_if_mounted(self.progress)
        for button in self.buttons:
            inner = button.content if isinstance(button, ft.Semantics) else button
            if inner is not None:
                inner.disabled = busy
                update_if_mounted(inner)

    # --- looking and deleting ------------------------------------------------------

    async def _open(self, photo: PhotoRef) -> None:
        ctx = self.actions.ctx
        t = ctx.t
        path = ctx.service.photo_path(photo.sha256)
        try:
            data = await asyncio.to_thread(path.read_bytes)
        except OSError:
            data = None
        picture: ft.Control = (ft.Image(src=data, fit=ft.BoxFit.CONTAIN) if data
                               else ft.Text(t("visit.photo_missing")))
        ctx.page.show_dialog(ft.AlertDialog(
            key="photo-dialog",
            content=ft.Container(content=picture, width=360, height=480),
            actions=[
                ft.TextButton(content=t("visit.photo_delete"), icon=ft.Icons.DELETE_OUTLINE,
                              key="photo-dialog-delete", height=TOUCH,
                              on_click=lambda: self._delete_from_dialog(photo)),
                ft.FilledButton(content=t("visit.photo_close"), key="photo-dialog-close", height=TOUCH,
                                on_click=lambda: ctx.page.pop_dialog()),
            ],
        ))

    def _delete_from_dialog(self, photo: PhotoRef) -> None:
        self.actions.ctx.page.pop_dialog()
        self._ask_delete(photo)

    def _ask_delete(self, photo: PhotoRef) -> None:
        ctx = self.actions.ctx
        t = ctx.t
        ctx.confirm(
            t("visit.photo_delete_title"), t("visit.photo_delete_message"), t("visit.photo_delete_confirm"),
            lambda: self._delete(photo),
        )

    def _delete(self, photo: PhotoRef) -> None:
        ctx = self.actions.ctx
        try:
            ctx.service.remove_photo(self.actions.uuid, self.q.id, photo.sha256)
        except Exception as error:
            ctx.show_error(error)
        self.actions.photos_changed(self.q.id)
