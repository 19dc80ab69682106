"""How the app looks whatever browser or phone shows it: the theme, Flutter's own words in
the UI's language, and the colours the screens draw text with.

- Density: with a desktop browser's user agent Flutter picks the compact density and
  shrink-wrapped tap targets (answer buttons 39 px high, dialog buttons 32, icon buttons
  40x40); the standard density and 12 px around an icon button's 24 px icon keep every
  control a shopper taps at least 48x48 px with either.
- Locale: Flutter's Material words (the app bar's back, a text field's "characters
  remaining") follow the UI's language, not the browser's.
- Colours: every text colour the screens use, with the background it is drawn on, is in
  `TEXT_ON`; a test computes their WCAG contrast (at least 4.5:1).
"""

from __future__ import annotations

import flet as ft

# Material 2 swatch values of the named colours the screens use (Flutter's `Colors.*`).
PALETTE: dict[str, str] = {
    ft.Colors.WHITE: "#FFFFFF",
    ft.Colors.BLACK: "#000000",
    ft.Colors.GREY_200: "#EEEEEE",
    ft.Colors.GREY_600: "#757575",
    ft.Colors.GREY_700: "#616161",
    ft.Colors.GREY_800: "#424242",
    ft.Colors.AMBER_50: "#FFF8E1",
    ft.Colors.AMBER_100: "#FFECB3",
    ft.Colors.AMBER_800: "#FF8F00",
    ft.Colors.AMBER_900: "#FF6F00",
    ft.Colors.GREEN_50: "#E8F5E9",
    ft.Colors.GREEN_700: "#388E3C",
    ft.Colors.GREEN_800: "#2E7D32",
    ft.Colors.GREEN_900: "#1B5E20",
    ft.Colors.RED_50: "#FFEBEE",
    ft.Colors.RED_700: "#D32F2F",
    ft.Colors.INDIGO_700: "#303F9F",
    ft.Colors.DEEP_ORANGE_900: "#BF360C",
    ft.Colors.BROWN_700: "#5D4037",
}

# What a chosen answer looks like on a visit that can no longer change (its buttons are
# disabled): Flutter's disabled colours are grey on grey (about 2:1), these are not.
FROZEN_CHOSEN_BG = ft.Colors.INDIGO_700
FROZEN_CHOSEN_TEXT = ft.Colors.WHITE
FROZEN_OTHER_TEXT = ft.Colors.GREY_700
# Secondary lines (hints, addresses, dates) on white or a card.
MUTED = ft.Colors.GREY_700
# Warnings (a missing answer's reason) on white or a card: AMBER_900 is 2.6:1 on white.
WARNING_TEXT = ft.Colors.BROWN_700

# A due follow-up on Today: tinted, unlike the day's stops.
FOLLOW_UP_BG = ft.Colors.AMBER_50

# (text colour, background) pairs the screens draw. Card and page surfaces of the light
# theme are near white; white stands for them.
TEXT_ON: list[tuple[str, str, str]] = [
    ("status chip: planned", ft.Colors.WHITE, ft.Colors.GREY_600),
    ("status chip: in progress", ft.Colors.WHITE, ft.Colors.BROWN_700),
    ("status chip: finalized", ft.Colors.WHITE, ft.Colors.GREEN_800),
    ("status chip: synced", ft.Colors.WHITE, ft.Colors.GREEN_900),
    ("status chip: returned", ft.Colors.WHITE, ft.Colors.RED_700),
    ("muted text", MUTED, ft.Colors.WHITE),
    ("address", ft.Colors.GREY_800, ft.Colors.WHITE),
    ("missing reason", WARNING_TEXT, ft.Colors.WHITE),
    ("photo count short of the minimum", ft.Colors.RED_700, ft.Colors.WHITE),
    ("running stopwatch bar", ft.Colors.BLACK, ft.Colors.AMBER_100),
    ("nothing missing", ft.Colors.BLACK, ft.Colors.GREEN_50),
    ("returned comment", ft.Colors.BLACK, ft.Colors.RED_50),
    ("chosen answer, frozen visit", FROZEN_CHOSEN_TEXT, FROZEN_CHOSEN_BG),
    ("other answer, frozen visit", FROZEN_OTHER_TEXT, ft.Colors.WHITE),
    ("a question the review sent the shopper to", ft.Colors.DEEP_ORANGE_900, ft.Colors.WHITE),
    ("due follow-up's question", ft.Colors.BLACK, FOLLOW_UP_BG),
    ("due follow-up's visit line", ft.Colors.GREY_800, FOLLOW_UP_BG),
]


PICKER_BUTTON = ft.ButtonStyle(padding=ft.Padding.symmetric(horizontal=16, vertical=14))


def theme() -> ft.Theme:
    return ft.Theme(
        color_scheme_seed=ft.Colors.INDIGO,
        use_material3=True,
        visual_density=ft.VisualDensity.STANDARD,
        icon_button_theme=ft.IconButtonTheme(style=ft.ButtonStyle(padding=ft.Padding.all(12))),
        # Flutter draws a picker's «ОК»/«Отмена» 40 px high on a desktop browser: taller.
        date_picker_theme=ft.DatePickerTheme(confirm_button_style=PICKER_BUTTON, cancel_button_style=PICKER_BUTTON),
        time_picker_theme=ft.TimePickerTheme(confirm_button_style=PICKER_BUTTON, cancel_button_style=PICKER_BUTTON),
    )


def locale(language: str) -> ft.LocaleConfiguration:
    """Flutter's own words (back, characters remaining) in the UI's language."""
    ours = [ft.Locale("ru", "RU"), ft.Locale("en", "US")]
    current = next(item for item in ours if item.language_code == language)
    return ft.LocaleConfiguration(supported_locales=ours, current_locale=current)


def apply(page: ft.Page, language: str) -> None:
    """The theme and Flutter's language on `page` (at the start and on a language switch)."""
    page.theme = theme()
    page.theme_mode = ft.ThemeMode.LIGHT
    page.locale_configuration = locale(language)


def relative_luminance(colour: str) -> float:
    """WCAG 2.x relative luminance of '#RRGGBB'."""
    value = colour.lstrip("#")
    channels = [int(value[i:i + 2], 16) / 255 for i in (0, 2, 4)]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(foreground: str, background: str) -> float:
    """WCAG contrast ratio of two '#RRGGBB' colours (1 to 21)."""
    a, b = sorted((relative_luminance(foreground), relative_luminance(background)), reverse=True)
    return (a + 0.05) / (b + 0.05)
