"""Sync: whose phone this is and which server it talks to, when it last synced, what is
still waiting (visits, and each photo with how much of it the server has), the last
problem in plain words, what the server refused, "Sync now" with live progress, and
unpairing behind a question.

An unpaired phone gets a card that says what pairing is for and a way to /pair.
Runs go through the session's `SyncRunner`; while this screen is shown it is the runner's
watcher and moves its progress bars as the sync client reports.
"""

from __future__ import annotations

import asyncio
from typing import Any

import flet as ft

from .context import TOUCH, AppContext
from .sync_runner import failure_kind
from .sync_text import problem_text, reason, retry_text, size_text, when_text
from .visit_widgets import is_mounted, update_if_mounted

THUMB = 48


class SyncScreen:
    route = "/sync"

    def __init__(self, ctx: AppContext) -> None:
        self.ctx = ctx
        self.bars: dict[str, tuple[ft.ProgressBar, ft.Text, int]] = {}  # sha256 -> bar, text, size
        self.phase = ft.Text(key="sync-phase", size=14)
        self.overall = ft.ProgressBar(key="sync-overall", value=None, bar_height=8, border_radius=4)
        self.progress_box = ft.Column(key="sync-progress", spacing=4, visible=False,
                                      controls=[self.phase, self.overall])
        self.sync_button: ft.FilledButton | None = None
        self.unpair_button: ft.OutlinedButton | None = None

    # --- building ------------------------------------------------------------------

    def view(self) -> ft.View:
        t = self.ctx.t
        status = self.ctx.sync.status()
        runner = self.ctx.sync_runner
        runner.watcher = self

        controls: list[ft.Control] = []
        if status.paired:
            controls.append(self._account(status))
        else:
            controls.append(self._unpaired())
        if status.last_problem is not None and (status.paired or status.last_problem.kind == "unpaired"):
            controls.append(self._problem(status.last_problem))
        controls.extend(self._waiting(status))
        controls.extend(self._refused(status.refused))
        if status.paired:
            self.unpair_button = ft.OutlinedButton(
                key="unpair", content=t("sync.unpair"), icon=ft.Icons.LINK_OFF, height=TOUCH,
                on_click=self._ask_unpair,
            )
            controls.append(ft.Container(padding=ft.Padding.only(top=16), content=self.unpair_button))

        body: list[ft.Control] = [ft.ListView(controls=controls, spacing=8, padding=12, expand=True)]
        if status.paired:
            body.append(self._sync_bar())
            if runner.busy():
                self._show_running(runner.progress)
        return ft.View(
            route=self.route,
            padding=0,
            spacing=0,
            appbar=ft.AppBar(title=ft.Text(t("sync.title"))),
            controls=body,
        )

    def _account(self, status: Any) -> ft.Control:
        t = self.ctx.t
        lines = [
            ft.Text(t("sync.shopper", name=status.shopper_name or "—"), weight=ft.FontWeight.BOLD, size=17),
            ft.Text(t("sync.server", url=status.server_url or "—"), size=14),
        ]
        if status.device_name:
            lines.append(ft.Text(t("sync.device", name=status.device_name), size=14))
        lines.append(ft.Text(
            t("sync.last_success", when=when_text(t, status.last_success_at, self.ctx.service.now())),
            key="sync-last", size=14,
        ))
        return ft.Card(key="sync-account", content=ft.Container(
            padding=12, content=ft.Column(controls=lines, spacing=4)))

    def _unpaired(self) -> ft.Control:
        t = self.ctx.t
        return ft.Card(key="sync-unpaired", content=ft.Container(padding=12, content=ft.Column(spacing=8, controls=[
            ft.Row(controls=[
                ft.Icon(ft.Icons.CLOUD_OFF, color=ft.Colors.GREY_700),
                ft.Text(t("sync.unpaired_title"), weight=ft.FontWeight.BOLD, size=17, expand=True),
            ]),
            ft.Text(t("sync.unpaired_text")),
            ft.FilledButton(key="go-pair", content=t("sync.go_pair"), icon=ft.Icons.LINK, height=TOUCH,
                            on_click=lambda: self.ctx.go("/pair")),
        ])))

    def _problem(self, problem: Any) -> ft.Control:
        t = self.ctx.t
        network = problem.kind == "network"
        icon, colour = (ft.Icons.WIFI_OFF, ft.Colors.AMBER_800) if network else (ft.Icons.ERROR, ft.Colors.RED_700)
        return ft.Container(
            key="sync-problem",
            bgcolor=ft.Colors.AMBER_50 if network else ft.Colors.RED_50, border_radius=12, padding=12,
            content=ft.Row(vertical_alignment=ft.CrossAxisAlignment.START, controls=[
                ft.Icon(icon, color=colour),
                ft.Column(expand=True, spacing=2, controls=[
                    ft.Text(problem_text(t, problem), key="sync-problem-text"),
                    ft.Text(t("sync.problem_at", when=when_text(t, problem.at, self.ctx.service.now())),
                            size=12, color=ft.Colors.GREY_700),
                ]),
            ]),
        )

    def _waiting(self, status: Any) -> list[ft.Control]:
        t = self.ctx.t
        controls: list[ft.Control] = [ft.Text(t("sync.waiting_title"), theme_style=ft.TextThemeStyle.TITLE_MEDIUM)]
        if status.waiting_revisions or status.waiting_photos:
            controls.append(ft.Text(t("sync.waiting_visits", count=status.waiting_revisions),
                                    key="sync-waiting-visits"))
            controls.append(ft.Text(t("sync.waiting_size", size=size_text(t, status.waiting_bytes)),
                                    key="sync-waiting-size"))
        elif not status.held_visits:
            controls.append(ft.Text(t("sync.nothing_waiting"), key="sync-nothing-waiting"))
        for kind in ("photo", "recording"):  # photos first, then call recordings, each numbered
            files = [f for f in status.waiting_photos if f.kind == kind]
            if files:
                controls.append(ft.Text(t(f"sync.waiting_{kind}s", count=len(files)), key=f"sync-waiting-{kind}s"))
                controls.extend(self._photo_row(number, f) for number, f in enumerate(files, 1))
        if status.held_visits:
            # Told apart from what this account sends, so another shopper's visits do not look lost.
            controls.append(ft.Text(t("sync.held_visits", count=status.held_visits), key="sync-held-visits"))
        return controls

    def _photo_row(self, number: int, photo: Any) -> ft.Control:
        t = self.ctx.t
        sha, size = photo.sha256, photo.bytes
        bar = ft.ProgressBar(key=f"sync-photo-bar-{sha}", value=_fraction(photo.sent, size), bar_height=6,
                             border_radius=3)
        sent = ft.Text(self._sent_text(photo.sent, size), key=f"sync-photo-sent-{sha}", size=12,
                       color=ft.Colors.GREY_700)
        self.bars[sha] = (bar, sent, size)
        recording = photo.kind == "recording"
        thumb = None if recording else self._thumbnail(sha)
        picture: ft.Control = (
            ft.Image(src=thumb, width=THUMB, height=THUMB, fit=ft.BoxFit.COVER, border_radius=6)
            if thumb else ft.Icon(ft.Icons.MIC if recording else ft.Icons.PHOTO, size=32, color=ft.Colors.GREY_600)
        )
        return ft.Container(key=f"sync-photo-{sha}", padding=ft.Padding.symmetric(vertical=4), content=ft.Row(
            controls=[
                ft.Container(content=picture, width=THUMB, height=THUMB, alignment=ft.Alignment.CENTER,
                             bgcolor=ft.Colors.GREY_200, border_radius=6),
                ft.Column(expand=True, spacing=4, controls=[
                    ft.Text(t(f"sync.{photo.kind}", number=number, size=size_text(t, size))), bar, sent,
                ]),
            ],
        ))

    def _thumbnail(self, sha256: str) -> bytes | None:
        path = self.ctx.service.thumbnail_path(sha256)
        try:
            return path.read_bytes()
        except OSError:
            return None

    def _refused(self, refused: list[Any]) -> list[ft.Control]:
        if not refused:
            return []
        t = self.ctx.t
        now = self.ctx.service.now()
        controls: list[ft.Control] = [ft.Text(t("sync.refused_title"), theme_style=ft.TextThemeStyle.TITLE_MEDIUM)]
        for index, problem in enumerate(refused):
            controls.append(ft.Card(key=f"sync-refused-{index}", content=ft.ListTile(
                leading=ft.Icon(ft.Icons.BLOCK, color=ft.Colors.RED_700),
                title=ft.Text(reason(t, problem.code)),
                subtitle=ft.Column(spacing=2, controls=[
                    ft.Text(" · ".join(filter(None, [self._subject(problem), when_text(t, problem.at, now)]))),
                    ft.Text(retry_text(t, getattr(problem, "retry_at", None), now), key=f"sync-refused-retry-{index}"),
                ]),
            )))
        return controls

    def _subject(self, problem: Any) -> str | None:
        """What was refused ("visit <uuid> r<n>", "photo <sha256>", "recording <sha256>",
        "pull"), in words."""
        t = self.ctx.t
        kind, _, rest = (getattr(problem, "subject", None) or "").partition(" ")
        if kind in ("photo", "recording"):
            return t(f"sync.subject_{kind}")
        if kind == "pull":
            return t("sync.subject_pull")
        if kind == "visit":
            try:
                visit = self.ctx.service.visit(rest.split(" ")[0])
            except Exception:  # a visit no longer on the phone: say what the server refused anyway
                return None
            stop = self.ctx.service.stop_of(visit)
            return t("sync.subject_visit", name=stop.dealership.name if stop else visit.checklist.title)
        return None

    def _sync_bar(self) -> ft.Control:
        self.sync_button = ft.FilledButton(
            key="sync-now", content=self.ctx.t("sync.sync_now"), icon=ft.Icons.SYNC, height=64, expand=True,
            on_click=self._sync_now,
        )
        return ft.Container(
            padding=ft.Padding.symmetric(vertical=8, horizontal=12),
            content=ft.Column(spacing=8, controls=[self.progress_box, ft.Row(controls=[self.sync_button])]),
        )

    def _sent_text(self, sent: int, size: int) -> str:
        t = self.ctx.t
        return t("sync.photo_sent", sent=size_text(t, sent), size=size_text(t, size))

    # --- a run under way (the runner calls these on the event loop) ----------------

    def _show_running(self, progress: Any) -> None:
        t = self.ctx.t
        for button in (self.sync_button, self.unpair_button):
            if button is not None:
                button.disabled = True
        self.progress_box.visible = True
        if progress is None:
            self.phase.value, self.overall.value = t("sync.phase_start"), None
            return
        self.phase.value = t(f"sync.phase_{progress.phase}")
        self.overall.value = _fraction(progress.bytes_done, progress.bytes_total)
        if progress.photo_sha256 in self.bars:
            bar, sent, size = self.bars[progress.photo_sha256]
            total = progress.photo_bytes_total or size
            bar.value = _fraction(progress.photo_bytes_done, total)
            sent.value = self._sent_text(progress.photo_bytes_done, total)

    def show_progress(self, progress: Any) -> None:
        if self.sync_button is None or not is_mounted(self.sync_button):
            return
        self._show_running(progress)
        changed: list[ft.Control] = [self.progress_box, self.sync_button]
        if self.unpair_button is not None:
            changed.append(self.unpair_button)
        if progress is not None and progress.photo_sha256 in self.bars:
            bar, sent, _ = self.bars[progress.photo_sha256]
            changed.extend((bar, sent))
        update_if_mounted(*changed)

    def finished(self, report: Any, error: Exception | None, tell: bool) -> None:
        if self.sync_button is not None and is_mounted(self.sync_button):
            self.ctx.rerender()  # the fresh status: what went, what is left, any problem
        if tell:
            self._tell(report, error)

    def _tell(self, report: Any, error: Exception | None) -> None:
        t = self.ctx.t
        if error is not None:
            if failure_kind(error) == "network":
                self.ctx.notify(t("sync.notice_network"))
            elif failure_kind(error) == "refused":
                self.ctx.notify(t("sync.problem_refused", reason=reason(t, getattr(error, "code", "") or "")))
            else:
                self.ctx.show_error(error)
        elif getattr(report, "unpaired", False):
            self.ctx.notify(t("sync.problem_unpaired"))
        elif getattr(report, "network_failed", False):
            self.ctx.notify(t("sync.notice_network"))
        elif getattr(report, "refused", None):
            self.ctx.notify(t("sync.notice_refused", count=len(report.refused)))
        else:
            self.ctx.notify(t("sync.notice_done"))

    # --- acting --------------------------------------------------------------------

    def _sync_now(self) -> None:
        runner = self.ctx.sync_runner
        if runner.busy():
            return
        self._show_running(None)
        self.ctx.page.run_task(runner.run_now)

    def _ask_unpair(self) -> None:
        t = self.ctx.t
        self.ctx.confirm(t("sync.unpair_title"), t("sync.unpair_message"), t("sync.unpair_confirm"),
                         lambda: self.ctx.page.run_task(self._unpair))

    async def _unpair(self) -> None:
        try:
            await asyncio.to_thread(self.ctx.sync.unpair)
        except Exception as error:
            self.ctx.show_error(error)
            return
        self.ctx.rerender()
        self.ctx.notify(self.ctx.t("sync.unpaired_notice"))


def _fraction(done: int, total: int) -> float:
    return min(1.0, done / total) if total else 0.0
