"""Settings: the interface language (the checklists stay in their own language)."""

from __future__ import annotations

import flet as ft

from field_app.i18n import LANGUAGES

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
                ]),
            )],
        )

    def _choose(self, language: str) -> None:
        self.ctx.set_language(language)
