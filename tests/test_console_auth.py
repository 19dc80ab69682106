"""Console security: logging in and out, cookies, every page and action refused without
a session, every form refused without its CSRF token, and shopper text escaped."""

from __future__ import annotations

import re

import pytest
from fastapi.routing import APIRoute

from server_stub import admin
from server_stub.console.pages import MODULES

from console_support import PASSWORD, USERNAME, console_client


def console_routes(method: str) -> list[str]:
    """Every console path answering `method`, with made-up values for its parameters."""
    paths = [route.path for module in MODULES for route in module.router.routes
             if isinstance(route, APIRoute) and method in route.methods]
    return sorted({re.sub(r"\{[^}]+\}", "x1", path) for path in paths})


PUBLIC = {"/login", "/language/x1"}


def test_logging_in_sets_a_session_cookie_that_scripts_cannot_read(server_store):
    with console_client(server_store, logged_in=False) as console:
        console.get("/login")
        page = console.post("/login", {"username": USERNAME, "password": PASSWORD}, follow=False)
        assert page.status == 303
        cookie = page.response.headers["set-cookie"]
        assert "fa_session=" in cookie and "HttpOnly" in cookie and "SameSite=lax" in cookie
        assert "Path=/console" in cookie
        assert console.get("/visits").status == 200


def test_a_wrong_password_and_an_unknown_user_are_refused_alike(server_store):
    with console_client(server_store, logged_in=False) as console:
        wrong = console.login(USERNAME, "not the password")
        unknown = console.login("nobody", PASSWORD)
        assert wrong.status == unknown.status == 401
        assert wrong.text.count("Неверный логин или пароль") == 1
        assert "fa_session" not in console.http.cookies
        assert console.get("/visits").url.endswith("/console/login?next=/console/visits")


def test_logging_out_ends_the_session_on_the_server(server_store, console):
    stolen = console.http.cookies.get("fa_session")
    console.get("/visits")
    assert console.post("/logout").url.endswith("/console/login")
    console.http.cookies.set("fa_session", stolen, path="/console")
    assert "/console/login" in console.get("/visits").url


def test_a_session_expires(server_store, console, clock):
    clock.advance(13 * 3600)
    assert "/console/login" in console.get("/visits").url


def test_the_login_form_needs_its_own_csrf_token(server_store):
    with console_client(server_store, logged_in=False) as console:
        console.get("/login")
        page = console.post("/login", {"username": USERNAME, "password": PASSWORD}, csrf="forged")
        assert page.status == 403
        assert "fa_session" not in console.http.cookies


def test_after_logging_in_only_console_addresses_are_followed(server_store):
    with console_client(server_store, logged_in=False) as console:
        console.get("/login", next="https://evil.example/")
        page = console.post("/login", {"username": USERNAME, "password": PASSWORD,
                                       "next": "https://evil.example/"}, follow=False)
        assert page.response.headers["location"] == "/console/"


def test_every_page_without_a_session_sends_to_the_login(server_store):
    with console_client(server_store, logged_in=False) as console:
        paths = [p for p in console_routes("GET") if p not in PUBLIC]
        assert "/visits" in paths and len(paths) >= 2
        for path in paths:
            page = console.http.get("/console" + path, follow_redirects=False)
            assert page.status_code == 303, path
            assert page.headers["location"].startswith("/console/login"), path


def test_every_action_without_a_session_is_refused(server_store):
    with console_client(server_store, logged_in=False) as console:
        paths = [p for p in console_routes("POST") if p not in PUBLIC]
        assert "/logout" in paths
        for path in paths:
            page = console.http.post("/console" + path, data={"csrf": "x"}, follow_redirects=False)
            assert page.status_code == 401, path


def test_every_form_posted_without_its_csrf_token_is_refused(server_store, console):
    console.get("/visits")
    paths = [p for p in console_routes("POST") if p not in PUBLIC]
    for path in paths:
        for csrf in (False, "not-the-token"):
            page = console.post(path, {}, csrf=csrf)
            assert page.status == 403, (path, csrf)
            assert "Форма устарела" in page.text
    assert console.get("/visits").status == 200  # still logged in: the session was not touched


def test_shopper_text_is_escaped(server_store, console):
    admin.create_shopper(server_store, '<script>alert("x")</script><b>Анна</b>')
    page = console.get("/visits")
    assert "<script>alert" not in page.html
    assert "&lt;script&gt;alert" in page.html
    assert '<script>alert("x")</script><b>Анна</b>' in page.text


def test_pages_switch_to_english_and_back(server_store, console):
    console.http.get("/console/language/en", params={"next": "/console/visits"})
    assert "Visits found" in console.get("/visits")
    console.http.get("/console/language/ru", params={"next": "/console/visits"})
    assert "Найдено визитов" in console.get("/visits")


@pytest.mark.parametrize("language", ["ru", "en"])
def test_console_translations_have_the_same_keys(language):
    from field_app.domain.i18n import catalogue
    from server_stub.console.web import TRANSLATIONS

    assert set(catalogue(language, TRANSLATIONS)) == set(catalogue("ru", TRANSLATIONS))
