"""The console as an application of its own, mounted at `/console` by the sync server:
its pages stay out of the sync API's OpenAPI document, and its refusals are pages, not
JSON problems."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from ..errors import ServerError
from ..store import ServerStore
from . import pages
from .web import CsrfError, NotLoggedInError, render, url


def create_console(store: ServerStore) -> FastAPI:
    console = FastAPI(openapi_url=None, docs_url=None, redoc_url=None)
    console.state.store = store
    console.mount("/static", StaticFiles(packages=[(__package__, "static")]), name="static")
    for module in pages.MODULES:
        console.include_router(module.router)

    @console.exception_handler(NotLoggedInError)
    async def on_not_logged_in(request: Request, _exc: NotLoggedInError) -> Response:
        if request.method in ("GET", "HEAD"):
            return RedirectResponse(url("/login", next=request.url.path), status_code=303)
        return render(request, "error.html", 401, message_key="errors.not_logged_in")

    @console.exception_handler(CsrfError)
    async def on_csrf(request: Request, _exc: CsrfError) -> HTMLResponse:
        return render(request, "error.html", 403, message_key="errors.csrf")

    @console.exception_handler(ServerError)
    async def on_server_error(request: Request, exc: ServerError) -> HTMLResponse:
        return render(request, "error.html", exc.problem.status, message=exc.message)

    @console.exception_handler(StarletteHTTPException)
    async def on_http(request: Request, exc: StarletteHTTPException) -> HTMLResponse:
        key = "errors.not_found" if exc.status_code == 404 else "errors.bad_request"
        return render(request, "error.html", exc.status_code, message_key=key)

    return console
