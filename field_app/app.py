"""The root of the phone app: opens the store, owns routing, builds one screen per route.

Routes carry ids only; every screen reads what it shows from the services when built:
    /                               today's route
    /visit/<uuid>                   the visit, at the section the shopper was last on
    /visit/<uuid>/<section_id>      one section of the visit; ?question=<id>&from=review: scrolled
                                    to that question, marked, with a way back to the review
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
from typing import Callable, Protocol
from urllib.parse import parse_qs

import flet as ft

from . import flet_fixes

from .domain.clock import Clock, SystemClock
from .demo import fill_demo
from .audio.recorder import FletRecorder, Recorder
from .location import FixRecorder, Locator
from .location.geolocator import GeolocatorLocator
from .domain.registry import Registry
from .domain.i18n import DEFAULT_LANGUAGE, LANGUAGES, Translator
from .screens.camera import CameraScreen
from .screens.context import AppContext
from .screens import look
from .screens.follow_ups import FollowUpsScreen
from .screens.pair import PairScreen
from .screens.review import ReviewScreen
from .screens.settings import SettingsScreen
from .screens.sync import SyncScreen
from .screens.sync_runner import AUTO_SYNC_INTERVAL_S, AutoSync, SyncClient, SyncRunner
from .screens.today import TodayScreen
from .screens.visit import VisitScreen
from .secure_vault import SecureStorageVault
from .services import FieldService
from .store import Store
from .sync.auto import auto_sync as background_sync
from .sync.service import SyncService
from .sync.vault import TokenVault

log = logging.getLogger(__name__)

# App lifecycle states after which the phone may end the app at any moment.
BACKGROUND = (ft.AppLifecycleState.HIDE, ft.AppLifecycleState.PAUSE, ft.AppLifecycleState.DETACH)


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


def open_sync(service: FieldService, vault: TokenVault | None = None) -> SyncService:
    """The sync client over the same store, photos folder and clock as the app's services;
    the device token in `vault` (by default the store's settings table)."""
    return SyncService(service.store, service.photos_dir, clock=service.clock, vault=vault)


class Screen(Protocol):
    def view(self) -> ft.View: ...


@dataclass
class Router:
    """Turns the page's route into a stack of views; back pops to the view below.

    Before the screen on top goes (or the app goes to the background), what it holds and
    has not stored yet is stored: see `save_pending`."""

    ctx: AppContext
    screen: Screen | None = None  # the screen on top
    # Today under the screen on top, built once while it stays below: a section change
    # (a route change) does not rebuild it; it is built again when it is shown.
    below_today: ft.View | None = None

    def views_for(self, route: str) -> list[ft.View]:
        below, top = self._stack(route)
        views = [*below, top.view()]
        self.screen = top
        return views

    def _stack(self, route: str) -> tuple[list[ft.View], Screen]:
        """The views below the top screen (built), and the top screen (not yet built)."""
        path, _, query = route.partition("?")
        parts = [p for p in path.split("/") if p]
        asked = {key: values[0] for key, values in parse_qs(query).items()}
        ctx = self.ctx
        today = TodayScreen(ctx)
        if not parts:
            self.below_today = None
        elif self.below_today is None:
            self.below_today = today.view()
        below = self.below_today
        match parts:
            case []:
                return [], today
            case ["visit", uuid]:
                return [below], VisitScreen(ctx, uuid, None)
            case ["visit", uuid, section_id]:
                return [below], VisitScreen(ctx, uuid, section_id, question=asked.get("question"),
                                            from_review=asked.get("from") == "review")
            case ["review", uuid]:
                # Only the route of the visit below: going back rebuilds it, and a hidden
                # visit screen would run its stopwatch ticker for nothing.
                return [below, ft.View(route=f"/visit/{uuid}")], ReviewScreen(ctx, uuid)
            case ["camera", uuid, question_id]:
                return [below, ft.View(route=f"/visit/{uuid}")], CameraScreen(ctx, uuid, question_id)
            case ["follow-ups", uuid]:
                return [below], FollowUpsScreen(ctx, uuid)
            case ["settings"]:
                return [below], SettingsScreen(ctx)
            case ["sync"]:
                return [below], SyncScreen(ctx)
            case ["pair"]:
                return [below, ft.View(route="/sync")], PairScreen(ctx)
        log.warning("unknown route %s", route)
        return [], today

    def show(self, route: str) -> None:
        page = self.ctx.page
        if self._in_place(route):
            return
        if self.screen is not None and getattr(self.screen, "route", None) != route.split("?")[0]:
            self.leave()
        else:
            self.save_pending()  # the same screen drawn again (a language switch)
            self.below_today = None
        try:
            views = self.views_for(route)
        except Exception as error:  # a broken link must not leave a blank screen
            self.ctx.show_error(error)
            today = TodayScreen(self.ctx)
            views, self.screen = [today.view()], today
            if route not in ("/", ""):
                page.navigate("/")
        page.views.clear()
        page.views.extend(views)
        page.update()

    def _in_place(self, route: str) -> bool:
        """Show another section of the visit on top in its own view; True if done."""
        path, _, query = route.partition("?")
        match [p for p in path.split("/") if p]:
            case ["visit", uuid, *section] if len(section) <= 1:
                pass
            case _:
                return False
        screen = self.screen
        if not isinstance(screen, VisitScreen) or not screen.shows(uuid):
            return False
        if screen.echo(route):
            return True
        asked = {key: values[0] for key, values in parse_qs(query).items()}
        try:
            screen.show_section(section[0] if section else None, question=asked.get("question"),
                                from_review=asked.get("from") == "review")
        except Exception as error:  # what was stored stays; the shopper stays where they were
            self.ctx.show_error(error)
        return True

    def back_from(self, route: str) -> str | None:
        """Where the back gesture (or the app bar's back) on the view of `route` leads:
        the view below it. None when that view is not the one on top (the event is late:
        the views changed since) or nothing is below it, so one gesture pops one view."""
        views = self.ctx.page.views
        if len(views) < 2 or views[-1].route != route:
            return None
        return views[-2].route or "/"

    def leave(self) -> None:
        """The screen on top goes: what it holds is stored, and the follow-ups screen sends
        what was answered on it (the shopper is done with it)."""
        self.save_pending("leave")

    def save_pending(self, method: str = "save_pending") -> None:
        """Store what the screen on top holds and has not stored yet, such as a comment
        being typed: a text field stores itself a moment after the last keystroke, and
        neither the back gesture nor the app going to the background waits for that."""
        save = getattr(self.screen, method, None) or getattr(self.screen, "save_pending", None)
        if save is None:
            return
        try:
            save()
        except Exception as error:  # never stop the shopper from leaving
            self.ctx.show_error(error)


def build_app(
    service: FieldService,
    sync: SyncClient | None = None,
    *,
    auto_sync: AutoSync | None = background_sync,
    sync_interval_s: float = AUTO_SYNC_INTERVAL_S,
    locator: Callable[[], Locator] | None = GeolocatorLocator,
    recorder: Callable[[], Recorder] | None = FletRecorder,
):
    """The `main` that Flet runs for each session (the web client or the phone).

    `sync` is the sync client (tests give a fake); by default the real one, over the same
    store, photos and clock as `service`. `auto_sync` is the loop each session runs in the
    background while it lasts (None: no background sync). `locator` makes each session's
    `Locator` (tests give a fake; None: no fixes are asked for, every event unavailable).
    `recorder` makes a microphone when an audio question first records, in the session
    (tests give a fake; None: the card says recording is not possible here).
    """
    flet_fixes.apply()
    if sync is None:
        sync = open_sync(service)

    async def main(page: ft.Page) -> None:
        vault = getattr(sync, "vault", None)
        if isinstance(vault, SecureStorageVault):
            await vault.open()  # before anything asks whether the phone is paired
        language = service.language() or DEFAULT_LANGUAGE
        ctx = AppContext(page, service, Translator(language if language in LANGUAGES else DEFAULT_LANGUAGE),
                         rerender=lambda: None, sync=sync)
        router = Router(ctx)
        ctx.rerender = lambda: router.show(page.route)

        def today_changed() -> None:
            # A sync brought a new route or a returned visit, or sent one: redraw Today's
            # own content if Today is the view on top (any other screen reads afresh when
            # opened). Never the views themselves: between a tap on a stop and its route
            # coming back from the client, `page.route` still says "/", and rebuilding the
            # views from it replaced them under the navigation on its way (the address bar
            # on the visit, the shopper thrown back to Today).
            if isinstance(router.screen, TodayScreen):
                router.screen.refresh()

        runner = ctx.sync_runner = SyncRunner(sync, service, on_change=today_changed)
        ctx.locations = open_locations(page, service, locator)
        ctx.make_recorder = recorder
        page.title = ctx.t("common.app_title")
        look.apply(page, ctx.t.language)

        def on_route_change(e: ft.RouteChangeEvent) -> None:
            router.show(e.route)

        async def on_view_pop(e: ft.ViewPopEvent) -> None:
            # Flet's client reports the back gesture or the app bar's back for the view on
            # top (once per view) and then shows the views it gets: the route below
            # rebuilds the stack without that view.
            below = router.back_from(e.route)
            if below is not None:
                router.leave()  # now: the route change below may never come
                await page.push_route(below)

        async def on_lifecycle(e: ft.AppLifecycleStateChangeEvent) -> None:  # on the event loop, as back is
            if e.state in BACKGROUND:  # the phone may end the app without a word from here on
                router.save_pending()

        page.on_route_change = on_route_change
        page.on_view_pop = on_view_pop
        page.on_app_lifecycle_state_change = on_lifecycle

        runner.start(page.run_task, auto_sync, sync_interval_s)

        def on_close() -> None:  # the session has ended
            runner.stop()
            if ctx.locations is not None:
                ctx.locations.close()

        page.on_close = on_close

        unfinished = service.open_visit()
        if unfinished is not None and page.route in ("/", ""):
            uuid, section = unfinished
            # Back to where the shopper was when the app closed (or the phone died).
            await page.push_route(f"/visit/{uuid}/{section}" if section else f"/visit/{uuid}")
        else:
            router.show(page.route or "/")

    return main


def open_locations(page: ft.Page, service: FieldService,
                   make_locator: Callable[[], Locator] | None) -> FixRecorder | None:
    """The session's recorder of location fixes over its own locator (None: the app goes
    on without; every event of its visits goes out unavailable)."""
    if make_locator is None:
        return None
    try:
        locator = make_locator()
        opening = getattr(locator, "open", None)
        if opening is not None:
            opening()  # built in the session: a Flet service registers with its page
    except Exception:  # the app must start all the same
        log.exception("no locator in this session")
        return None
    return FixRecorder(service, locator, page.run_task)


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
    """On a phone build: data in the app's own storage, the route from sync, the device
    token in the phone's secure storage.

    Only here: served to browsers from a data folder (`run_app`), the folder is the phone,
    shared by every browser that opens it, and keeps the token; so does the CLI on it."""
    service = open_service(data_dir())
    ft.run(build_app(service, open_sync(service, SecureStorageVault(service.store))))
