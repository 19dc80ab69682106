"""The FastAPI application: routers under `/api/v1`, problems for every refusal, request
bodies limited while they stream."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from starlette.types import Scope, Send

from field_app.domain.sync_messages import API_PREFIX

from ..console.app import create_console
from ..console.web import refuse_too_large
from ..settings import Settings
from ..store import ServerStore, open_store
from ..uploads import Uploads
from . import problems
from .middleware import BodyLimitMiddleware, LastResortMiddleware, SecurityHeadersMiddleware, refuse_with_problem
from .routes import blobs, checklists, devices, sync, visits

_BLOBS = API_PREFIX + "/blobs/"


def create_app(settings: Settings, store: ServerStore | None = None) -> FastAPI:
    """The server for `settings`. Opening it migrates the database and publishes the
    project's checklists; pass an open `store` to share one (it is then not closed)."""
    owned = store is None
    store = store or open_store(settings)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        yield
        if owned:
            store.close()

    # Only the OpenAPI document: FastAPI's /docs and /redoc pages load their scripts from a
    # CDN (blank offline, and a third party's code next to the console).
    app = FastAPI(
        title="fieldaudit sync server",
        version="1",
        summary="The sync protocol between the shoppers' phones and the server (DESIGN.md).",
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
    )
    app.state.store = store
    app.state.uploads = Uploads(store)
    problems.install(app)
    for module in (sync, devices, checklists, visits, blobs):
        app.include_router(module.router, prefix=API_PREFIX)

    app.mount("/console", create_console(store))

    def limit_for(scope: Scope) -> int:
        path = scope.get("path", "")
        if scope.get("method") == "PATCH" and path.startswith(_BLOBS):
            return settings.blob_body_limit
        if path.startswith("/console/"):
            return settings.console_body_limit
        return settings.json_body_limit

    async def refuse(scope: Scope, send: Send, limit: int) -> None:
        too_large = refuse_too_large if scope.get("path", "").startswith("/console/") else refuse_with_problem
        await too_large(scope, send, limit)

    app.add_middleware(BodyLimitMiddleware, limit_for=limit_for, refuse=refuse)
    app.add_middleware(LastResortMiddleware)
    app.add_middleware(SecurityHeadersMiddleware)  # outermost: on the last resort's 500 too
    return app
