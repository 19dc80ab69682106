"""Today: the route's stops in order, follow-ups that are due, later days below."""

from __future__ import annotations

import re
from datetime import date
from urllib.parse import quote

import flet as ft

from field_app.domain.records import VisitStatus
from field_app.domain.visit import Visit
from field_app.store import Stop

from . import look
from .context import TOUCH, AppContext
from .visit_widgets import tagged
from .words import day_month, kind, local, long_date

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

    def view(self) -> ft.View:
        t = self.ctx.t
        overview = self.ctx.service.overview()
        today = self.ctx.service.today()
        controls: list[ft.Control] = []
        if overview.follow_ups:  # on top: answered late, they are forgotten
            controls.append(ft.Text(t("today.follow_ups"), theme_style=ft.TextThemeStyle.TITLE_MEDIUM))
            visits: dict[str, Visit] = {}
            controls.extend(self._follow_up_tile(item, visits) for item in overview.follow_ups)
        controls.append(ft.Text(self._day_title(today), theme_style=ft.TextThemeStyle.TITLE_MEDIUM))
        if overview.today:
            controls.extend(self._stop_card(stop) for stop in overview.today)
        else:
            controls.append(ft.Text(t("today.no_stops"), italic=True))
        if overview.later:
            controls.append(ft.Text(t("today.later"), theme_style=ft.TextThemeStyle.TITLE_SMALL))
            for stop in overview.later:
                controls.append(self._stop_card(stop, compact=True))
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
        checklist = self.ctx.service.checklist(assignment.checklist_id, assignment.checklist_version)
        status = stop.visit_status.value if stop.visit_status else "planned"
        window = ""
        if assignment.window_start and assignment.window_end:
            window = t("today.window", start=assignment.window_start, end=assignment.window_end)
        header = f"{assignment.position}. {dealership.name}" if assignment.position else dealership.name
        if compact:
            header = t("today.on_day", day=day_month(t, assignment.day), name=header)
        lines: list[ft.Control] = [
            ft.Text(header, weight=ft.FontWeight.BOLD, size=17),
            ft.Text(checklist.title),
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
            actions.append(ft.FilledButton(
                content=t(self._action_key(stop)),
                icon=ft.Icons.EDIT if returned else ft.Icons.PLAY_ARROW, height=TOUCH, key=f"start-{assignment.id}",
                on_click=lambda _, s=stop: self._open(s),
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

    def _open(self, stop: Stop) -> None:
        if stop.visit_uuid is not None and stop.visit_status == VisitStatus.RETURNED:
            self.ctx.go(f"/review/{stop.visit_uuid}")  # the coordinator's comment, and "correct it"
            return
        try:
            uuid = self.ctx.service.open_stop(stop.assignment.id)
        except Exception as error:
            self.ctx.show_error(error)
            return
        self.ctx.go(f"/visit/{uuid}")
