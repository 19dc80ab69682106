"""Running the server: uvicorn, one worker process.

One process because uploads of one photo take turns on an in-process lock, and because
SQLite's writers queue on an in-process lock before BEGIN IMMEDIATE.
"""

from __future__ import annotations

import logging
import threading
import time

import uvicorn

from .http_protocol import KeepingHttpProtocol
from .settings import Settings


def config(settings: Settings, host: str, port: int, log_level: str = "info") -> uvicorn.Config:
    from .web.app import create_app

    return uvicorn.Config(create_app(settings), host=host, port=port, workers=1, log_level=log_level,
                          timeout_keep_alive=30, http=KeepingHttpProtocol)


def serve(settings: Settings, host: str = "127.0.0.1", port: int = 8000) -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    uvicorn.Server(config(settings, host, port)).run()


def serve_in_background(settings: Settings, host: str = "127.0.0.1", port: int = 8000) -> uvicorn.Server:
    """Start the server on a thread of this process (the demo runs the app beside it);
    returns once it listens. Set `should_exit` on the result to stop it."""
    server = uvicorn.Server(config(settings, host, port, log_level="warning"))
    thread = threading.Thread(target=server.run, name="fieldaudit-server", daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError(f"the server did not start on {host}:{port} (is the port taken?)")
        time.sleep(0.02)
    return server
