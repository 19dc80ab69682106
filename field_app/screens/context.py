"""What every screen is given: the page, the services, the translator, and navigation."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Callable

import flet as ft

from field_app.domain.i18n import MissingTranslationError, Translator
from field_app.audio.recorder import Recorder
from field_app.location import FixRecorder
from field_app.services import FieldService

from . import look
from .sync_runner import SyncClient, SyncRunner

log = logging.getLogger(__name__)

# Material guidance: 48 dp is the smallest comfortable touch target; in a hurry, bigger.
TOUCH = 56


@dataclass
class AppContext:
    page: ft.Page
    service: FieldService
    t: Translator
    rerender: Callable[[], None]
    # The sync client and this session's runner of it (the app always gives them; a screen
    # built on its own, as in the UI benchmark, may go without).
    sync: SyncClient | None = None
    sync_runner: SyncRunner | None = None
    # This session's location fixes (the app always gives it; a screen built on its own
    # may go without).
    locations: FixRecorder | None = None
    # Makes a microphone for an audio question, in the session (None: none here).
    make_recorder: Callable[[], Recorder] | None = None

    def set_language(self, language: str) -> None:
        """Switch the interface language now and for the next start."""
        self.service.set_language(language)
        self.t = Translator(language)
        self.page.title = self.t("common.app_title")
        self.page.locale_configuration = look.locale(language)
        self.rerender()

    def go(self, route: str) -> None:
        # The route change redraws what changes: without this, Flet would also diff the
        # whole page (every view) after the tap's handler, for nothing.
        ft.context.disable_auto_update()
        self.page.navigate(route)

    def notify(self, message: str) -> None:
        self.page.show_dialog(ft.SnackBar(content=ft.Text(message), duration=4000))

    def error_message(self, error: Exception) -> str:
        """A message the shopper can act on, from the error's stable code."""
        code = getattr(error, "code", None)
        if code:
            try:
                return self.t(f"errors.{code}")
            except MissingTranslationError:
                pass
        log.exception("unexpected error", exc_info=error)
        return self.t("errors.unexpected")

    def show_error(self, error: Exception) -> None:
        self.notify(self.error_message(error))

    def confirm(self, title: str, message: str, confirm_label: str, on_confirm: Callable[[], None]) -> None:
        """Ask before anything is deleted or frozen."""

        def close(_=None) -> None:
            self.page.pop_dialog()

        def accept(_=None) -> None:
            self.page.pop_dialog()
            on_confirm()

        self.page.show_dialog(ft.AlertDialog(
            modal=True,
            title=ft.Text(title),
            content=ft.Text(message),
            actions=[
                ft.TextButton(content=self.t("common.cancel"), on_click=close, height=TOUCH),
                ft.FilledButton(content=confirm_label, on_click=accept, height=TOUCH),
            ],
        ))
