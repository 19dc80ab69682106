"""Today: the route's stops in order, follow-ups that are due, later days below.

A stop whose visit has stopwatches running shows them, live; so does a card on top for
running ones of visits that have no card here (unplanned, another day's). After a sync
that changed what Today shows, `refresh` redraws Today's own content in place.
"""

from __future__ import annotations

import re
from datetime import date
from urllib.parse import quote

import flet as ft

from field_app.domain.errors import UnknownChecklistError
from field_app.domain.records import VisitStatus
from field_app.domain.visit import Visit
from field_app.store import Stop

from field_app.running import RunningStopwatch, running_stopwatches

from . import look
from .context import TOUCH, AppContext
from .words import day_month, kind, local, long_date
from .stopwatch import Ticker, format_duration
from .visit_widgets import is_mounted, tagged, update_if_mounted

STATUS_COLOURS = {
    None: ft.Colors.GREY_600,
    VisitStatus.PLANNED: ft.Colors.GREY_600,
    VisitStatus.IN_PROGRESS: ft.Colors.BROWN_700,  # white on amber was 2.3:1; see look.TEXT_ON
    VisitStatus.FINALIZED: ft.Colors.GREEN_800,
    VisitStatus.SYNCED: ft.Colors.GREEN_900,
    VisitStatus.RETURNED: ft.Colors.RED_700,
}


class TodayScreen:
    route = "/"

    def __init__(self, ctx: AppContext) -> None:
        self.ctx = ctx
        self._view: ft.View | None = None
        self._times: list[tuple[ft.Text, RunningStopwatch]] = []  # what the ticker redraws
        self._ticking = False
        self._running: dict[str, list[RunningStopwatch]] = {}

    def view(self) -> ft.View:
        self._view = self._build()
        self._view.data = self
        return self._view

    def refresh(self) -> None:
        """Redraw Today's own content in place (a sync changed it); nothing else: a view
        above it, or one on its way (a stop tapped a moment ago), stays as it is."""
        if self._view is None or not is_mounted(self._view):
            return
        fresh = self._build()
        self._view.appbar, self._view.controls = fresh.appbar, fresh.controls
        self._view.update()

    def _build(self) -> ft.View:
        t = self.ctx.t
        overview = self.ctx.service.overview()
        today = self.ctx.service.today()
        self._running = self._running_by_visit()
        self._times = []
        controls: list[ft.Control] = []
        if overview.follow_ups:  # on top: answered late, they are forgotten
            controls.append(ft.Text(t("today.follow_ups"), theme_style=ft.TextThemeStyle.TITLE_MEDIUM))
            visits: dict[str, Visit] = {}
            controls.extend(self._follow_up_tile(item, visits) for item in overview.follow_ups)
        controls.append(ft.Text(self._day_title(today), theme_style=ft.TextThemeStyle.TITLE_MEDIUM))
        on_cards = {s.visit_uuid for s in [*overview.today, *overview.later] if s.visit_uuid}
        elsewhere = [r for uuid, found in self._running.items() if uuid not in on_cards for r in found]
        if elsewhere:
            controls.append(self._running_card(elsewhere))
        if overview.today:
            controls.extend(self._stop_card(stop) for stop in overview.today)
        else:
            controls.append(ft.Text(t("today.no_stops"), italic=True))
        if overview.later:
            controls.append(ft.Text(t("today.later"), theme_style=ft.TextThemeStyle.TITLE_SMALL))
            for stop in overview.later:
                controls.append(self._stop_card(stop, compact=True))
        if self._times and not self._ticking:
            self._ticking = True
            self.ctx.page.run_task(Ticker(self._alive, self._tick).run)
        return ft.View(
            route=self.route,
            appbar=ft.AppBar(
                title=ft.Text(t("today.title")),
                actions=[*self._sync_action(), ft.Semantics(
                    identifier="open-settings", label=t("today.settings"), button=True,
                    content=ft.IconButton(icon=ft.Icons.SETTINGS, tooltip=t("today.settings"),
                                          on_click=lambda: self.ctx.go("/settings")),
                )],
            ),
            controls=[ft.ListView(controls=controls, spacing=8, padding=12, expand=True)],
        )

    def _sync_action(self) -> list[ft.Control]:
        """The way to the sync screen, with a count of what waits to be sent."""
        if self.ctx.sync is None:
            return []
        t = self.ctx.t
        status = self.ctx.sync.status()
        visits, photos = status.waiting_revisions, len(status.waiting_photos)
        if not status.paired:
            icon, label = ft.Icons.CLOUD_OFF, t("today.sync_unpaired", visits=visits, photos=photos)
        elif visits or photos:
            icon, label = ft.Icons.CLOUD_UPLOAD, t("today.sync_waiting", visits=visits, photos=photos)
        else:
            icon, label = ft.Icons.CLOUD_DONE, t("today.sync_done")
        button = ft.IconButton(
            key="open-sync", icon=icon, tooltip=label, badge=str(visits + photos) if visits + photos else None,
            on_click=lambda: self.ctx.go("/sync"),
        )
        # The web client does not make a tooltip an IconButton's accessible name.
        return [ft.Semantics(content=button, identifier="open-sync", label=label, button=True)]

    def _day_title(self, day: date) -> str:
        return long_date(self.ctx.t, day)

    def _stop_card(self, stop: Stop, compact: bool = False) -> ft.Control:
        t = self.ctx.t
        dealership, assignment = stop.dealership, stop.assignment
        try:
            title = self.ctx.service.checklist(assignment.checklist_id, assignment.checklist_version).title
        except UnknownChecklistError:  # a pull left it out: written for a newer app
            title = None
        status = stop.visit_status.value if stop.visit_status else "planned"
        window = ""
        if assignment.window_start and assignment.window_end:
            window = t("today.window", start=assignment.window_start, end=assignment.window_end)
        header = f"{assignment.position}. {dealership.name}" if assignment.position else dealership.name
        if compact:
            header = t("today.on_day", day=day_month(t, assignment.day), name=header)
        lines: list[ft.Control] = [
            ft.Text(header, weight=ft.FontWeight.BOLD, size=17),
            ft.Text(title) if title is not None else ft.Text(
                t("today.checklist_unreadable"), color=look.WARNING_TEXT, key=f"unreadable-{assignment.id}"),
            ft.Row(
                controls=[
                    ft.Container(
                        content=ft.Text(t(f"today.status_{status}"), color=ft.Colors.WHITE, size=12),
                        bgcolor=STATUS_COLOURS[stop.visit_status], padding=ft.Padding.symmetric(vertical=4, horizontal=8),
                        border_radius=12,
                    ),
                    ft.Text(window, size=13),
                ],
                wrap=True,
            ),
        ]
        if dealership.address:
            lines.append(ft.Text(dealership.address, size=13, color=ft.Colors.GREY_800))
        lines.extend(self._running_rows(self._running.get(stop.visit_uuid or "", [])))
        actions: list[ft.Control] = []
        if not compact:
            if dealership.phone:
                actions.append(ft.OutlinedButton(
                    content=t("today.call", phone=dealership.phone), icon=ft.Icons.PHONE,
                    url="tel:" + re.sub(r"[^\d+]", "", dealership.phone), height=TOUCH,
                    key=f"call-{assignment.id}",
                ))
            if dealership.address or dealership.lat is not None:
                actions.append(ft.OutlinedButton(
                    content=t("today.map"), icon=ft.Icons.MAP, url=self._map_url(stop), height=TOUCH,
                    key=f"map-{assignment.id}",
                ))
            returned = stop.visit_status == VisitStatus.RETURNED
            if title is not None:
                actions.append(ft.FilledButton(
                    content=t(self._action_key(stop)),
                    icon=ft.Icons.EDIT if returned else ft.Icons.PLAY_ARROW, height=TOUCH,
                    key=f"start-{assignment.id}", on_click=lambda _, s=stop: self._open(s),
                ))
            lines.append(ft.Row(controls=actions, wrap=True, spacing=8, run_spacing=8))
        return ft.Card(key=f"stop-{assignment.id}",
                       content=ft.Container(content=ft.Column(controls=lines, spacing=6), padding=12))

    @staticmethod
    def _action_key(stop: Stop) -> str:
        if stop.visit_uuid is None:
            return "today.start"
        if stop.visit_status == VisitStatus.RETURNED:
            return "today.correct"
        if stop.visit_status in (VisitStatus.FINALIZED, VisitStatus.SYNCED):
            return "today.open"
        return "today.continue"

    @staticmethod
    def _map_url(stop: Stop) -> str:
        # An https link opens the maps app on a phone and a map in any browser; geo: does not.
        d = stop.dealership
        query = f"{d.lat},{d.lon}" if d.lat is not None and d.lon is not None else f"{d.address}, {d.city}"
        return "https://www.google.com/maps/search/?api=1&query=" + quote(query)

    def _follow_up_tile(self, item, visits: dict[str, Visit]) -> ft.Control:
        """A question about a past visit: tinted and with a bell, the visit's date and
        dealership under it, so that it never reads as one of today's stops."""
        t = self.ctx.t
        visit = visits.get(item.visit_uuid) or visits.setdefault(item.visit_uuid, self.ctx.service.visit(item.visit_uuid))
        day, _ = local(visit.started_at)
        about = t(f"today.follow_up_{kind(visit.checklist)}", date=long_date(t, day),
                  name=item.dealership_name or item.checklist_title)
        key = f"follow-up-{item.visit_uuid}-{item.follow_up.id}"
        return tagged(ft.Card(key=key, bgcolor=look.FOLLOW_UP_BG, content=ft.ListTile(
            leading=ft.Icon(ft.Icons.NOTIFICATIONS_ACTIVE, color=look.WARNING_TEXT),
            title=ft.Text(item.follow_up.text, weight=ft.FontWeight.W_500),
            subtitle=ft.Text(about, color=ft.Colors.GREY_800),
            min_height=TOUCH,
            on_click=lambda _, u=item.visit_uuid: self.ctx.go(f"/follow-ups/{u}"),
        )), key)

    # --- running stopwatches ----------------------------------------------------------

    def _running_by_visit(self) -> dict[str, list[RunningStopwatch]]:
        found: dict[str, list[RunningStopwatch]] = {}
        for running in running_stopwatches(self.ctx.service):
            found.setdefault(running.visit_uuid, []).append(running)
        return found

    def _running_rows(self, running: list[RunningStopwatch], named: bool = False) -> list[ft.Control]:
        """A line per running stopwatch, its time live; a tap opens its question. `named`:
        with the dealership (or "unplanned visit"), off its stop's card."""
        now = self.ctx.service.now()
        rows: list[ft.Control] = []
        for r in running:
            time = ft.Text(format_duration(r.seconds(now)), size=18, weight=ft.FontWeight.BOLD)
            self._times.append((time, r))
            label = r.question_text
            if named:
                label = self.ctx.t("visit.running_other", name=r.dealership_name or self.ctx.t("visit.unplanned"),
                                   question=label)
            route = f"/visit/{r.visit_uuid}/{r.section_id}?question={r.question_id}"
            rows.append(tagged(ft.Container(
                key=f"running-{r.visit_uuid}-{r.question_id}",
                height=48, ink=True, border_radius=8, bgcolor=ft.Colors.AMBER_100,
                padding=ft.Padding.symmetric(horizontal=8),
                on_click=lambda _, route=route: self.ctx.go(route),
                content=ft.Row(vertical_alignment=ft.CrossAxisAlignment.CENTER, controls=[
                    ft.Icon(ft.Icons.TIMER, color=ft.Colors.RED_700),
                    ft.Text(label, expand=True, max_lines=1, overflow=ft.TextOverflow.ELLIPSIS),
                    time,
                ]),
            ), f"running-{r.visit_uuid}-{r.question_id}"))
        return rows

    def _running_card(self, running: list[RunningStopwatch]) -> ft.Control:
        """Running stopwatches of visits with no card on Today (unplanned, another day's)."""
        return ft.Card(key="running-elsewhere", content=ft.Container(padding=12, content=ft.Column(
            spacing=6, controls=[
                ft.Text(self.ctx.t("visit.running_title"), weight=ft.FontWeight.BOLD, size=17),
                *self._running_rows(running, named=True),
            ])))

    def _alive(self) -> bool:
        page = self.ctx.page
        alive = bool(page.views) and page.views[-1] is self._view
        self._ticking = alive
        return alive

    def _tick(self) -> None:
        now = self.ctx.service.now()
        for label, running in self._times:
            value = format_duration(running.seconds(now))
            if label.value != value:
                label.value = value
                update_if_mounted(label)

    def _open(self, stop: Stop) -> None:
        if stop.visit_uuid is not None and stop.visit_status == VisitStatus.RETURNED:
            self.ctx.go(f"/review/{stop.visit_uuid}")  # the coordinator's comment, and "correct it"
            return
        try:
            uuid = self.ctx.service.open_stop(stop.assignment.id)
        except Exception as error:
            self.ctx.show_error(error)
            return
        if stop.visit_uuid is None and self.ctx.locations is not None:
            self.ctx.locations.start(uuid)  # in the background: the visit opens at once
        self.ctx.go(f"/visit/{uuid}")
