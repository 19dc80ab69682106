"""Settings: the interface language (the checklists stay in their own language), which
server and shopper this phone is paired with, with the way to the sync screen, and the
space the app takes on the phone (counted off the UI path: it reads the photo folder)."""

from __future__ import annotations

import asyncio

import flet as ft

from field_app.domain.i18n import LANGUAGES, Translator

from .context import TOUCH, AppContext
from .visit_widgets import update_if_mounted

# 1000-based, as a phone's own storage settings count.
UNITS = (("settings.size_bytes", 1), ("settings.size_kb", 10**3), ("settings.size_mb", 10**6),
         ("settings.size_gb", 10**9))


def plain_size(size: int, t: Translator) -> str:
    """A size as a phone shows it: «1,2 ГБ», «350 МБ», «0 Б»; one decimal under 10."""
    for key, unit in UNITS:  # the last one (GB) if none breaks
        if size < unit * 999.5:
            break
    value = size / unit
    text = f"{value:.1f}" if unit > 1 and round(value, 1) < 10 else f"{value:.0f}"
    return t(key, size=text.replace(".", t("settings.decimal_mark")))


class SettingsScreen:
    route = "/settings"

    def __init__(self, ctx: AppContext) -> None:
        self.ctx = ctx

    def view(self) -> ft.View:
        t = self.ctx.t
        choices = ft.RadioGroup(
            value=t.language,
            on_change=lambda e: self._choose(e.control.value),
            key="language",
            content=ft.Column(controls=[
                ft.Radio(value=lang, label=t(f"settings.language_{lang}"), height=TOUCH) for lang in LANGUAGES
            ]),
        )
        return ft.View(
            route=self.route,
            appbar=ft.AppBar(title=ft.Text(t("settings.title"))),
            controls=[ft.Container(
                padding=16,
                content=ft.Column(controls=[
                    ft.Text(t("settings.language"), theme_style=ft.TextThemeStyle.TITLE_MEDIUM),
                    choices,
                    ft.Text(t("settings.language_note"), size=13, color=ft.Colors.GREY_700),
                    *self._sync(),
                    *self._space(),
                ]),
            )],
        )

    def _space(self) -> list[ft.Control]:
        t = self.ctx.t
        shown = ft.Text(t("settings.space_counting"), key="settings-space")
        self.ctx.page.run_task(self._count_space, shown)
        return [
            ft.Divider(),
            ft.Text(t("settings.storage"), theme_style=ft.TextThemeStyle.TITLE_MEDIUM),
            shown,
            ft.Text(t("settings.storage_note"), size=13, color=ft.Colors.GREY_700),
        ]

    async def _count_space(self, shown: ft.Text) -> None:
        used = await asyncio.to_thread(self.ctx.service.space_used)
        t = self.ctx.t
        shown.value = t("settings.space_used", size=plain_size(used.total, t))
        update_if_mounted(shown)

    def _sync(self) -> list[ft.Control]:
        if self.ctx.sync is None:
            return []
        t = self.ctx.t
        status = self.ctx.sync.status()
        if status.paired:
            title = t("settings.paired_as", name=status.shopper_name or "—")
            subtitle = t("settings.paired_server", url=status.server_url or "—")
        else:
            title, subtitle = t("settings.unpaired"), t("settings.unpaired_hint")
        return [
            ft.Divider(),
            ft.Text(t("settings.sync"), theme_style=ft.TextThemeStyle.TITLE_MEDIUM),
            ft.ListTile(
                key="settings-sync",
                leading=ft.Icon(ft.Icons.CLOUD_DONE if status.paired else ft.Icons.CLOUD_OFF),
                title=ft.Text(title),
                subtitle=ft.Text(subtitle),
                trailing=ft.Icon(ft.Icons.CHEVRON_RIGHT),
                min_height=TOUCH,
                on_click=lambda: self.ctx.go("/sync"),
            ),
        ]

    def _choose(self, language: str) -> None:
        self.ctx.set_language(language)
