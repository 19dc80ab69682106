"""An in-memory Flet 1.0 session for screen tests: no Flutter client, no socket, no browser.

A real `flet.messaging.session.Session` talks to a fake `Connection` that msgpack-encodes
every outbound message (which is what refreshes Flet's diff snapshots, as the real
transports do), answers client-side method calls with canned results, and does what the
Flutter client does on `push_route` (patch the route, fire `route_change`).

Events go in through `session.dispatch_event`, the path a real client's events take, so
handler arity, sync/async handlers and auto-update behave as in production.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Callable, Iterator

import flet as ft
import msgpack
import pytest
from flet.controls.base_control import BaseControl
from flet.controls.context import _context_page, context
from flet.messaging.connection import Connection
from flet.messaging.protocol import InvokeMethodRequestBody, MessageAction, configure_encode_object_for_msgpack
from flet.messaging.session import Session
from flet.pubsub.pubsub_hub import PubSubHub

_encode = configure_encode_object_for_msgpack(BaseControl)


async def until(condition: Callable[[], Any], timeout: float = 10.0) -> None:
    """Wait, letting the event loop and threads run, until `condition()` holds: for work
    a screen hands to a task or a thread. The timeout is generous because a loaded CI
    machine is slow; a passing wait returns as soon as the condition holds."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not condition():
        assert loop.time() < deadline, "timed out"
        await asyncio.sleep(0.005)


class FakeConnection(Connection):
    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        super().__init__()
        self.loop = loop
        self.executor = ThreadPoolExecutor(max_workers=4)
        self.pubsubhub = PubSubHub(loop=loop, executor=self.executor)
        self.page_url = "http://test.local/"
        self.messages: list[tuple[MessageAction, Any]] = []
        self.invocations: list[InvokeMethodRequestBody] = []
        # method name -> a value, or a callable(args) giving one
        self.method_results: dict[str, Any] = {}
        self.session: Session | None = None

    def send_message(self, message) -> None:
        msgpack.packb([message.action, message.body], default=_encode)
        self.messages.append((message.action, message.body))
        if message.action == MessageAction.INVOKE_METHOD:
            self.invocations.append(message.body)
            self.loop.call_soon(self._answer, message.body)

    def _answer(self, body: InvokeMethodRequestBody) -> None:
        result, error = None, None
        try:
            answer = self.method_results.get(body.name)
            result = answer(body.args) if callable(answer) else answer
        except Exception as exc:  # surfaces as an error in the awaiting code
            error = str(exc)
        self.session.handle_invoke_method_results(body.control_id, body.call_id, result, error)
        if body.name == "push_route" and error is None:
            route = body.args["route"]
            self.session.apply_page_patch({"route": route})
            asyncio.ensure_future(
                self.session.dispatch_event(self.session.page._i, "route_change", {"route": route})
            )

    def get_upload_url(self, file_name: str, expires: int) -> str:
        return f"http://test.local/upload/{file_name}?expires={expires}"


class FletHarness:
    """`h = await FletHarness.start(main)`, then `await h.click(control)` and look around."""

    def __init__(self, conn: FakeConnection, session: Session) -> None:
        self.conn, self.session = conn, session

    @property
    def page(self) -> ft.Page:
        return self.session.page

    @classmethod
    async def start(cls, main: Callable, route: str = "/", *, answers: dict[str, Any] | None = None,
                    **page_props: Any) -> "FletHarness":
        """`answers`: what the client answers to method calls, from the first one (see
        `FakeConnection.method_results`)."""
        conn = FakeConnection(asyncio.get_running_loop())
        conn.method_results.update(answers or {})
        session = Session(conn)
        conn.session = session
        session.apply_page_patch({"route": route, "web": True, "width": 390, "height": 844, **page_props})
        msgpack.packb(session.get_page_patch(), default=_encode)
        _context_page.set(session.page)
        context.reset_auto_update()
        if inspect.iscoroutinefunction(main):
            await main(session.page)
        else:
            main(session.page)
        await session.after_event(session.page)
        harness = cls(conn, session)
        await harness.settle()
        return harness

    async def settle(self, rounds: int = 10) -> None:
        for _ in range(rounds):
            await asyncio.sleep(0)

    def _check_mounted(self, control: BaseControl) -> None:
        assert self.session.index.get(control._i) is control, f"{control} is not on the page"

    async def event(self, control: BaseControl, name: str, data: Any = None) -> None:
        self._check_mounted(control)
        await self.session.dispatch_event(control._i, name, data)
        await self.settle()

    async def click(self, control: BaseControl) -> None:
        await self.event(control, "click")

    async def type(self, field: ft.TextField, text: str, submit: bool = False) -> None:
        # the Flutter client patches `value` first, then fires on_change
        self._check_mounted(field)
        self.session.apply_patch(field._i, {"value": text})
        await self.event(field, "change", text)
        if submit:
            await self.event(field, "submit", text)

    async def blur(self, field: ft.TextField) -> None:
        await self.event(field, "blur")

    async def go(self, route: str) -> None:
        """As if the user followed a link or typed the URL."""
        self.session.apply_page_patch({"route": route})
        await self.event(self.page, "route_change", {"route": route})

    async def back(self) -> None:
        """The system back gesture: pop the top view."""
        view = self.page.views[-1]
        await self.session.dispatch_event(self.page._i, "view_pop", {"route": view.route})
        await self.settle()

    # --- looking around ------------------------------------------------------------

    def walk(self, root: Any = None) -> Iterator[BaseControl]:
        root = self.top_view() if root is None else root
        seen: set[int] = set()

        def visit(value: Any) -> Iterator[BaseControl]:
            if isinstance(value, BaseControl):
                # A hidden isolated control is a part of the screen kept off it (a visit's
                # section not shown): not looked into. Other hidden controls are, for tests
                # that check they are hidden.
                if id(value) in seen or (value is not root and value.is_isolated() and value.visible is False):
                    return
                seen.add(id(value))
                yield value
                for name in value.__dataclass_fields__:
                    if name.startswith("_") and name not in ("_overlay", "_dialogs"):
                        continue
                    yield from visit(getattr(value, name, None))
            elif isinstance(value, (list, tuple)):
                for item in value:
                    yield from visit(item)

        yield from visit(root)

    def top_view(self) -> ft.View:
        return self.page.views[-1]

    def routes(self) -> list[str]:
        """What each view shows, bottom to top: its route, or for a visit (whose sections
        share its view) the route of the section shown."""
        return [getattr(v.data, "route", None) or v.route for v in self.page.views]

    def dialogs(self) -> list[BaseControl]:
        return [d for d in self.walk(self.page._dialogs) if isinstance(d, (ft.AlertDialog, ft.SnackBar))
                and getattr(d, "open", False)]

    def find(self, cls: type = BaseControl, root: Any = None, **props: Any) -> list:
        return [c for c in self.walk(root) if isinstance(c, cls)
                and all(getattr(c, k, object()) == v for k, v in props.items())]

    def texts(self, root: Any = None) -> list[str]:
        """Every string the user can read: texts, button labels, field labels and hints."""
        found = []
        for c in self.walk(root):
            for name in ("value", "content", "label", "hint_text", "tooltip", "text", "helper_text"):
                if name == "value" and not isinstance(c, ft.Text):
                    continue
                value = getattr(c, name, None)
                if isinstance(value, str) and value:
                    found.append(value)
        return found

    def button(self, label: str, root: Any = None) -> BaseControl:
        """The one button whose label (or tooltip) is `label`."""
        matches = [c for c in self.walk(root) if _label_of(c) == label and _clickable(c)]
        assert len(matches) == 1, f"{len(matches)} buttons labelled {label!r}: {sorted(set(self.texts()))}"
        return matches[0]

    def by_key(self, key: str, root: Any = None) -> BaseControl:
        matches = [c for c in self.walk(root) if _key_of(c) == key]
        assert len(matches) == 1, f"{len(matches)} controls with key {key!r}"
        return matches[0]

    def shown(self, key: str) -> bool:
        """Whether the control with this key is visible, its ancestors included."""
        def search(value: Any, visible: bool) -> bool | None:
            if isinstance(value, BaseControl):
                visible = visible and getattr(value, "visible", True) is not False
                if _key_of(value) == key:
                    return visible
                for name in value.__dataclass_fields__:
                    if not name.startswith("_"):
                        found = search(getattr(value, name, None), visible)
                        if found is not None:
                            return found
            elif isinstance(value, (list, tuple)):
                for item in value:
                    found = search(item, visible)
                    if found is not None:
                        return found
            return None

        found = search(self.top_view(), True)
        assert found is not None, f"no control with key {key!r}"
        return found

    def has_key(self, key: str, root: Any = None) -> bool:
        return any(_key_of(c) == key for c in self.walk(root))

    def close(self) -> None:
        self.conn.executor.shutdown(wait=False)


def _key_of(control: BaseControl) -> str | None:
    key = getattr(control, "key", None)
    return getattr(key, "value", key) if key is not None else None


def _label_of(control: BaseControl) -> str | None:
    for name in ("content", "text", "tooltip", "label"):
        value = getattr(control, name, None)
        if isinstance(value, str):
            return value
        if isinstance(value, ft.Text):
            return value.value
    return None


def _clickable(control: BaseControl) -> bool:
    return getattr(control, "on_click", None) is not None or getattr(control, "url", None) is not None


@pytest.fixture(autouse=True)
def no_failing_handlers(caplog):
    """Flet only logs an exception in a handler; this fails the test instead. Importing it
    into a test module applies it to every test there."""
    yield
    assert [r.getMessage() for r in caplog.records if r.name.startswith("flet") and r.levelno >= logging.ERROR] == []
