"""A `datetime` question's answer area: the moment the shopper recorded ("when did you
collect the car?"), shown in the dealership's time zone, with big buttons to record it.

    unanswered    «Время не указано»      [ Сейчас ] [ Другое время ]
    answered      4 декабря 2026, 14:30    По времени дилерского центра (UTC+10)
                  [ Изменить ] [ Очистить ]

«Сейчас» records the current moment. «Другое время» / «Изменить» open Flutter's date
picker, then its time picker (both thumb-sized dialogs in the UI's language); the moment is
stored in the dealership's time zone, with its offset, as soon as it is complete (a new date
of a moment already recorded is stored with its time before the time is asked).
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import flet as ft

from field_app.domain.checklist import Question
from field_app.domain.due import parse_moment
from field_app.domain.visit import Visit

from .visit_widgets import VisitActions, big_button, tagged
from .words import date_time, utc_offset

# The date picker speaks in the device's local midnights and Flet sends them as UTC: a day
# is sent as this hour of it in UTC, and read back from a midnight by this shift. Both are
# exact for every offset from UTC−11 to UTC+12 (all of Russia is +2 to +12).
DAY_SENT_AT = time(11, 0)
MIDNIGHT_SHIFT = timedelta(hours=12)


def recorded(visit: Visit, question_id: str) -> datetime | None:
    """The moment the question holds, or None (unanswered, N/A)."""
    answer = visit.answers.get(question_id)
    return None if answer is None or answer.na else parse_moment(answer.value)


def moment_area(actions: VisitActions, q: Question, visit: Visit, now: datetime) -> list[ft.Control]:
    t = actions.ctx.t
    moment = recorded(visit, q.id)
    if moment is None:
        return [
            tagged(ft.Text(t("visit.datetime_none"), key=f"datetime-{q.id}-value", size=16, italic=True,
                           color=ft.Colors.GREY_700), f"datetime-{q.id}-value"),
            ft.Row(spacing=8, controls=[
                big_button(t("visit.datetime_now"), key=f"datetime-{q.id}-now", icon=ft.Icons.SCHEDULE,
                           filled=True, expand=True, on_click=lambda: actions.record_moment(q.id, None)),
                big_button(t("visit.datetime_other"), key=f"datetime-{q.id}-pick", icon=ft.Icons.EDIT_CALENDAR,
                           expand=True, on_click=lambda: MomentPicker(actions, q.id, visit.timezone, None).open()),
            ]),
        ]
    return [
        tagged(ft.Text(date_time(t, moment, visit.timezone), key=f"datetime-{q.id}-value", size=22,
                       weight=ft.FontWeight.BOLD), f"datetime-{q.id}-value"),
        ft.Text(t("common.dealership_time", offset=utc_offset(moment, visit.timezone)),
                key=f"datetime-{q.id}-zone", size=13, color=ft.Colors.GREY_700),
        ft.Row(spacing=8, controls=[
            big_button(t("visit.datetime_change"), key=f"datetime-{q.id}-pick", icon=ft.Icons.EDIT_CALENDAR,
                       expand=True, on_click=lambda: MomentPicker(actions, q.id, visit.timezone, moment).open()),
            big_button(t("visit.datetime_clear"), key=f"datetime-{q.id}-clear", icon=ft.Icons.CLEAR,
                       expand=True, on_click=lambda: actions.clear_answer(q.id)),
        ]),
    ]


class MomentPicker:
    """Date, then time, for one question: what the shopper picks is read as the
    dealership's wall clock."""

    def __init__(self, actions: VisitActions, question_id: str, zone: str, moment: datetime | None) -> None:
        self.actions = actions
        self.question_id = question_id
        self.zone = ZoneInfo(zone)
        self.moment = moment.astimezone(self.zone) if moment is not None else None
        self.day: date | None = None

    def open(self) -> None:
        t = self.actions.ctx.t
        now = self.actions.ctx.service.now()
        shown = self.moment or now.astimezone(self.zone)
        self.time_shown = shown.time().replace(second=0, microsecond=0)
        self.actions.ctx.page.show_dialog(ft.DatePicker(
            value=day_sent(shown.date()),
            current_date=day_sent(now.astimezone(self.zone).date()),
            help_text=t("visit.datetime_pick_date"),
            on_change=self._date_picked,
        ))

    def _date_picked(self, e: ft.Event[ft.DatePicker]) -> None:
        value = e.control.value
        if not isinstance(value, datetime):
            return
        self.day = day_received(value)
        if self.moment is not None:  # a new date of a moment recorded: stored now, its time kept
            self._store(self.moment.time())
        self.actions.ctx.page.show_dialog(ft.TimePicker(
            value=self.time_shown,
            hour_format=ft.TimePickerHourFormat.H24,
            # Typed hours and minutes: the dial's face and hour box have no name for a screen reader.
            entry_mode=ft.TimePickerEntryMode.INPUT,
            help_text=self.actions.ctx.t("visit.datetime_pick_time"),
            on_change=self._time_picked,
        ))

    def _time_picked(self, e: ft.Event[ft.TimePicker]) -> None:
        value = e.control.value
        if isinstance(value, time) and self.day is not None:
            self._store(value)

    def _store(self, at: time) -> None:
        assert self.day is not None
        moment = datetime.combine(self.day, at.replace(second=0, microsecond=0), tzinfo=self.zone)
        self.moment = moment
        self.actions.record_moment(self.question_id, moment)


def day_sent(day: date) -> datetime:
    """A day as the date picker is given it (see `DAY_SENT_AT`)."""
    return datetime.combine(day, DAY_SENT_AT, tzinfo=timezone.utc)


def day_received(value: datetime) -> date:
    """The day the shopper picked: the picker sends the device's local midnight of it."""
    if value.tzinfo is None:
        return value.date()
    return (value.astimezone(timezone.utc) + MIDNIGHT_SHIFT).date()
