"""Settings: the interface language (the checklists stay in their own language), and
which server and shopper this phone is paired with, with the way to the sync screen."""

from __future__ import annotations

import flet as ft

from field_app.domain.i18n import LANGUAGES

from .context import TOUCH, AppContext


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
                ]),
            )],
        )

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
