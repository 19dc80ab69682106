"""The sync server (and, later, the coordinator console): FastAPI over SQLite or
PostgreSQL, photos on disk.

    create_app(settings)        the ASGI application (web/app.py)
    serve(settings, host, port) run it with uvicorn, one worker
    open_store(settings)        the database, checklists and files, for the admin library
    admin                       what a coordinator does (create shoppers, assign, publish...)
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .settings import Settings

if TYPE_CHECKING:
    from fastapi import FastAPI

    from .store import ServerStore


def create_app(settings: Settings, store: "ServerStore | None" = None) -> "FastAPI":
    from .web.app import create_app as _create_app

    return _create_app(settings, store)


def serve(settings: Settings, host: str = "127.0.0.1", port: int = 8000, access_log: bool = False) -> None:
    from .serve import serve as _serve

    _serve(settings, host, port, access_log)


def open_store(settings: Settings) -> "ServerStore":
    from .store import open_store as _open_store

    return _open_store(settings)


__all__ = ["Settings", "create_app", "open_store", "serve"]
