"""Every refusal as a JSON problem `{code, message}` with a stable code, and the OpenAPI
description of which problems an endpoint can answer."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from field_app.domain import problems
from field_app.domain.problems import ProblemCode
from field_app.domain.sync_messages import API_PREFIX, TUS_VERSION, ProblemBody

from ..errors import ServerError

_BY_STATUS = {
    400: problems.INVALID_REQUEST,
    404: problems.NOT_FOUND,
    405: problems.METHOD_NOT_ALLOWED,
    413: problems.BODY_TOO_LARGE,
    422: problems.INVALID_REQUEST,
}
_BLOBS = API_PREFIX + "/blobs/"

log = logging.getLogger("server_stub")


def problem_response(request: Request, problem: ProblemCode, message: str | None = None,
                     headers: dict[str, str] | None = None) -> JSONResponse:
    headers = dict(headers or {})
    if request.url.path.startswith(_BLOBS):
        headers.setdefault("Tus-Resumable", TUS_VERSION)
        headers.setdefault("Cache-Control", "no-store")
    # A message may quote what the client sent, lone surrogates included.
    text = (message or problem.message).encode("utf-8", "replace").decode("utf-8")
    # With no access log, this line is how an operator finds why a phone's sync failed.
    log.info("%s %s refused %d %s: %s", request.method, request.url.path, problem.status, problem.code, text)
    body = ProblemBody(code=problem.code, message=text)
    return JSONResponse(body.model_dump(), status_code=problem.status, headers=headers)


def install(app: FastAPI) -> None:
    @app.exception_handler(ServerError)
    async def on_server_error(request: Request, exc: ServerError) -> JSONResponse:
        return problem_response(request, exc.problem, exc.message, exc.headers())

    @app.exception_handler(RequestValidationError)
    async def on_invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        return problem_response(request, problems.INVALID_REQUEST, _validation_message(exc))

    @app.exception_handler(StarletteHTTPException)
    async def on_http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        problem = _BY_STATUS.get(exc.status_code, problems.INTERNAL_ERROR)
        # Keep what the router says, e.g. the Allow header of a 405.
        return problem_response(request, problem, None, dict(exc.headers or {}))


def _validation_message(exc: RequestValidationError) -> str:
    errors = exc.errors()
    if not errors:
        return problems.INVALID_REQUEST.message
    first = errors[0]
    where = ".".join(str(part) for part in first.get("loc", ()) if part != "body") or "body"
    message = f"{where}: {first.get('msg', 'is not valid')}"
    if len(errors) > 1:
        message += f" (and {len(errors) - 1} more problem(s))"
    return message[:500]


def responses(*codes: ProblemCode) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses` for these problems (grouped by status), plus the ones every
    endpoint can give: an invalid request and a server failure."""
    grouped: dict[int, list[ProblemCode]] = {}
    for code in (*codes, problems.INVALID_REQUEST, problems.INTERNAL_ERROR):
        if code not in grouped.setdefault(code.status, []):
            grouped[code.status].append(code)
    return {
        status: {
            "model": ProblemBody,
            "description": "Problem: " + ", ".join(f"`{c.code}`" for c in group),
        }
        for status, group in sorted(grouped.items())
    }


AUTH = (problems.TOKEN_MISSING, problems.TOKEN_INVALID, problems.TOKEN_REVOKED)
