"""Review: what still stops the visit from being finalized (each a tap away), the moments
recorded (in the dealership's time zone), the score by section and in total, and the big
"finalize" button.

A finalized (or sent, or returned) visit is shown read-only: its scores, when it was
finalized, and a way to the follow-up questions when some are due. A returned one says
so, with the coordinator's comment when the sync client kept it, and "Correct it", which
reopens it as its next revision.
"""

from __future__ import annotations

from itertools import groupby

import flet as ft

from field_app.domain.records import VisitStatus
from field_app.domain.scoring import Score
from field_app.domain.visit import EDITABLE, Missing, Visit

from . import look
from .context import TOUCH, AppContext
from .moment import recorded
from .sync_runner import returned_comment
from .visit_widgets import update_if_mounted
from .words import date_time, kind, local, long_date, utc_offset

FOLLOW_UPS_SCORE = "follow_ups"  # the key `Visit.score` gives the follow-ups' score

REASON_ICONS = {
    "unanswered": ft.Icons.HELP_OUTLINE,
    "photos": ft.Icons.PHOTO_CAMERA_OUTLINED,
    "timer_running": ft.Icons.TIMER_OUTLINED,
}


class ReviewScreen:
    def __init__(self, ctx: AppContext, uuid: str) -> None:
        self.ctx = ctx
        self.uuid = uuid
        self.route = f"/review/{uuid}"
        self.finalize_button: ft.FilledButton | None = None

    # --- building ------------------------------------------------------------------

    def view(self) -> ft.View:
        t = self.ctx.t
        service = self.ctx.service
        visit = service.visit(self.uuid)
        review = service.review(self.uuid)
        editable = visit.status in EDITABLE
        self.kind = kind(visit.checklist)  # a call is called a call

        controls: list[ft.Control] = [*self._header(visit)]
        if editable:
            controls.extend(self._missing(visit, review.missing))
        else:
            controls.extend(self._frozen(visit))
        controls.extend(self._moments(visit))
        controls.extend(self._scores(visit, review.score.sections, review.score.total))

        body: list[ft.Control] = [ft.ListView(controls=controls, spacing=8, padding=12, expand=True)]
        if editable:
            body.append(self._finalize_bar(ready=not review.missing))
            if not review.missing:
                self._ask_finish_location()  # while the shopper reads the scores
        return ft.View(
            route=self.route,
            padding=0,
            spacing=0,
            appbar=ft.AppBar(title=ft.Text(t(f"review.title_{self.kind}"))),
            controls=body,
        )

    def _header(self, visit: Visit) -> list[ft.Control]:
        stop = self.ctx.service.stop_of(visit)
        lines: list[ft.Control] = []
        if stop is not None:
            lines.append(ft.Text(stop.dealership.name, weight=ft.FontWeight.BOLD, size=17))
        lines.append(ft.Text(visit.checklist.title, theme_style=ft.TextThemeStyle.TITLE_MEDIUM))
        return lines

    def _missing(self, visit: Visit, missing: list[Missing]) -> list[ft.Control]:
        t = self.ctx.t
        if not missing:
            return [ft.Container(
                key="nothing-missing",
                bgcolor=ft.Colors.GREEN_50, border_radius=12, padding=12,
                content=ft.Row(controls=[
                    ft.Icon(ft.Icons.CHECK_CIRCLE, color=ft.Colors.GREEN_700),
                    ft.Text(t(f"review.nothing_missing_{self.kind}"), expand=True),
                ]),
            )]
        sections = {s.id: s for s in visit.checklist.sections}
        controls: list[ft.Control] = [
            ft.Text(t("review.missing_title", count=len(missing)), theme_style=ft.TextThemeStyle.TITLE_MEDIUM),
        ]
        for section_id, items in groupby(missing, key=lambda m: m.section_id):
            section = sections[section_id]
            tiles: list[ft.Control] = [
                ft.Text(section.title, theme_style=ft.TextThemeStyle.TITLE_SMALL, color=ft.Colors.PRIMARY),
            ]
            tiles.extend(self._missing_tile(visit, item) for item in items)
            controls.append(ft.Card(
                key=f"missing-section-{section_id}",
                content=ft.Container(content=ft.Column(controls=tiles, spacing=0), padding=8),
            ))
        return controls

    def _missing_tile(self, visit: Visit, item: Missing) -> ft.Control:
        question = visit.question(item.question_id)
        return ft.ListTile(
            key=f"missing-{item.question_id}-{item.reason}",
            leading=ft.Icon(REASON_ICONS.get(item.reason, ft.Icons.ERROR_OUTLINE), color=ft.Colors.AMBER_800),
            title=ft.Text(question.text),
            subtitle=ft.Text(self._reason(item), color=look.WARNING_TEXT),
            trailing=ft.Icon(ft.Icons.CHEVRON_RIGHT),
            min_height=TOUCH,
            # to the question itself, marked, with a way straight back here
            on_click=lambda _, s=item.section_id, q=item.question_id: self.ctx.go(
                f"/visit/{self.uuid}/{s}?question={q}&from=review"),
        )

    def _reason(self, item: Missing) -> str:
        t = self.ctx.t
        if item.reason == "photos":
            return t("review.reason_photos", count=item.needed)
        if item.reason == "timer_running":
            return t("review.reason_timer_running")
        return t("review.reason_unanswered")

    def _frozen(self, visit: Visit) -> list[ft.Control]:
        t = self.ctx.t
        if visit.status == VisitStatus.RETURNED:
            message, icon, colour = t(f"review.returned_{self.kind}"), ft.Icons.UNDO, ft.Colors.RED_700
        else:
            day, time = local(visit.finalized_at or self.ctx.service.now())
            message = t(f"review.finalized_on_{self.kind}", date=long_date(t, day), time=time)
            icon, colour = ft.Icons.LOCK, ft.Colors.GREEN_800
        controls: list[ft.Control] = [ft.Container(
            key="finalized",
            bgcolor=ft.Colors.SURFACE_CONTAINER_HIGHEST, border_radius=12, padding=12,
            content=ft.Row(controls=[ft.Icon(icon, color=colour), ft.Text(message, expand=True)]),
        )]
        if visit.status == VisitStatus.RETURNED:
            controls.extend(self._returned())
        due = [d for d in visit.follow_ups_due(self.ctx.service.now()) if not d.answered]
        if due:
            controls.append(ft.FilledTonalButton(
                key="open-follow-ups",
                content=t(f"review.answer_follow_ups_{self.kind}", count=len(due)),
                icon=ft.Icons.NOTIFICATIONS_ACTIVE,
                height=TOUCH,
                on_click=lambda: self.ctx.go(f"/follow-ups/{self.uuid}"),
            ))
        return controls

    def _returned(self) -> list[ft.Control]:
        t = self.ctx.t
        controls: list[ft.Control] = []
        comment = returned_comment(self.ctx.sync, self.uuid)
        if comment:
            controls.append(ft.Container(
                key="returned-comment",
                bgcolor=ft.Colors.RED_50, border_radius=12, padding=12,
                content=ft.Column(spacing=4, controls=[
                    ft.Text(t("review.returned_comment"), weight=ft.FontWeight.BOLD, size=13),
                    ft.Text(comment, selectable=True),
                ]),
            ))
        controls.append(ft.FilledButton(
            key="reopen",
            content=t(f"review.reopen_{self.kind}"),
            icon=ft.Icons.EDIT,
            height=TOUCH,
            on_click=self._reopen,
        ))
        return controls

    def _moments(self, visit: Visit) -> list[ft.Control]:
        """The `datetime` answers, as the visit screen shows them: follow-ups count from them."""
        t = self.ctx.t
        shown = visit.visible(self.ctx.service.now())
        rows: list[ft.Control] = []
        for q in visit.checklist.questions():
            moment = recorded(visit, q.id) if q.type == "datetime" and q.id in shown else None
            if moment is None:
                continue
            rows.append(ft.Column(key=f"moment-{q.id}", spacing=2, controls=[
                ft.Text(q.text),
                ft.Text(date_time(t, moment, visit.timezone), key=f"moment-{q.id}-value", size=17,
                        weight=ft.FontWeight.BOLD),
                ft.Text(t("common.dealership_time", offset=utc_offset(moment, visit.timezone)),
                        size=13, color=ft.Colors.GREY_700),
            ]))
        if not rows:
            return []
        return [
            ft.Text(t("review.moments_title"), theme_style=ft.TextThemeStyle.TITLE_MEDIUM),
            ft.Card(content=ft.Container(content=ft.Column(controls=rows, spacing=12), padding=12)),
        ]

    def _scores(self, visit: Visit, sections: dict[str, Score], total: Score) -> list[ft.Control]:
        t = self.ctx.t
        titles = {s.id: s.title for s in visit.checklist.sections}
        titles[FOLLOW_UPS_SCORE] = t(f"review.follow_ups_score_{self.kind}")
        rows: list[ft.Control] = []
        for section_id, score in sections.items():
            rows.append(self._score_row(f"score-{section_id}", titles.get(section_id, section_id), score))
        rows.append(ft.Divider())
        rows.append(self._score_row("score-total", t("review.total"), total, bold=True))
        return [
            ft.Text(t("review.scores_title"), theme_style=ft.TextThemeStyle.TITLE_MEDIUM),
            ft.Card(content=ft.Container(content=ft.Column(controls=rows, spacing=4), padding=12)),
        ]

    def _score_row(self, key: str, title: str, score: Score, bold: bool = False) -> ft.Control:
        weight = ft.FontWeight.BOLD if bold else None
        return ft.Row(
            controls=[
                ft.Text(title, expand=True, weight=weight),
                ft.Text(self.percent(score), key=key, weight=weight, size=18 if bold else 15),
            ],
        )

    def percent(self, score: Score) -> str:
        if score.percent is None:
            return self.ctx.t("review.no_score")
        return self.ctx.t("review.percent", value=round(score.percent))

    def _finalize_bar(self, ready: bool) -> ft.Control:
        """The big button at the bottom, under the thumb; why it is off when it is."""
        t = self.ctx.t
        button = ft.FilledButton(
            key="finalize",
            content=t(f"review.finalize_{self.kind}"),
            icon=ft.Icons.CHECK,
            height=64,
            expand=True,
            disabled=not ready,
            on_click=self._ask_finalize,
        )
        self.finalize_button = button
        controls: list[ft.Control] = []
        if not ready:
            controls.append(ft.Text(t("review.finalize_hint"), size=13, color=ft.Colors.GREY_700))
        controls.append(ft.Row(controls=[button]))
        return ft.Container(
            padding=ft.Padding.symmetric(vertical=8, horizontal=12),
            content=ft.Column(controls=controls, spacing=4),
        )

    # --- acting --------------------------------------------------------------------

    def _ask_finish_location(self) -> None:
        """Where the shopper finalizes: asked in the background, ahead of the tap (the
        revision is frozen at the tap; see `location.recorder`)."""
        if self.ctx.locations is not None:
            self.ctx.locations.finish(self.uuid)

    def _ask_finalize(self) -> None:
        t = self.ctx.t
        self._ask_finish_location()  # again if the one asked on opening is old
        self.ctx.confirm(
            t(f"review.confirm_title_{self.kind}"), t(f"review.confirm_message_{self.kind}"), t("review.confirm_finalize"),
            self._finalize,
        )

    def _reopen(self) -> None:
        try:
            self.ctx.service.reopen(self.uuid)
        except Exception as error:
            self.ctx.show_error(error)
            return
        self.ctx.go(f"/visit/{self.uuid}")

    def _finalize(self) -> None:
        """Freeze the revision. Handlers run on the session's event loop: while location
        fixes of the visit are still being taken, finalizing goes on in a task of its own
        that waits for them at most `location.FINALIZE_WAIT_S` (the button, off, shows it
        is at work); with none, at once."""
        locations = self.ctx.locations
        if locations is not None and locations.running(self.uuid):
            if self.finalize_button is not None:
                self.finalize_button.disabled = True
                update_if_mounted(self.finalize_button)
            self.ctx.page.run_task(self._finalize_after_fixes)
            return
        self._finalize_now()

    async def _finalize_after_fixes(self) -> None:
        if self.ctx.locations is not None:
            await self.ctx.locations.settle(self.uuid)
        self._finalize_now()

    def _finalize_now(self) -> None:
        try:
            self.ctx.service.finalize(self.uuid)
        except Exception as error:
            self.ctx.show_error(error)
            if self.finalize_button is not None and self.finalize_button.disabled:
                self.finalize_button.disabled = False
                update_if_mounted(self.finalize_button)
            return
        self.ctx.go("/")
        self.ctx.notify(self.ctx.t(f"review.finalized_notice_{self.kind}"))
