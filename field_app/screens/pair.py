"""Pairing: the server's address, the one-time code from the coordinator and a name for
this phone; "Pair" asks the server (off the event loop, with a progress ring) and, once
paired, opens the sync screen. What went wrong is said under the form: no connection
(check the address and the network) or the server's reason for refusing.
"""

from __future__ import annotations

import asyncio
import re
from urllib.parse import urlsplit

import flet as ft

from . import look
from .context import AppContext
from .sync_text import pair_error_text
from .visit_widgets import update_if_mounted

CODE_LENGTH = 8
PLATFORMS = ("android", "ios", "macos", "windows", "linux", "fuchsia")


def server_url(text: str) -> str | None:
    """The server's address as typed, cleaned; None when it is not an http(s) URL."""
    text = text.strip()
    if not text or any(ch.isspace() for ch in text):
        return None
    try:
        parts = urlsplit(text)
        _ = parts.port  # raises on a bad port
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return None
    return text.rstrip("/")


def pairing_code(text: str) -> str | None:
    """The code as the server knows it (8 letters and digits, upper case), whether typed
    as "ABCD-EFGH", "abcd efgh" or "abcdefgh"; None when it is not one."""
    code = re.sub(r"[\s-]", "", text).upper()
    return code if len(code) == CODE_LENGTH and code.isascii() and code.isalnum() else None


class PairScreen:
    route = "/pair"

    def __init__(self, ctx: AppContext) -> None:
        self.ctx = ctx
        t = ctx.t
        self.server = ft.TextField(
            key="pair-server", label=t("pair.server"), value=t("pair.server_prefill"), hint_text=t("pair.server_hint"),
            keyboard_type=ft.KeyboardType.URL, autocorrect=False, enable_suggestions=False,
            on_blur=self._check_server, on_change=self._edited,
        )
        self.code = ft.TextField(
            key="pair-code", label=t("pair.code"), hint_text=t("pair.code_hint"),
            capitalization=ft.TextCapitalization.CHARACTERS, autocorrect=False, enable_suggestions=False,
            on_blur=self._check_code, on_change=self._edited,
        )
        self.device = ft.TextField(key="pair-device", label=t("pair.device"), value=self._device_name(),
                                   on_change=self._edited)
        self.button = ft.FilledButton(key="pair", content=t("pair.pair"), icon=ft.Icons.LINK, height=64,
                                      expand=True, on_click=self._pair)
        self.working = ft.Row(key="pair-working", visible=False, controls=[
            ft.ProgressRing(width=24, height=24, stroke_width=3), ft.Text(t("pair.working")),
        ])
        self.failure = ft.Text(key="pair-error", visible=False, color=ft.Colors.RED_700)

    def view(self) -> ft.View:
        t = self.ctx.t
        status = self.ctx.sync.status()
        controls: list[ft.Control] = [ft.Text(t("pair.intro"))]
        if status.paired:
            controls.append(ft.Text(
                t("pair.already_paired", name=status.shopper_name or "—", url=status.server_url or "—"),
                key="pair-already", color=look.WARNING_TEXT,  # amber text on white was 2.8:1
            ))
        controls.extend([
            self.server, self.code, self.device, self.working, self.failure,
            ft.Row(controls=[self.button]),
        ])
        return ft.View(
            route=self.route,
            appbar=ft.AppBar(title=ft.Text(t("pair.title"))),
            controls=[ft.ListView(controls=controls, spacing=12, padding=16, expand=True)],
        )

    def _device_name(self) -> str:
        t = self.ctx.t
        platform = getattr(self.ctx.page.platform, "value", None)
        if self.ctx.page.web:
            return t("pair.device_web")
        return t(f"pair.device_{platform}") if platform in PLATFORMS else t("pair.device_other")

    # --- checking ------------------------------------------------------------------

    def _check_server(self) -> bool:
        ok = server_url(self.server.value or "") is not None
        self.server.error = None if ok else self.ctx.t("pair.server_invalid")
        return ok

    def _check_code(self) -> bool:
        # An empty field is not an error until "Pair" is pressed.
        ok = pairing_code(self.code.value or "") is not None
        self.code.error = None if ok or not (self.code.value or "").strip() else self.ctx.t("pair.code_invalid")
        return ok

    def _edited(self) -> None:
        # The message under the form is about what was sent; a field's own error goes as
        # soon as the field is right.
        self.failure.visible = False
        if self.server.error:
            self._check_server()
        if self.code.error:
            self._check_code()

    # --- pairing -------------------------------------------------------------------

    async def _pair(self) -> None:
        t = self.ctx.t
        url_ok, code_ok = self._check_server(), self._check_code()
        if not code_ok:
            self.code.error = t("pair.code_invalid")
        device = (self.device.value or "").strip()
        self.device.error = None if device else t("pair.device_missing")
        if not (url_ok and code_ok and device):
            return
        url, code = server_url(self.server.value or ""), pairing_code(self.code.value or "")
        self._busy(True)
        try:
            name = await asyncio.to_thread(self.ctx.sync.pair, url, code, device)
        except Exception as error:
            self._busy(False)
            self.failure.value = pair_error_text(t, error) or self.ctx.error_message(error)
            self.failure.visible = True
            return
        self._busy(False)
        self.ctx.go("/sync")
        self.ctx.notify(t("pair.paired_notice", name=name))
        if self.ctx.sync_runner is not None:  # the route now, not at the next round
            self.ctx.page.run_task(self.ctx.sync_runner.run_now, tell=False)

    def _busy(self, busy: bool) -> None:
        self.button.disabled = busy
        self.working.visible = busy
        for field in (self.server, self.code, self.device):
            field.disabled = busy
        self.failure.visible = False
        update_if_mounted(self.button, self.working, self.failure, self.server, self.code, self.device)
