"""Logging in and out, and the language switch."""

from __future__ import annotations

import logging
import secrets

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from field_app.domain.i18n import LANGUAGES

from ...errors import TooManyAttemptsError
from .. import sessions
from ..web import LANGUAGE_COOKIE, PREFIX, SESSION_COOKIE, Form, Session, Store, render, safe_next, translator, url

router = APIRouter()
log = logging.getLogger("server_stub")
# Before logging in there is no session to hold a CSRF token: the login form's token is
# a cookie of its own that the form must repeat (double submit).
LOGIN_CSRF_COOKIE = "fa_login_csrf"


@router.get("/")
async def home(_session: Session) -> Response:
    return RedirectResponse(url("/visits"), status_code=303)


@router.get("/login")
async def login_page(request: Request, next: str | None = None) -> Response:
    return _login_form(request, safe_next(next), failed=False)


@router.post("/login")
async def log_in(request: Request, store: Store) -> Response:
    form = await request.form()
    expected, sent = request.cookies.get(LOGIN_CSRF_COOKIE, ""), str(form.get("csrf") or "")
    if not expected or not secrets.compare_digest(expected.encode(), sent.encode()):
        return render(request, "error.html", 403, message_key="errors.csrf")
    username, password = str(form.get("username") or ""), str(form.get("password") or "")
    address = request.client.host if request.client else ""
    try:
        token = await run_in_threadpool(sessions.log_in, store, username, password, address)
    except TooManyAttemptsError as exc:
        # The same page whether the name exists or not, and whether the password was right.
        log.info("console login refused 429 for %s: too many failed attempts", address or "an unknown address")
        response = _login_form(request, safe_next(str(form.get("next") or "")), failed=False, username=username,
                               status_code=429, refusal=translator(request)("login.too_many", minutes=exc.minutes))
        response.headers.update(exc.headers())
        return response
    if token is None:
        return _login_form(request, safe_next(str(form.get("next") or "")), failed=True, username=username)
    response = RedirectResponse(safe_next(str(form.get("next") or "")), status_code=303)
    _set_cookie(request, response, SESSION_COOKIE, token, max_age=int(sessions.LIFETIME.total_seconds()))
    response.delete_cookie(LOGIN_CSRF_COOKIE, path=PREFIX)
    return response


@router.post("/logout")
async def log_out(request: Request, store: Store, _form: Form) -> Response:
    await run_in_threadpool(sessions.log_out, store, request.cookies.get(SESSION_COOKIE))
    response = RedirectResponse(url("/login"), status_code=303)
    response.delete_cookie(SESSION_COOKIE, path=PREFIX)
    return response


@router.get("/language/{language}")
async def choose_language(request: Request, language: str, next: str | None = None) -> Response:
    response = RedirectResponse(safe_next(next), status_code=303)
    if language in LANGUAGES:
        _set_cookie(request, response, LANGUAGE_COOKIE, language, max_age=365 * 24 * 3600)
    return response


def _login_form(request: Request, next_page: str, failed: bool, username: str = "", status_code: int | None = None,
                refusal: str = "") -> Response:
    token = secrets.token_urlsafe(24)
    response = render(request, "login.html", status_code or (401 if failed else 200),
                      login_csrf=token, next=next_page, failed=failed, username=username, refusal=refusal)
    _set_cookie(request, response, LOGIN_CSRF_COOKIE, token)
    return response


def _set_cookie(request: Request, response: Response, name: str, value: str, max_age: int | None = None) -> None:
    response.set_cookie(name, value, max_age=max_age, path=PREFIX, httponly=True, samesite="lax",
                        secure=request.url.scheme == "https")
