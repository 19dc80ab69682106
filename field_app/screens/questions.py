"""One card per question: its text and hint, an answer area by question type, N/A, the
photo strip and the comment. Question texts, option labels, band labels, hints and units
are checklist data and are shown as they are; the benchmark is for coordinators and is
never shown here.

Each builder returns controls; every tap goes to the screen (`VisitActions`), which stores
it at once and rebuilds this card.
"""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Callable

import flet as ft

from field_app.domain.checklist import Question, YesNoLabels
from field_app.domain.records import Answer
from field_app.domain.scoring import band_index
from field_app.domain.visit import MAX_TEXT, Visit

from .call_recorder import CallRecorder
from .moment import moment_area
from .photos import PhotoStrip
from .stopwatch import StopwatchWidget
from .visit_widgets import VisitActions, big_button, is_mounted, round_button, tagged
from .words import unit

# A focus request this long after the field appears: one sent with the update that shows
# it may be lost in the web client (after the card was redrawn, the cursor went nowhere).
FOCUS_DELAY = 0.3
# What is typed stays readable on a finalized visit, whose fields are disabled (Flutter
# would draw it at 38% of the text colour, about 2.5:1).
READABLE = ft.TextStyle(color=ft.Colors.ON_SURFACE)
# Two yes/no labels this short share a row; longer ones get a row each.
SHORT_LABEL = 14

Builder = Callable[[VisitActions, Question, Visit, datetime], list[ft.Control]]


def format_number(value: object) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return "" if value is None else str(value)


def parse_number(raw: str) -> int | float | None:
    """A number as typed on a phone ("3,5" too); None for an empty field; ValueError else."""
    text = raw.strip().replace(",", ".").replace(" ", "")
    if not text:
        return None
    number = float(text)
    if number != number or number in (float("inf"), float("-inf")):
        raise ValueError(raw)
    return int(number) if number.is_integer() and "." not in text and "e" not in text.lower() else number


def current(visit: Visit, qid: str) -> Answer | None:
    return visit.answers.get(qid)


def chosen_value(visit: Visit, qid: str) -> object:
    answer = current(visit, qid)
    return None if answer is None or answer.na else answer.value


def yes_no(actions: VisitActions, q: Question, visit: Visit, now: datetime) -> list[ft.Control]:
    labels = q.labels or YesNoLabels()
    value = chosen_value(visit, q.id)
    buttons = [
        big_button(labels.yes, key=f"answer-{q.id}-yes", chosen=value is True, expand=True,
                   on_click=lambda: actions.answer(q.id, True)),
        big_button(labels.no, key=f"answer-{q.id}-no", chosen=value is False, expand=True,
                   on_click=lambda: actions.answer(q.id, False)),
    ]
    if max(len(labels.yes), len(labels.no)) <= SHORT_LABEL:
        return [ft.Row(controls=buttons, spacing=8)]
    return [ft.Column(controls=[ft.Row(controls=[b]) for b in buttons], spacing=8)]


def choice(actions: VisitActions, q: Question, visit: Visit, now: datetime) -> list[ft.Control]:
    value = chosen_value(visit, q.id)
    return [ft.Column(spacing=8, controls=[
        ft.Row(controls=[big_button(
            option.label, key=f"answer-{q.id}-{option.id}", chosen=value == option.id, expand=True,
            on_click=lambda _, o=option.id: actions.answer(q.id, o),
        )])
        for option in q.options or []
    ])]


def number(actions: VisitActions, q: Question, visit: Visit, now: datetime) -> list[ft.Control]:
    field = ft.TextField(
        key=f"number-{q.id}",
        text_style=READABLE,
        value=format_number(chosen_value(visit, q.id)),
        label=actions.ctx.t("visit.number_label"),
        suffix=q.unit,
        keyboard_type=ft.KeyboardType.NUMBER,
        text_size=20,
        on_submit=lambda e: actions.save_number(q.id, e.control.value),
        on_blur=lambda e: actions.save_number(q.id, e.control.value),
    )
    actions.holds_text(q.id, field, actions.save_number)
    return [tagged(field, f"number-{q.id}")]


def text(actions: VisitActions, q: Question, visit: Visit, now: datetime) -> list[ft.Control]:
    value = chosen_value(visit, q.id)
    field = ft.TextField(
        key=f"text-{q.id}",
        text_style=READABLE,
        value=value if isinstance(value, str) else "",
        label=actions.ctx.t("visit.text_label"),
        multiline=True, min_lines=2, max_lines=8, max_length=MAX_TEXT,
        on_submit=lambda e: actions.save_text(q.id, e.control.value),
        on_blur=lambda e: actions.save_text(q.id, e.control.value),
    )
    actions.holds_text(q.id, field, actions.save_text)
    return [tagged(field, f"text-{q.id}")]


def counter(actions: VisitActions, q: Question, visit: Visit, now: datetime) -> list[ft.Control]:
    t = actions.ctx.t
    value = visit.value(q.id, now)
    low = int(q.min_value or 0)
    shown = t("visit.no_value") if value is None else format_number(value)
    band = q.bands[band_index(q.bands, float(value))].label if q.bands and value is not None else ""
    face = ft.Column(
        spacing=0, horizontal_alignment=ft.CrossAxisAlignment.CENTER, expand=True,
        controls=[
            ft.Text(shown, key=f"counter-{q.id}-value", size=40, weight=ft.FontWeight.BOLD),
            ft.Text(unit(visit.checklist, value, q.unit), key=f"counter-{q.id}-unit", size=14,
                    color=ft.Colors.GREY_700),
        ],
    )
    return [
        ft.Row(
            vertical_alignment=ft.CrossAxisAlignment.CENTER,
            controls=[
                round_button(ft.Icons.REMOVE, key=f"counter-{q.id}-minus", tooltip=t("visit.counter_minus"),
                             on_click=lambda: actions.count(q.id, -1),
                             disabled=value is not None and value <= low),
                face,
                round_button(ft.Icons.ADD, key=f"counter-{q.id}-plus", tooltip=t("visit.counter_plus"),
                             on_click=lambda: actions.count(q.id, 1)),
            ],
        ),
        ft.Text(band, key=f"counter-{q.id}-band", size=16, weight=ft.FontWeight.W_500),
    ]


BUILDERS: dict[str, Builder] = {
    "yes_no": yes_no,
    "choice": choice,
    "number": number,
    "text": text,
    "counter": counter,
    "datetime": moment_area,
}


def na_button(actions: VisitActions, q: Question, visit: Visit) -> ft.Control:
    answer = current(visit, q.id)
    na = answer is not None and answer.na
    return ft.Row(controls=[big_button(
        actions.ctx.t("visit.na"), key=f"answer-{q.id}-na", chosen=na, icon=ft.Icons.BLOCK, expand=True,
        on_click=lambda: actions.toggle_na(q.id),
    )])


def comment_area(actions: VisitActions, q: Question, visit: Visit) -> list[ft.Control]:
    t = actions.ctx.t
    answer = current(visit, q.id)
    saved = answer.comment if answer is not None else ""
    field = ft.TextField(
        key=f"comment-{q.id}",
        text_style=READABLE,
        value=saved,
        label=t("visit.comment_label"),
        multiline=True, min_lines=1, max_lines=6, max_length=MAX_TEXT,
        on_submit=lambda e: actions.comment(q.id, e.control.value),
        on_blur=lambda e: actions.comment(q.id, e.control.value),
    )
    actions.holds_text(q.id, field, actions.comment)
    # Hide the Semantics wrapper, not the field: Flutter draws an error box for a
    # Semantics whose content is invisible.
    wrapped = tagged(field, f"comment-{q.id}")
    wrapped.visible = bool(saved)

    async def reveal() -> None:
        page = actions.ctx.page
        screen = page.views[-1] if page.views else None
        wrapped.visible = not wrapped.visible
        # "Комментарий" is tapped to type one: the field takes the focus as it appears (a
        # focus request sent with the update may reach the client before the field exists)
        field.autofocus = wrapped.visible
        wrapped.update()
        if wrapped.visible:
            await asyncio.sleep(FOCUS_DELAY)
            # The shopper may have left the section (or the card been redrawn) meanwhile:
            # a focus request for a field no longer on the page would fail the handler.
            if is_mounted(field) and page.views and page.views[-1] is screen:
                await field.focus()

    toggle = ft.TextButton(
        content=t("visit.comment"), icon=ft.Icons.COMMENT if saved else ft.Icons.ADD_COMMENT,
        key=f"comment-{q.id}-toggle", height=48, on_click=reveal,
    )
    return [tagged(toggle, f"comment-{q.id}-toggle"), wrapped]


def build_card(
    actions: VisitActions,
    q: Question,
    visit: Visit,
    now: datetime,
    strip: PhotoStrip | None,
    calls: CallRecorder | None = None,
) -> tuple[ft.Control, StopwatchWidget | None]:
    """The card's content, and the stopwatch widget the ticker should redraw (if any)."""
    rows: list[ft.Control] = [ft.Text(q.text, size=17, weight=ft.FontWeight.BOLD)]
    if q.hint:
        rows.append(ft.Text(q.hint, size=13, color=ft.Colors.GREY_700))
    stopwatch = None
    if q.type == "timer":
        stopwatch = StopwatchWidget(actions, q)
        rows.append(stopwatch.build(visit, now))
    elif q.type in BUILDERS:
        rows.extend(BUILDERS[q.type](actions, q, visit, now))
    if q.na_allowed:
        rows.append(na_button(actions, q, visit))
    if strip is not None:
        rows.append(strip.build(visit))
    if calls is not None:
        rows.append(calls.build(visit))
    rows.extend(comment_area(actions, q, visit))
    card = ft.Card(content=ft.Container(padding=12, content=ft.Column(controls=rows, spacing=8)))
    return card, stopwatch
