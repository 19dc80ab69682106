"""An httpx transport that sends every request twice, as a phone does when an answer is
lost on the way back and it retries: the server must treat the second as a repeat."""

from __future__ import annotations

import httpx


class DoublingTransport(httpx.BaseTransport):
    def __init__(self, inner: httpx.BaseTransport | None = None) -> None:
        self.inner = inner or httpx.HTTPTransport()
        self.sent: list[tuple[str, str]] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        request.read()  # a streamed body becomes bytes that can be sent again
        first = self.inner.handle_request(request)
        first.read()
        first.close()
        self.sent.append((request.method, request.url.path))
        second = self.inner.handle_request(request)
        self.sent.append((request.method, request.url.path))
        return second

    def close(self) -> None:
        self.inner.close()
