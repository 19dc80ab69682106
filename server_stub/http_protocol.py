"""uvicorn's HTTP protocol, changed so that a cut connection still delivers what arrived.

tus asks the server to keep the bytes of an upload that were received before the
connection broke, so the phone resumes from there. uvicorn (httptools) drops the body it
has buffered but not yet handed to the application when the connection is lost: on a
link that drops every few hundred kilobytes the tail of every attempt would be lost, and
on one that drops every few tens of kilobytes no upload would ever progress. Here the
buffered bytes go to the application first, and the disconnect after them.

The end-to-end sync tests fail if a uvicorn upgrade changes the internals this relies on.
"""

from __future__ import annotations

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol, RequestResponseCycle


class _KeepingCycle(RequestResponseCycle):
    async def receive(self):  # type: ignore[override]
        if self.waiting_for_100_continue and not self.transport.is_closing():
            self.transport.write(b"HTTP/1.1 100 Continue\r\n\r\n")
            self.waiting_for_100_continue = False
        if not self.disconnected and not self.response_complete:
            self.flow.resume_reading()
            await self.message_event.wait()
            self.message_event.clear()
        if self.body and not self.response_complete:
            body, self.body = bytes(self.body), bytearray()
            # After a cut there is more to come only in the sense that the request is
            # unfinished: the next receive reports the disconnect.
            return {"type": "http.request", "body": body, "more_body": self.more_body or self.disconnected}
        if self.disconnected or self.response_complete:
            return {"type": "http.disconnect"}
        return {"type": "http.request", "body": b"", "more_body": self.more_body}


class KeepingHttpProtocol(HttpToolsProtocol):
    """Pass as `uvicorn.Config(http=KeepingHttpProtocol)`."""

    def _start_asgi_task(self, cycle: RequestResponseCycle, app) -> None:  # type: ignore[override]
        cycle.__class__ = _KeepingCycle
        super()._start_asgi_task(cycle, app)
