"""Browser tests: the app served by `fieldaudit app` in its own process, driven in Debian's
headless Chromium at a phone viewport through the accessibility DOM (Flutter draws on a
canvas; its semantics tree is what a test, or a screen reader, can read)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator, Sequence

import pytest

CHROMIUM = Path("/usr/bin/chromium")
SCREENSHOTS = Path(__file__).resolve().parents[1] / "docs" / "screenshots"
CHROME_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
PHONE = {"width": 390, "height": 844}

needs_chromium = pytest.mark.skipif(
    not CHROMIUM.exists(),
    reason="needs Debian's chromium: run `bash scripts/test.sh` as root (it installs it) "
           "or `apt-get install chromium`",
)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class AppProcess:
    """`fieldaudit app` on a port of its own, with its data in a folder of the test's."""

    def __init__(self, data: Path, port: int | None = None) -> None:
        self.data, self.port = data, port or free_port()
        self.proc: subprocess.Popen | None = None
        self.log = data.parent / f"app-{self.port}.log"

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/"

    def start(self, demo: bool = True) -> "AppProcess":
        args = [sys.executable, "-m", "fieldaudit", "app", "--data", str(self.data), "--port", str(self.port)]
        if demo:
            args.append("--demo")
        env = dict(os.environ, FLET_WEB_NO_CDN="1", PYTHONUNBUFFERED="1")
        self.proc = subprocess.Popen(args, env=env, stdout=self.log.open("ab"), stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"the app exited: {self.log.read_text()[-2000:]}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                    return self
            except OSError:
                time.sleep(0.2)
        self.stop()
        raise RuntimeError("the app did not start listening within 60 s")

    def kill(self) -> None:
        """As if the phone died: no clean-up, no flush beyond what was committed."""
        assert self.proc is not None
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(timeout=10)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)


# A fake webcam (a test pattern) that needs no permission prompt.
FAKE_CAMERA_ARGS = ["--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream"]


@contextmanager
def chromium(extra_args: Sequence[str] = ()) -> Iterator:
    """Headless Debian Chromium; `extra_args` are added to the usual flags."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), headless=True,
                                    args=[*CHROME_ARGS, *extra_args])
        try:
            yield browser
        finally:
            browser.close()


def open_phone(browser, url: str, **context_options):
    """A phone-sized page with Flutter's semantics tree turned on; `context_options` go to
    the browser context (a `geolocation` and its `permissions`, say)."""
    context = browser.new_context(viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True,
                                  **context_options)
    page = context.new_page()
    page.route("https://**/*", lambda route: route.abort())  # offline: no CDN, no fonts
    page.goto(url)
    enable_semantics(page)
    return page


def enable_semantics(page, timeout: float = 60_000) -> None:
    page.locator("flt-semantics-placeholder").wait_for(state="attached", timeout=timeout)
    page.evaluate("document.querySelector('flt-semantics-placeholder').click()")
    page.locator("flt-semantics").first.wait_for(state="attached", timeout=timeout)


def node(page, identifier: str):
    """The semantics node of the control with this key."""
    return page.locator(f'[flt-semantics-identifier="{identifier}"]')


def scrolled_to(page, identifier: str, timeout: float = 60_000):
    """The node of the control with this key, scrolled into view. Flutter may draw the node
    anew while it is being scrolled to (a stopwatch ticking, a 48 px icon button laid out
    again): then it is looked up again, up to three times."""
    from playwright.sync_api import Error as PlaywrightError

    target = node(page, identifier)
    for attempt in range(3):
        try:
            target.scroll_into_view_if_needed(timeout=timeout)
            return target
        except PlaywrightError as error:
            if "not attached" not in str(error) or attempt == 2:
                raise
    return target


def tap(page, identifier: str, timeout: float = 60_000) -> None:
    """Tap the control with this key, scrolled into view first."""
    scrolled_to(page, identifier, timeout).click(timeout=timeout)


def screenshot(page, name: str) -> Path:
    """Write docs/screenshots/<name>.png (the DOM updates before the canvas is painted)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.wait_for_timeout(900)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path))
    return path


def paired_phone(folder: Path, server, dealer_code: str, checklist: str, **assignment) -> Path:
    """A phone's data folder paired to a live server as a new shopper, Анна Петрова, who has
    today's stop at that dealership with that checklist and has pulled it."""
    from field_app.app import open_service, open_sync
    from field_app.domain.clock import SystemClock
    from server_stub import admin

    code = admin.create_shopper(server.store, "Анна Петрова")
    today = SystemClock().now().astimezone().date()  # the phone's day: its local date
    admin.assign(server.store, code.shopper_id, today, dealer_code, checklist, **assignment)
    service = open_service(folder)
    try:
        sync = open_sync(service)
        assert sync.pair(server.url, code.pairing_code, "Pixel 8") == "Анна Петрова"
        assert sync.sync_now().pulled
    finally:
        service.store.close()
    return folder
