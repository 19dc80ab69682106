"""Pure ASGI middleware: request bodies limited while they stream, a last resort that
turns an unhandled exception into a logged 500 problem, and the security headers of every
response.

The body limit counts bytes as the application receives them, so a chunked body with no
Content-Length is stopped too; a Content-Length that already says too much is refused
before any of the body is read. Once it has answered 413 it tells the application the
client went away and drops whatever the application still tries to send.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from field_app.domain import problems
from field_app.domain.problems import ProblemCode

log = logging.getLogger("server_stub")


async def send_problem(send: Send, problem: ProblemCode, message: str | None = None,
                       headers: dict[str, str] | None = None) -> None:
    body = json.dumps({"code": problem.code, "message": message or problem.message}).encode()
    raw = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    raw += [(k.lower().encode(), v.encode()) for k, v in (headers or {}).items()]
    await send({"type": "http.response.start", "status": problem.status, "headers": raw})
    await send({"type": "http.response.body", "body": body})


# Sends the 413 for a request whose body is over `limit` bytes (the console's is a page).
Refusal = Callable[[Scope, Send, int], Awaitable[None]]


async def refuse_with_problem(_scope: Scope, send: Send, limit: int) -> None:
    await send_problem(send, problems.BODY_TOO_LARGE, _too_large(limit), {"Connection": "close"})


class BodyLimitMiddleware:
    def __init__(self, app: ASGIApp, limit_for: Callable[[Scope], int], refuse: Refusal = refuse_with_problem):
        self.app = app
        self.limit_for = limit_for
        self.refuse = refuse

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.limit_for(scope)
        declared = _content_length(scope)
        if declared is not None and declared > limit:
            await self.refuse(scope, send, limit)
            return

        received = 0
        full = False
        refused = False
        started = False

        async def limited_receive() -> Message:
            nonlocal received, full, refused
            if refused:
                return {"type": "http.disconnect"}
            if full:
                refused = True
                if not started:
                    await self.refuse(scope, send, limit)
                return {"type": "http.disconnect"}
            message = await receive()
            if message["type"] == "http.request":
                body = message.get("body", b"")
                if received + len(body) > limit:
                    # Hand over what fits (an upload keeps it); the next receive refuses.
                    full = True
                    message = {"type": "http.request", "body": body[:limit - received], "more_body": True}
                    body = message["body"]
                received += len(body)
            return message

        async def guarded_send(message: Message) -> None:
            nonlocal started
            if refused and not started:
                return  # our 413 went out; the application's late answer has no one to go to
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        await self.app(scope, limited_receive, guarded_send)


class LastResortMiddleware:
    """Any exception no handler took: logged once with its traceback, answered as a 500
    `internal_error` problem when no response has started."""

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, tracking_send)
        except Exception:
            log.exception("unhandled error in %s %s", scope.get("method"), scope.get("path"))
            if not started:
                await send_problem(send, problems.INTERNAL_ERROR)


# The console draws everything on the server: no script, no inline style, no other site
# (the QR code and charts are inline SVG, styled by console.css). So nothing but this
# origin is allowed, no page may be framed (clickjacking), and forms post only here.
SECURITY_HEADERS = {
    "X-Frame-Options": "DENY",
    "Content-Security-Policy": ("default-src 'self'; frame-ancestors 'none'; form-action 'self'; "
                                "base-uri 'none'; object-src 'none'"),
    "Referrer-Policy": "same-origin",
    "X-Content-Type-Options": "nosniff",
}
_SECURITY_RAW = [(name.lower().encode(), value.encode()) for name, value in SECURITY_HEADERS.items()]


class SecurityHeadersMiddleware:
    """`SECURITY_HEADERS` on every HTTP response, console pages and API answers alike,
    refusals and errors included; a header the application set itself is kept."""

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {name.lower() for name, _ in headers}
                headers += [(name, value) for name, value in _SECURITY_RAW if name not in present]
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)


def _content_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", []):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


def _too_large(limit: int) -> str:
    return f"The request body is larger than the {limit} bytes this address accepts."
