"""Follow-ups: the questions answered days after a finalized visit (did the dealer call
back? was the car ready on time?).

Due ones get big answer buttons (or a field); saving makes and freezes a new revision of
the visit. What is chosen or typed and not saved is kept as a draft when the screen goes
(back, or the app to the background) and shown again on return. Ones answered before are
shown as answered; ones not yet due show from when they can be answered.
"""

from __future__ import annotations

import flet as ft

from field_app.domain.checklist import AnswerValue, FollowUp, YesNoLabels
from field_app.domain.records import VisitStatus
from field_app.domain.visit import DueFollowUp, Visit

from .context import TOUCH, AppContext
from .words import day_month, kind, local, long_date

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
        self._save: ft.FilledButton | None = None

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
            controls.extend(self._open_card(d) for d in open_)
            answered = [d for d in due if d.answered]
            controls.extend(self._answered_card(visit, d) for d in answered)
            upcoming = self._upcoming(visit, due)
            if upcoming:
                controls.append(ft.Text(t("follow_ups.upcoming"), theme_style=ft.TextThemeStyle.TITLE_SMALL))
                controls.extend(self._upcoming_card(d) for d in upcoming)
            if open_:
                body.append(self._save_bar())

        return ft.View(
            route=self.route,
            padding=0,
            spacing=0,
            appbar=ft.AppBar(title=ft.Text(t(f"follow_ups.title_{self.kind}"))),
            controls=[ft.ListView(controls=controls, spacing=8, padding=12, expand=True), *body],
        )

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

    def _open_card(self, due: DueFollowUp) -> ft.Control:
        f = due.follow_up
        self._follow_ups[f.id] = f
        row = ft.Column(controls=self._answer_controls(f), spacing=8)
        self._answer_rows[f.id] = row
        return self._card(f"follow-up-{f.id}", [*self._question_lines(f), row])

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

    def _upcoming_card(self, due: DueFollowUp) -> ft.Control:
        t = self.ctx.t
        day, time = local(due.due_at)
        return self._card(f"upcoming-{due.follow_up.id}", [
            *self._question_lines(due.follow_up),
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

    def _save_bar(self) -> ft.Control:
        self._save = ft.FilledButton(
            key="save-follow-ups",
            content=self.ctx.t("follow_ups.save"),
            icon=ft.Icons.SAVE,
            height=64,
            expand=True,
            disabled=True,
            on_click=self._submit,
        )
        self._refresh_save()
        return ft.Container(
            padding=ft.Padding.symmetric(vertical=8, horizontal=12),
            content=ft.Row(controls=[self._save]),
        )

    # --- acting --------------------------------------------------------------------

    def _choose(self, fid: str, value: AnswerValue) -> None:
        if fid in self.values and self.values[fid] == value and type(self.values[fid]) is type(value):
            del self.values[fid]  # a second tap takes the choice back
        else:
            self.values[fid] = value
        self._answer_rows[fid].controls = self._answer_controls(self._follow_ups[fid])
        self._refresh_save()

    def _typed(self, fid: str, text: str) -> None:
        if text.strip():
            self.typed[fid] = text
        else:
            self.typed.pop(fid, None)
        self._refresh_save()

    def _refresh_save(self) -> None:
        if self._save is not None:
            self._save.disabled = not (self.values or self.typed)

    def _restore_draft(self, open_ids: set[str]) -> None:
        """What was chosen or typed here before leaving, for the follow-ups still open."""
        draft = self.ctx.service.follow_up_draft(self.uuid)
        self.values = {fid: value for fid, value in draft.chosen.items() if fid in open_ids}
        self.typed = {fid: text for fid, text in draft.typed.items() if fid in open_ids}

    def save_pending(self) -> None:
        """Keep what is chosen or typed and not saved (the screen is going, or the app to
        the background) as a draft; saving stays the shopper's act, as it freezes a
        revision."""
        if not self._follow_ups:
            return
        for fid, field in self._fields.items():
            self._typed(fid, field.value or "")  # the field's text, should a change event be late
        self.ctx.service.keep_follow_up_draft(self.uuid, self.values, self.typed)

    def collected(self) -> dict[str, AnswerValue]:
        """The answers to save: chosen ones, and typed ones read by their type."""
        values = dict(self.values)
        for fid, text in self.typed.items():
            f = self._follow_ups[fid]
            values[fid] = parse_number(text) if f.type == "number" else text.strip()
        return values

    def _submit(self) -> None:
        try:
            values = self.collected()
        except InvalidNumber:
            self.ctx.notify(self.ctx.t("follow_ups.invalid_number"))
            return
        if not values:
            return
        try:
            self.ctx.service.answer_follow_ups(self.uuid, values)
        except Exception as error:
            self.ctx.show_error(error)
            return
        self.values, self.typed, self._follow_ups = {}, {}, {}  # saved: no draft to keep on leaving
        self.ctx.go("/")
        self.ctx.notify(self.ctx.t("follow_ups.saved"))


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

