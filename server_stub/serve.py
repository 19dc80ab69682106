"""Running the server: uvicorn, one worker process.

One process because uploads of one photo take turns on an in-process lock, and because
SQLite's writers queue on an in-process lock before BEGIN IMMEDIATE.
"""

from __future__ import annotations

import gc
import logging
import socket
import threading
import time
from typing import Any

import uvicorn

from .http_protocol import KeepingHttpProtocol
from .settings import Settings


def uvicorn_config(app: Any, host: str = "127.0.0.1", port: int = 8000, log_level: str = "info",
                   access_log: bool = False) -> uvicorn.Config:
    """How the server is always run, by `fieldaudit server`, the demo and the tests alike.

    No access log unless asked for: formatting a line per request took 5% of the event
    loop's time during a burst of photo uploads (py-spy), time the uploads wait for.
    Refusals and errors are logged either way."""
    return uvicorn.Config(app, host=host, port=port, workers=1, log_level=log_level,
                          timeout_keep_alive=30, http=KeepingHttpProtocol, access_log=access_log)


def serve(settings: Settings, host: str = "127.0.0.1", port: int = 8000, access_log: bool = False) -> None:
    from .web.app import create_app

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    app = create_app(settings)
    settle_the_heap()
    uvicorn.Server(uvicorn_config(app, host, port, access_log=access_log)).run()


def settle_the_heap() -> None:
    """Keep what startup made (modules, the catalog, the app: about 130,000 objects) out of
    the garbage collector's full passes. A request that makes many objects (a week's copy
    for 300 shoppers reads 8,400 stops) triggered several full passes over all of them:
    0.40 s with them scanned, 0.26 s frozen (benchmarks/console.py, routes_copy_everyone)."""
    gc.collect()
    gc.freeze()


def serve_in_background(app: Any, *, host: str = "127.0.0.1", port: int = 8000,
                        sockets: list[socket.socket] | None = None) -> tuple[uvicorn.Server, threading.Thread]:
    """Serve `app` on a thread of this process (the demo runs the phone app beside it; the
    tests, on a socket they bound); returns once it listens. Set `should_exit` on the
    server to stop it."""
    server = uvicorn.Server(uvicorn_config(app, host, port, log_level="warning"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": sockets}, name="fieldaudit-server",
                              daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError(f"the server did not start on {host}:{port} (is the port taken?)")
        time.sleep(0.01)
    return server, thread
