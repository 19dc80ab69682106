"""Follow-ups: the questions answered days after a finalized visit (did the dealer call
back? was the car ready on time?).

Due ones get big answer buttons (or a field). Every tap is stored at once, and what is
typed a moment after the last keystroke, as a draft of this visit's follow-up answers
(shown again on return, after a crash too). The shopper is done with them when leaving
the screen ("Done", back, or any other way but the app going to the background): then
what is answered becomes one new frozen revision of the visit, sent with the next sync.
Ones answered before are shown as answered; ones not yet due show from when they can be
answered. Open and later ones also say until when the dealership had to act (its window,
in its time zone).
"""

from __future__ import annotations

from datetime import datetime, timedelta

import flet as ft

from field_app.domain.checklist import AnswerValue, FollowUp, YesNoLabels
from field_app.domain.records import VisitStatus
from field_app.domain.visit import DueFollowUp, Visit

from .context import TOUCH, AppContext
from .words import day_month, in_zone, kind, local, long_date, utc_offset
from .typing import TypingSaver

FROZEN = (VisitStatus.FINALIZED, VisitStatus.SYNCED)


class InvalidNumber(ValueError):
    """What the shopper typed in a number field is not a number."""


class FollowUpsScreen:
    def __init__(self, ctx: AppContext, uuid: str) -> None:
        self.ctx = ctx
        self.uuid = uuid
        self.route = f"/follow-ups/{uuid}"
        # follow-up id -> the value chosen (buttons) or typed (fields); ids and values only
        self.values: dict[str, AnswerValue] = {}
        self.typed: dict[str, str] = {}
        self._fields: dict[str, ft.TextField] = {}
        self._answer_rows: dict[str, ft.Column] = {}
        self._follow_ups: dict[str, FollowUp] = {}
        self._done: ft.FilledButton | None = None
        self.typing = TypingSaver(on_error=ctx.show_error)
        self._draft: tuple[dict[str, AnswerValue], dict[str, str]] = ({}, {})  # as last stored

    # --- building ------------------------------------------------------------------

    def view(self) -> ft.View:
        t = self.ctx.t
        service = self.ctx.service
        visit = service.visit(self.uuid)
        now = service.now()
        self.kind = kind(visit.checklist)  # a call is called a call
        controls: list[ft.Control] = [*self._header(visit)]
        body: list[ft.Control] = []

        if visit.status not in FROZEN:
            controls.append(ft.Text(t(f"follow_ups.not_finalized_{self.kind}"), key="not-finalized", italic=True))
        else:
            due = visit.follow_ups_due(now)
            open_ = [d for d in due if not d.answered]
            if not open_:
                controls.append(ft.Text(t("follow_ups.nothing_due"), key="nothing-due", italic=True))
            self._restore_draft({d.follow_up.id for d in open_})
            controls.extend(self._open_card(visit, d) for d in open_)
            answered = [d for d in due if d.answered]
            controls.extend(self._answered_card(visit, d) for d in answered)
            upcoming = self._upcoming(visit, due)
            if upcoming:
                controls.append(ft.Text(t("follow_ups.upcoming"), theme_style=ft.TextThemeStyle.TITLE_SMALL))
                controls.extend(self._upcoming_card(visit, d) for d in upcoming)
            if open_:
                controls.append(ft.Text(t("follow_ups.autosaved"), key="autosaved", size=13,
                                        color=ft.Colors.GREY_700))
                body.append(self._done_bar())

        view = ft.View(
            route=self.route,
            padding=0,
            spacing=0,
            appbar=ft.AppBar(title=ft.Text(t(f"follow_ups.title_{self.kind}"))),
            controls=[ft.ListView(controls=controls, spacing=8, padding=12, expand=True), *body],
        )
        view.data = self  # tests wait for what is typed to be stored
        return view

    def _header(self, visit: Visit) -> list[ft.Control]:
        t = self.ctx.t
        stop = self.ctx.service.stop_of(visit)
        day, time = local(visit.started_at)
        lines: list[ft.Control] = []
        if stop is not None:
            lines.append(ft.Text(stop.dealership.name, weight=ft.FontWeight.BOLD, size=17))
        lines.append(ft.Text(visit.checklist.title, theme_style=ft.TextThemeStyle.TITLE_MEDIUM))
        lines.append(ft.Text(
            t(f"follow_ups.visit_on_{self.kind}", date=long_date(t, day), time=time),
            size=13, color=ft.Colors.GREY_700,
        ))
        return lines

    def _card(self, key: str, lines: list[ft.Control]) -> ft.Control:
        return ft.Card(key=key, content=ft.Container(content=ft.Column(controls=lines, spacing=8), padding=12))

    def _question_lines(self, follow_up: FollowUp) -> list[ft.Control]:
        lines: list[ft.Control] = [ft.Text(follow_up.text, weight=ft.FontWeight.W_500, size=16)]
        if follow_up.hint:
            lines.append(ft.Text(follow_up.hint, size=13, color=ft.Colors.GREY_700))
        return lines

    def _open_card(self, visit: Visit, due: DueFollowUp) -> ft.Control:
        f = due.follow_up
        self._follow_ups[f.id] = f
        row = ft.Column(controls=self._answer_controls(f), spacing=8)
        self._answer_rows[f.id] = row
        return self._card(f"follow-up-{f.id}", [*self._question_lines(f), self._window_line(visit, f), row])

    def _window_line(self, visit: Visit, f: FollowUp) -> ft.Control:
        """Until when the dealership had to act, on its own clock: «по 15 декабря
        включительно» for a window that closes at the end of a day, else the time."""
        t = self.ctx.t
        window = visit.follow_up_window(f)
        closes = window.closes_at
        day, time = in_zone(closes, visit.timezone)
        # A window that opens after the visit («from 48 hours after collection») says when.
        opens = f.rule_for(visit.brand).window is not None and window.opens_at < closes
        start = self._moment_words(window.opens_at, visit.timezone) if opens else ""
        if time == "00:00":
            text = t("follow_ups.window_from_through" if opens else "follow_ups.window_through",
                     date=day_month(t, day - timedelta(days=1)), start=start)
        else:
            text = t("follow_ups.window_from_until" if opens else "follow_ups.window_until",
                     date=day_month(t, day), time=time, start=start)
        offset = utc_offset(closes, visit.timezone)
        if offset != utc_offset(closes):  # the phone's clock is in another zone
            text = t("follow_ups.window_in_zone", window=text, offset=offset)
        return ft.Text(text, key=f"window-{f.id}", size=13, color=ft.Colors.GREY_700)

    def _moment_words(self, moment: datetime, zone: str) -> str:
        day, time = in_zone(moment, zone)
        return day_month(self.ctx.t, day) if time == "00:00" else f"{day_month(self.ctx.t, day)} {time}"

    def _answered_card(self, visit: Visit, due: DueFollowUp) -> ft.Control:
        t = self.ctx.t
        f = due.follow_up
        answer = visit.follow_ups[f.id]
        day, time = local(answer.answered_at)
        return self._card(f"answered-{f.id}", [
            *self._question_lines(f),
            ft.Row(controls=[
                ft.Icon(ft.Icons.CHECK_CIRCLE, color=ft.Colors.GREEN_700),
                ft.Text(t("follow_ups.answered", value=self._label_of(f, answer.value)), expand=True,
                        weight=ft.FontWeight.BOLD),
            ]),
            ft.Text(t("follow_ups.answered_on", date=long_date(t, day), time=time),
                    size=13, color=ft.Colors.GREY_700),
        ])

    def _upcoming_card(self, visit: Visit, due: DueFollowUp) -> ft.Control:
        t = self.ctx.t
        day, time = local(due.due_at)
        return self._card(f"upcoming-{due.follow_up.id}", [
            *self._question_lines(due.follow_up),
            self._window_line(visit, due.follow_up),
            ft.Row(controls=[
                ft.Icon(ft.Icons.SCHEDULE, color=ft.Colors.GREY_700),
                ft.Text(t("follow_ups.due_from", date=day_month(t, day), time=time),
                        expand=True),
            ]),
        ])

    @staticmethod
    def _upcoming(visit: Visit, due: list[DueFollowUp]) -> list[DueFollowUp]:
        """Follow-ups that will be due later (those `show_if` hides are left out): the
        ones due by the time the last follow-up is, less those due now."""
        if not visit.checklist.follow_ups:
            return []
        now_ids = {d.follow_up.id for d in due}
        last = max(visit.follow_up_due_at(f) for f in visit.checklist.follow_ups)
        return [d for d in visit.follow_ups_due(last) if d.follow_up.id not in now_ids]

    def _answer_controls(self, f: FollowUp) -> list[ft.Control]:
        t = self.ctx.t
        if f.type in ("yes_no", "choice"):
            choices = self._choices(f)
            buttons = [self._choice_button(f.id, value, label) for value, label in choices]
            if f.type == "yes_no":
                return [ft.Row(controls=buttons, spacing=8)]
            return [ft.Row(controls=[button]) for button in buttons]
        number = f.type == "number"
        field = self._fields[f.id] = ft.TextField(
            key=f"field-{f.id}",
            label=t("follow_ups.number_label" if number else "follow_ups.text_label"),
            value=self.typed.get(f.id, ""),
            keyboard_type=ft.KeyboardType.NUMBER if number else ft.KeyboardType.TEXT,
            multiline=not number,
            min_lines=1,
            max_lines=1 if number else 5,
            text_size=18,
            on_change=lambda e, fid=f.id: self._typed(fid, e.control.value or ""),
        )
        return [field]

    @staticmethod
    def _choices(f: FollowUp) -> list[tuple[AnswerValue, str]]:
        if f.type == "yes_no":
            labels = f.labels or YesNoLabels()
            return [(True, labels.yes), (False, labels.no)]
        return [(o.id, o.label) for o in f.options or []]

    def _label_of(self, f: FollowUp, value: AnswerValue | None) -> str:
        for choice, label in self._choices(f):
            if choice == value and type(choice) is type(value):
                return label
        return "" if value is None else str(value)

    def _choice_button(self, fid: str, value: AnswerValue, label: str) -> ft.Control:
        chosen = fid in self.values and self.values[fid] == value and type(self.values[fid]) is type(value)
        kind = ft.FilledButton if chosen else ft.OutlinedButton
        return ft.Semantics(selected=chosen, expand=True, content=kind(  # chosen: "selected" to a screen reader
            key=f"answer-{fid}-{str(value).lower()}",
            content=label,
            icon=ft.Icons.CHECK if chosen else None,
            height=TOUCH,
            expand=True,
            on_click=lambda _, v=value: self._choose(fid, v),
        ))

    def _done_bar(self) -> ft.Control:
        self._done = ft.FilledButton(
            key="follow-ups-done",
            content=self.ctx.t("follow_ups.done"),
            icon=ft.Icons.CHECK,
            height=64,
            expand=True,
            on_click=self._finish,
        )
        return ft.Container(
            padding=ft.Padding.symmetric(vertical=8, horizontal=12),
            content=ft.Row(controls=[self._done]),
        )

    # --- acting --------------------------------------------------------------------

    def _choose(self, fid: str, value: AnswerValue) -> None:
        if fid in self.values and self.values[fid] == value and type(self.values[fid]) is type(value):
            del self.values[fid]  # a second tap takes the choice back
        else:
            self.values[fid] = value
        self._answer_rows[fid].controls = self._answer_controls(self._follow_ups[fid])
        self.typing.cancel()  # this store holds what is typed too
        with self.typing.lock:
            self._keep_draft()

    def _typed(self, fid: str, text: str) -> None:
        if text.strip():
            self.typed[fid] = text
        else:
            self.typed.pop(fid, None)
        self._draft = (dict(self.values), dict(self.typed))
        self.typing.changed(fid, self._keep_latest_draft)

    def _keep_latest_draft(self) -> None:
        # in a worker thread: the latest snapshot, taken on the event loop
        chosen, typed = self._draft
        self.ctx.service.keep_follow_up_draft(self.uuid, chosen, typed)

    def _keep_draft(self) -> None:
        self._draft = (dict(self.values), dict(self.typed))
        self.ctx.service.keep_follow_up_draft(self.uuid, *self._draft)

    def _restore_draft(self, open_ids: set[str]) -> None:
        """What was chosen or typed here before leaving, for the follow-ups still open."""
        draft = self.ctx.service.follow_up_draft(self.uuid)
        self.values = {fid: value for fid, value in draft.chosen.items() if fid in open_ids}
        self.typed = {fid: text for fid, text in draft.typed.items() if fid in open_ids}
        self._draft = (dict(self.values), dict(self.typed))

    def _read_fields(self) -> None:
        for fid, field in self._fields.items():  # the field's text, should a change event be late
            text = field.value or ""
            if text.strip():
                self.typed[fid] = text
            else:
                self.typed.pop(fid, None)

    def save_pending(self) -> None:
        """The app goes to the background (the shopper may be checking the call log):
        keep what is chosen or typed as the draft, all of it stored now."""
        if not self._follow_ups:
            return
        self.typing.cancel()
        self._read_fields()
        with self.typing.lock:
            self._keep_draft()

    def leave(self) -> None:
        """The shopper is done with the screen: what is answered becomes one new frozen
        revision (and leaves the draft); a number that is not one stays as the draft."""
        if not self._follow_ups:
            return
        self.typing.cancel()
        self._read_fields()
        values, unreadable = self.collected()
        with self.typing.lock:
            if values:
                try:
                    self.ctx.service.answer_follow_ups(self.uuid, values)  # clears the draft
                except Exception as error:
                    self.ctx.show_error(error)
                    self._keep_draft()
                    return
                self.values = {}
                self.typed = {fid: text for fid, text in self.typed.items() if fid in unreadable}
            self._keep_draft()
        self._follow_ups = {}  # sent: nothing more to keep, however often the screen is left
        if unreadable:
            self.ctx.notify(self.ctx.t("follow_ups.invalid_number"))
        elif values:
            self.ctx.notify(self.ctx.t("follow_ups.saved"))

    def _finish(self) -> None:
        """"Done": to Today, which sends what is answered (see `leave`); not while a
        number field holds something that is not a number."""
        self._read_fields()
        if self.collected()[1]:
            self.ctx.notify(self.ctx.t("follow_ups.invalid_number"))
            return
        self.ctx.go("/")

    def collected(self) -> tuple[dict[str, AnswerValue], set[str]]:
        """The answers to send: chosen ones, and typed ones read by their type; and the
        follow-ups whose typed number is not a number."""
        values: dict[str, AnswerValue] = dict(self.values)
        unreadable: set[str] = set()
        for fid, text in self.typed.items():
            f = self._follow_ups[fid]
            try:
                values[fid] = parse_number(text) if f.type == "number" else text.strip()
            except InvalidNumber:
                unreadable.add(fid)
        return values, unreadable


def parse_number(text: str) -> int | float:
    """A number as typed on a phone: "12", "12,5" or "12.5" (spaces ignored)."""
    cleaned = text.strip().replace(" ", "").replace("\u00a0", "").replace(",", ".")
    try:
        number = float(cleaned)
    except ValueError:
        raise InvalidNumber(text) from None
    if number != number or number in (float("inf"), float("-inf")):
        raise InvalidNumber(text)
    return int(number) if number.is_integer() else number

