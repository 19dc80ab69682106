"""Stopwatches on the visit screen: the widget of a timer question, the bar of the visit's
running stopwatches, and the ticker that refreshes them every second.

The time shown is always recomputed from the stored start/stop events
(`visit.stopwatch(qid, now)`), never counted by ticks: a tick only redraws.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime
from typing import Callable

import flet as ft

from field_app.domain.checklist import Question
from field_app.domain.scoring import band_index
from field_app.domain.timers import StopwatchState
from field_app.domain.visit import Visit
from field_app.running import RunningStopwatch

from .visit_widgets import VisitActions, big_button, tagged, update_if_mounted

log = logging.getLogger(__name__)

TICK_SECONDS = 1.0
ROW_HEIGHT = 48  # a running stopwatch's line in the bar


def format_duration(seconds: float) -> str:
    """Whole seconds as m:ss, or h:mm:ss from an hour on."""
    hours, rest = divmod(int(max(0.0, seconds)), 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours}:{minutes:02d}:{secs:02d}"
    return f"{minutes}:{secs:02d}"


def band_label(question: Question, seconds: float) -> str:
    """The label of the band a value picks (as stored: whole seconds), or ''."""
    if not question.bands:
        return ""
    return question.bands[band_index(question.bands, float(int(seconds)))].label


class StopwatchWidget:
    """The face and buttons of one timer question. Built anew with its card; `tick`
    redraws the time and band in place."""

    def __init__(self, actions: VisitActions, question: Question) -> None:
        self.actions = actions
        self.q = question
        qid = question.id
        self.time = ft.Text(key=f"timer-{qid}-time", size=44, weight=ft.FontWeight.BOLD)
        self.band = ft.Text(key=f"timer-{qid}-band", size=16, weight=ft.FontWeight.W_500)
        self.running = False

    def build(self, visit: Visit, now: datetime) -> ft.Control:
        t = self.actions.ctx.t
        qid = self.q.id
        state = visit.stopwatch(qid, now)
        self._show(state)
        self.running = state.running
        buttons: list[ft.Control] = []
        if state.running:
            buttons.append(big_button(t("visit.timer_stop"), key=f"timer-{qid}-stop", filled=True,
                                      icon=ft.Icons.STOP, expand=True,
                                      on_click=lambda: self.actions.timer(qid, "stop")))
        elif state.started:
            buttons.append(big_button(t("visit.timer_resume"), key=f"timer-{qid}-resume", filled=True,
                                      icon=ft.Icons.PLAY_ARROW, expand=True,
                                      on_click=lambda: self.actions.timer(qid, "start")))
        else:
            buttons.append(big_button(t("visit.timer_start"), key=f"timer-{qid}-start", filled=True,
                                      icon=ft.Icons.PLAY_ARROW, expand=True,
                                      on_click=lambda: self.actions.timer(qid, "start")))
        if state.started:
            buttons.append(big_button(t("visit.timer_reset"), key=f"timer-{qid}-reset",
                                      icon=ft.Icons.RESTART_ALT, expand=True, on_click=self._ask_reset))
        face = [self.time]
        if state.running:
            face.append(ft.Icon(ft.Icons.TIMER, color=ft.Colors.RED_700))
        return ft.Column(
            spacing=8,
            controls=[
                ft.Row(controls=face, vertical_alignment=ft.CrossAxisAlignment.CENTER),
                self.band,
                ft.Row(controls=buttons, spacing=8),
            ],
        )

    def tick(self, visit: Visit, now: datetime, *, update: bool = True) -> None:
        if self._show(visit.stopwatch(self.q.id, now)) and update:
            update_if_mounted(self.time, self.band)

    def _show(self, state: StopwatchState) -> bool:
        """Set the labels; True when they changed."""
        time = format_duration(state.elapsed_seconds)
        band = band_label(self.q, state.elapsed_seconds) if state.started else ""
        changed = (time, band) != (self.time.value, self.band.value)
        self.time.value, self.band.value = time, band
        return changed

    def _ask_reset(self) -> None:
        t = self.actions.ctx.t
        qid = self.q.id
        self.actions.ctx.confirm(
            t("visit.reset_title"), t("visit.reset_message", question=self.q.text), t("visit.reset_confirm"),
            lambda: self.actions.timer(qid, "reset"),
        )


class RunningBar:
    """Over the bottom of the questions on every section: the running stopwatches of this
    visit and of every other one not finalized (`others`, read when the screen is built:
    they change only on their own screens), live; a tap jumps to the stopwatch's question.

    It is drawn over the questions (the screen puts `control()` in a Stack above the
    scrolling list), so showing or hiding it moves nothing under the shopper's finger."""

    def __init__(self, actions: VisitActions) -> None:
        self.actions = actions
        self.rows = ft.Column(spacing=0)
        self.container = ft.Container(
            key="running-timers",
            content=self.rows,
            bgcolor=ft.Colors.AMBER_100,
            padding=ft.Padding.symmetric(horizontal=12, vertical=4),
        )
        # The wrapper is what hides (Flutter draws an error box for a Semantics whose
        # content is invisible), and what is placed at the bottom of the Stack.
        self.wrapper = ft.Container(content=tagged(self.container, "running-timers"), left=0, right=0, bottom=0,
                                    visible=False)
        self.shown: list[str] = []
        self.times: dict[str, ft.Text] = {}
        self.others: list[RunningStopwatch] = []
        # Under the last question of each section, room to scroll it above the bar: it grows
        # with the bar and never shrinks (a shorter list would pull what is on screen down).
        self.room_height = ROW_HEIGHT + 24
        self.rooms: list[ft.Container] = []

    def control(self) -> ft.Control:
        return self.wrapper

    def room(self) -> ft.Control:
        """Room for the bar under a section's last question (one per section's list)."""
        room = ft.Container(height=self.room_height)
        self.rooms.append(room)
        return room

    def refresh(self, visit: Visit, now: datetime, *, update: bool = True) -> None:
        """Rebuild the rows if the set of running stopwatches changed, else redraw times."""
        running = visit.running_timers(now)
        others = [r for r in self.others if r.visit_uuid != visit.uuid and r.running(now)]
        shown = running + [f"{r.visit_uuid}/{r.question_id}" for r in others]
        if shown != self.shown:
            self.shown = shown
            self.times = {}
            self.rows.controls = [self._row(visit, qid, now) for qid in running] + [
                self._other_row(r, now) for r in others]
            self.wrapper.visible = bool(shown)
            grown = len(shown) * ROW_HEIGHT + 24 > self.room_height
            if grown:
                self.room_height = len(shown) * ROW_HEIGHT + 24
                for room in self.rooms:
                    room.height = self.room_height
            if update:
                update_if_mounted(self.wrapper, *(self.rooms if grown else []))
            return
        seconds = {qid: visit.stopwatch(qid, now).elapsed_seconds for qid in running}
        seconds.update({f"{r.visit_uuid}/{r.question_id}": r.seconds(now) for r in others})
        for key, elapsed in seconds.items():
            label = self.times[key]
            value = format_duration(elapsed)
            if label.value != value:
                label.value = value
                if update:
                    update_if_mounted(label)

    def _other_row(self, running: RunningStopwatch, now: datetime) -> ft.Control:
        """Another visit's stopwatch: which dealership, which question; a tap opens it there."""
        t = self.actions.ctx.t
        key = f"{running.visit_uuid}/{running.question_id}"
        time = ft.Text(format_duration(running.seconds(now)), size=18, weight=ft.FontWeight.BOLD)
        self.times[key] = time
        name = running.dealership_name or t("visit.unplanned")
        label = t("visit.running_other", name=name, question=running.question_text)
        route = f"/visit/{running.visit_uuid}/{running.section_id}?question={running.question_id}"
        row = ft.Container(
            key=f"running-{running.visit_uuid}-{running.question_id}",
            height=48,
            ink=True,
            on_click=lambda: self.actions.ctx.go(route),
            tooltip=label,
            content=ft.Row(
                controls=[
                    ft.Icon(ft.Icons.TIMER, color=ft.Colors.RED_700),
                    ft.Text(label, expand=True, max_lines=1, overflow=ft.TextOverflow.ELLIPSIS),
                    time,
                ],
                vertical_alignment=ft.CrossAxisAlignment.CENTER,
            ),
        )
        return tagged(row, f"running-{running.visit_uuid}-{running.question_id}")

    def _row(self, visit: Visit, qid: str, now: datetime) -> ft.Control:
        question = visit.question(qid)
        time = ft.Text(format_duration(visit.stopwatch(qid, now).elapsed_seconds), key=f"running-{qid}-time",
                       size=18, weight=ft.FontWeight.BOLD)
        self.times[qid] = time
        row = ft.Container(
            key=f"running-{qid}",
            height=48,
            ink=True,
            on_click=lambda: self.actions.go_to_question(qid),
            tooltip=question.text,
            content=ft.Row(
                controls=[
                    ft.Icon(ft.Icons.TIMER, color=ft.Colors.RED_700),
                    ft.Text(question.text, expand=True, max_lines=1, overflow=ft.TextOverflow.ELLIPSIS),
                    time,
                ],
                vertical_alignment=ft.CrossAxisAlignment.CENTER,
            ),
        )
        return tagged(row, f"running-{qid}")


class Ticker:
    """Calls `tick` every second while `alive()` holds; started with `page.run_task`."""

    def __init__(self, alive: Callable[[], bool], tick: Callable[[], None], interval: float = TICK_SECONDS) -> None:
        self.alive = alive
        self.tick = tick
        self.interval = interval

    async def run(self) -> None:
        while True:
            await asyncio.sleep(self.interval)
            if not self.alive():
                return
            try:
                self.tick()
            except Exception:  # a failed redraw must not stop the clock
                log.exception("stopwatch tick failed")
