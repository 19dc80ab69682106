"""Building blocks shared by the parts of the visit screen: big buttons, test hooks, and
what a question card may ask of the screen (`VisitActions`)."""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Any, Callable, Protocol

import flet as ft

from field_app.domain.checklist import AnswerValue

from . import look
from .context import TOUCH, AppContext

# Vertical padding that makes a one-line button TOUCH (56) px high; longer labels wrap
# and the button grows instead of clipping them.
_PAD_V = 16


class VisitActions(Protocol):
    """What the pieces of a section (question cards, stopwatches, photo strips) may ask
    of the visit screen. Each call stores at once and re-renders what changed."""

    ctx: AppContext
    uuid: str
    photo_lock: asyncio.Lock

    def answer(self, question_id: str, value: AnswerValue) -> None: ...
    def toggle_na(self, question_id: str) -> None: ...
    def comment(self, question_id: str, text: str) -> None: ...
    def save_number(self, question_id: str, raw: str) -> None: ...
    def save_text(self, question_id: str, raw: str) -> None: ...
    def timer(self, question_id: str, event: str) -> None: ...
    def count(self, question_id: str, step: int) -> None: ...
    # a `datetime` question: the moment (now when None), or no answer
    def record_moment(self, question_id: str, moment: datetime | None) -> None: ...
    def clear_answer(self, question_id: str) -> None: ...
    def photos_changed(self, question_id: str) -> None: ...
    # A text field that stores itself when it loses focus; `save(question_id, text)` also
    # stores it when the screen goes with the focus still in it.
    def holds_text(self, question_id: str, field: ft.TextField, save: Callable[[str, str], None]) -> None: ...
    def go_to_question(self, question_id: str) -> None: ...
    def thumbnail(self, sha256: str) -> bytes | None: ...


def tagged(control: ft.Control, identifier: str, *, expand: bool | int | None = None,
           label: str | None = None) -> ft.Control:
    """Wrap a control so browser tests find it as `[flt-semantics-identifier=...]`; `label`
    names an icon button (the web client does not make its tooltip its name)."""
    if label is not None:
        return ft.Semantics(content=control, identifier=identifier, expand=expand, label=label, button=True)
    return ft.Semantics(content=control, identifier=identifier, expand=expand)


def big_button(
    label: str,
    *,
    key: str,
    on_click: Callable[..., Any] | None = None,
    filled: bool = False,
    icon: ft.IconData | None = None,
    expand: bool | int | None = None,
    disabled: bool = False,
    action: Any = None,
    chosen: bool | None = None,
) -> ft.Control:
    """A full-height (56 px) action button, `filled` for the main one; or, given `chosen`,
    an answer: the chosen one filled, ticked and exposed as selected to a screen reader.
    On a visit that can no longer change (its buttons disabled) a chosen answer keeps a
    readable colour instead of Flutter's grey on grey. Returned wrapped in Semantics
    carrying `key` as its identifier."""
    if chosen is not None:
        filled = chosen
        icon = icon or (ft.Icons.CHECK if chosen else None)
    kind = ft.FilledButton if filled else ft.OutlinedButton
    # Flet resolves a state missing from such a map to no colour at all (a chosen answer
    # came out white), so the enabled colours are the theme's, given as such.
    text_colours = {ft.ControlState.DEFAULT: ft.Colors.ON_PRIMARY if filled else ft.Colors.PRIMARY,
                    ft.ControlState.DISABLED: look.FROZEN_CHOSEN_TEXT if filled else look.FROZEN_OTHER_TEXT}
    button = kind(
        content=ft.Text(label, text_align=ft.TextAlign.CENTER, size=16),
        icon=icon,
        key=key,
        on_click=on_click,
        action=action,
        disabled=disabled,
        expand=True,
        style=ft.ButtonStyle(
            padding=ft.Padding.symmetric(horizontal=16, vertical=_PAD_V),
            shape=ft.RoundedRectangleBorder(radius=12),
            # an answer on a frozen visit is shown, not offered: readable, not greyed out
            color=text_colours if chosen is not None else None,
            icon_color=text_colours if chosen is not None else None,
            bgcolor={ft.ControlState.DEFAULT: ft.Colors.PRIMARY,
                     ft.ControlState.DISABLED: look.FROZEN_CHOSEN_BG} if chosen else None,
        ),
    )
    if chosen is None:
        return tagged(button, key, expand=expand)
    return ft.Semantics(content=button, identifier=key, expand=expand, selected=chosen)


def round_button(icon: ft.IconData, *, key: str, tooltip: str, on_click: Callable[..., Any],
                 disabled: bool = False) -> ft.Control:
    """A large square-ish icon button (counter − / +)."""
    button = ft.FilledTonalIconButton(
        icon=icon, key=key, tooltip=tooltip, on_click=on_click, disabled=disabled,
        icon_size=32, width=TOUCH + 16, height=TOUCH + 16,
        style=ft.ButtonStyle(shape=ft.RoundedRectangleBorder(radius=16)),
    )
    return tagged(button, key, label=tooltip)


def is_mounted(control: ft.Control) -> bool:
    """Whether the control is on the page now (a replaced control may still know its page)."""
    try:
        page = control.page
    except RuntimeError:
        return False
    try:
        return page.session.index.get(control._i) is control
    except RuntimeError:
        return False


def update_if_mounted(*controls: ft.Control) -> None:
    for control in controls:
        if is_mounted(control):
            control.update()
