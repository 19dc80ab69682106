"""The root of the phone app: opens the store, owns routing, builds one screen per route.

Routes carry ids only; every screen reads what it shows from the services when built:
    /                               today's route
    /visit/<uuid>                   the visit, at the section the shopper was last on
    /visit/<uuid>/<section_id>      one section of the visit
    /review/<uuid>                  what is missing, scores, finalize
    /follow-ups/<uuid>              follow-up questions that are due
    /settings                       language, and the way to sync
    /sync                           pairing state, what waits to be sent, "Sync now", unpair
    /pair                           pair this phone with a server using a coordinator's code
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from pathlib import Path

import flet as ft

from .domain.clock import Clock, SystemClock
from .demo import fill_demo
from .domain.registry import Registry
from .domain.i18n import DEFAULT_LANGUAGE, LANGUAGES, Translator
from .screens.camera import CameraScreen
from .screens.context import AppContext
from .screens.follow_ups import FollowUpsScreen
from .screens.pair import PairScreen
from .screens.review import ReviewScreen
from .screens.settings import SettingsScreen
from .screens.sync import SyncScreen
from .screens.sync_runner import AUTO_SYNC_INTERVAL_S, AutoSync, SyncClient, SyncRunner
from .screens.today import TodayScreen
from .screens.visit import VisitScreen
from .services import FieldService
from .store import Store
from .sync.auto import auto_sync as background_sync
from .sync.service import SyncService

log = logging.getLogger(__name__)


def data_dir(given: str | Path | None = None) -> Path:
    """Where the phone keeps its data: the app's own storage on a phone build, a local
    folder elsewhere."""
    if given is not None:
        return Path(given)
    on_phone = os.environ.get("FLET_APP_STORAGE_DATA")
    return Path(on_phone) if on_phone else Path("data") / "app"


def open_service(folder: Path, clock: Clock | None = None) -> FieldService:
    folder.mkdir(parents=True, exist_ok=True)
    return FieldService(Store(folder / "field.db"), clock or SystemClock(), folder / "photos")


def open_sync(service: FieldService) -> SyncService:
    """The sync client over the same store, photos folder and clock as the app's services."""
    return SyncService(service.store, service.photos_dir, clock=service.clock)


@dataclass
class Router:
    """Turns the page's route into a stack of views; back pops to the view below."""

    ctx: AppContext

    def views_for(self, route: str) -> list[ft.View]:
        parts = [p for p in route.split("?")[0].split("/") if p]
        ctx = self.ctx
        today = TodayScreen(ctx).view()
        match parts:
            case []:
                return [today]
            case ["visit", uuid]:
                return [today, VisitScreen(ctx, uuid, None).view()]
            case ["visit", uuid, section_id]:
                return [today, VisitScreen(ctx, uuid, section_id).view()]
            case ["review", uuid]:
                # Only the route of the visit below: going back rebuilds it, and a hidden
                # visit screen would run its stopwatch ticker for nothing.
                return [today, ft.View(route=f"/visit/{uuid}"), ReviewScreen(ctx, uuid).view()]
            case ["camera", uuid, question_id]:
                return [today, ft.View(route=f"/visit/{uuid}"), CameraScreen(ctx, uuid, question_id).view()]
            case ["follow-ups", uuid]:
                return [today, FollowUpsScreen(ctx, uuid).view()]
            case ["settings"]:
                return [today, SettingsScreen(ctx).view()]
            case ["sync"]:
                return [today, SyncScreen(ctx).view()]
            case ["pair"]:
                return [today, ft.View(route="/sync"), PairScreen(ctx).view()]
        log.warning("unknown route %s", route)
        return [today]

    def show(self, route: str) -> None:
        page = self.ctx.page
        try:
            views = self.views_for(route)
        except Exception as error:  # a broken link must not leave a blank screen
            self.ctx.show_error(error)
            views = [TodayScreen(self.ctx).view()]
            if route not in ("/", ""):
                page.navigate("/")
        page.views.clear()
        page.views.extend(views)
        page.update()


def build_app(
    service: FieldService,
    sync: SyncClient | None = None,
    *,
    auto_sync: AutoSync | None = background_sync,
    sync_interval_s: float = AUTO_SYNC_INTERVAL_S,
):
    """The `main` that Flet runs for each session (the web client or the phone).

    `sync` is the sync client (tests give a fake); by default the real one, over the same
    store, photos and clock as `service`. `auto_sync` is the loop each session runs in the
    background while it lasts (None: no background sync).
    """
    if sync is None:
        sync = open_sync(service)

    async def main(page: ft.Page) -> None:
        language = service.language() or DEFAULT_LANGUAGE
        ctx = AppContext(page, service, Translator(language if language in LANGUAGES else DEFAULT_LANGUAGE),
                         rerender=lambda: None, sync=sync)
        router = Router(ctx)
        ctx.rerender = lambda: router.show(page.route)

        def today_changed() -> None:
            # A sync brought a new route or a returned visit, or sent one: redraw Today if
            # it is what the shopper looks at (any other screen reads afresh when opened).
            if page.route in ("", "/"):
                router.show("/")

        runner = ctx.sync_runner = SyncRunner(sync, service, on_change=today_changed)
        page.title = ctx.t("common.app_title")
        page.theme = ft.Theme(color_scheme_seed=ft.Colors.INDIGO, use_material3=True)
        page.theme_mode = ft.ThemeMode.LIGHT

        def on_route_change(e: ft.RouteChangeEvent) -> None:
            router.show(e.route)

        async def on_view_pop(e: ft.ViewPopEvent) -> None:
            if len(page.views) > 1:
                await page.push_route(page.views[-2].route or "/")

        page.on_route_change = on_route_change
        page.on_view_pop = on_view_pop

        runner.start(page.run_task, auto_sync, sync_interval_s)
        page.on_close = lambda: runner.stop()  # the session has ended

        unfinished = service.open_visit()
        if unfinished is not None and page.route in ("/", ""):
            uuid, section = unfinished
            # Back to where the shopper was when the app closed (or the phone died).
            await page.push_route(f"/visit/{uuid}/{section}" if section else f"/visit/{uuid}")
        else:
            router.show(page.route or "/")

    return main


def run_app(data: str | Path | None, *, host: str = "127.0.0.1", port: int = 8550, demo: bool = False) -> None:
    """Serve the app. With no display (a server, CI) Flet serves its web client, offline."""
    folder = data_dir(data)
    service = open_service(folder)
    if demo and fill_demo(service, Registry.shipped()):
        print(f"demo route for {service.today()} written to {folder}", flush=True)
    print(f"open http://{host}:{port}/ (data in {folder})", flush=True)
    serve_app(service, host=host, port=port)


def serve_app(service: FieldService, *, host: str, port: int, sync: SyncService | None = None) -> None:
    ft.run(
        build_app(service, sync), view=ft.AppView.WEB_BROWSER, host=host, port=port, no_cdn=True,
    )


def run_phone() -> None:
    """On a phone build: data in the app's own storage, the route from sync."""
    ft.run(build_app(open_service(data_dir())))
