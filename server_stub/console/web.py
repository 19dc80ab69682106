"""What every console page shares: the session a request carries, the CSRF check of a
form, and drawing a template in the coordinator's language.

Templates are Jinja2 with autoescaping on: whatever a shopper typed (a comment, a name)
reaches the page as text, never as markup.
"""

from __future__ import annotations

from datetime import date
from importlib.resources import files
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from starlette.datastructures import FormData
from starlette.types import Message, Scope, Send
from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from field_app.domain.i18n import DEFAULT_LANGUAGE, LANGUAGES, Translator

from ..store import ServerStore
from . import sessions
from .sessions import ConsoleSession

# Package data (read through importlib.resources, so an installed wheel needs no checkout).
TRANSLATIONS = files(__package__) / "translations"
PREFIX = "/console"
SESSION_COOKIE = "fa_session"
LANGUAGE_COOKIE = "fa_lang"

templates = Environment(
    loader=PackageLoader(__package__, "templates"),
    autoescape=select_autoescape(["html"], default_for_string=True),
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)


class NotLoggedInError(Exception):
    """The request carries no valid console session."""


class CsrfError(Exception):
    """A form came without the CSRF token of its session."""


async def get_store(request: Request) -> ServerStore:
    return request.app.state.store


Store = Annotated[ServerStore, Depends(get_store)]


def current_session(request: Request, store: Store) -> ConsoleSession:
    session = sessions.current(store, request.cookies.get(SESSION_COOKIE))
    if session is None:
        raise NotLoggedInError()
    request.state.session = session
    return session


Session = Annotated[ConsoleSession, Depends(current_session)]


async def checked_form(request: Request, session: Session) -> FormData:
    """The posted form, once its CSRF token is the session's. Files come as UploadFile."""
    form = await request.form()
    sent = form.get("csrf")
    if not sessions.csrf_matches(session, sent if isinstance(sent, str) else None):
        raise CsrfError()
    return form


Form = Annotated[FormData, Depends(checked_form)]


def language_of(request: Request) -> str:
    chosen = request.cookies.get(LANGUAGE_COOKIE)
    return chosen if chosen in LANGUAGES else DEFAULT_LANGUAGE


def translator(request: Request) -> Translator:
    return Translator(language_of(request), TRANSLATIONS)


def render(request: Request, template: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    t = translator(request)
    session = getattr(request.state, "session", None)
    page = templates.get_template(template).render(
        t=t, lang=t.language, session=session, csrf=session.csrf_token if session else "",
        here=_here(request), url=url, path_is=lambda p: request.url.path.startswith(PREFIX + p), **context,
    )
    return HTMLResponse(page, status_code=status_code, headers=NO_STORE)


# Pages show shoppers' answers and photos: not for shared caches or the back button of
# the next person at a shared laptop.
NO_STORE = {"Cache-Control": "no-store"}


def url(path: str = "/", **query: Any) -> str:
    """A console address: `url("/visits", status="returned")`."""
    link = PREFIX + path
    pairs = [(k, v) for k, v in query.items() if v not in (None, "")]
    if pairs:
        link += "?" + "&".join(f"{quote(str(k))}={quote(str(v))}" for k, v in pairs)
    return link


def redirect(path: str, **query: Any) -> RedirectResponse:
    """After a POST: 303, so that reloading the page does not post again."""
    return RedirectResponse(url(path, **query), status_code=303)


def _here(request: Request) -> str:
    return request.url.path + (f"?{request.url.query}" if request.url.query else "")


def form_day(value: str, field: str, problems: list[str]) -> date | None:
    """A date typed into a filter (YYYY-MM-DD); a bad one adds `field` to `problems`."""
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        problems.append(field)
        return None


def safe_next(value: str | None) -> str:
    """Where to go after logging in: only a console path, never another site."""
    if value and value.startswith(PREFIX + "/") and not value.startswith("//") and "\\" not in value:
        return value
    return PREFIX + "/"


async def refuse_too_large(scope: Scope, send: Send, limit: int) -> None:
    """The body limit's 413 for a console address: a page in the coordinator's language,
    not the sync API's JSON problem."""
    request = Request(scope)
    message = translator(request)("errors.too_large", megabytes=limit // (1024 * 1024))
    page = render(request, "error.html", 413, message=message)
    page.headers["Connection"] = "close"
    await page(scope, _nothing_to_receive, send)


async def _nothing_to_receive() -> Message:
    return {"type": "http.disconnect"}
