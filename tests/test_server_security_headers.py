"""Security headers on every response (no framing, a Content-Security-Policy that allows
only this origin, no referrer to other sites, no type sniffing), console pages that need
nothing the policy forbids, and no /docs or /redoc pages that load scripts from a CDN."""

from __future__ import annotations

import re
from importlib.resources import files

import pytest

from server_stub.web.middleware import SECURITY_HEADERS

from test_console_auth import console_routes


def assert_secured(response, what: str = "") -> None:
    headers = response.headers
    assert headers["x-frame-options"] == "DENY", what
    policy = headers["content-security-policy"]
    assert "frame-ancestors 'none'" in policy and "default-src 'self'" in policy, what
    assert headers["referrer-policy"] == "same-origin", what
    assert headers["x-content-type-options"] == "nosniff", what


def test_every_console_page_carries_the_headers(server_store, console):
    paths = console_routes("GET")
    assert "/visits" in paths and "/shoppers" in paths
    for path in paths:
        assert_secured(console.http.get("/console" + path, follow_redirects=False), path)


def test_the_login_page_a_refusal_and_static_files_carry_them(server_store):
    import console_support

    with console_support.console_client(server_store, logged_in=False) as console:
        http = console.http
        assert_secured(http.get("/console/login"), "login")
        assert_secured(http.get("/console/visits", follow_redirects=False), "redirect to login")
        assert_secured(http.get("/console/static/console.css"), "stylesheet")
        assert_secured(http.post("/console/logout", data={}), "401 page")
        assert_secured(http.get("/console/no-such-page"), "404 page")


def test_api_answers_and_refusals_carry_them_too(server_store, console):
    http = console.http
    assert_secured(http.get("/api/v1/health"), "health")
    assert_secured(http.get("/api/v1/sync/pull"), "401 problem")
    assert_secured(http.post("/api/v1/devices/pair", content=b"x" * (3 * 1024 * 1024),
                             headers={"content-type": "application/json"}), "413 from the body limit")
    assert_secured(http.get("/openapi.json"), "openapi")


def test_a_header_the_application_sets_is_not_doubled(server_store, console):
    response = console.http.get("/console/visits")
    for name in SECURITY_HEADERS:
        assert len(response.headers.get_list(name)) == 1, name


TEMPLATES = files("server_stub.console") / "templates"


@pytest.mark.parametrize("template", sorted(t.name for t in TEMPLATES.iterdir() if t.name.endswith(".html")))
def test_no_template_needs_what_the_policy_forbids(template):
    # default-src 'self' refuses inline scripts, inline styles and event handlers.
    source = (TEMPLATES / template).read_text(encoding="utf-8")
    assert not re.search(r"<script|<style|\sstyle=|\son[a-z]+=|javascript:", source, re.I), template


def test_console_pages_name_no_other_site(server_store, console):
    for path in ("/visits", "/shoppers", "/analytics", "/checklists"):
        page = console.get(path)
        addresses = re.findall(r'(?:src|href|action)="([^"]*)"', page.html)
        assert addresses and all(a.startswith("/") and not a.startswith("//") for a in addresses), (path, addresses)


def test_docs_and_redoc_are_off_and_the_openapi_document_stays(server_store, console):
    http = console.http
    for path in ("/docs", "/redoc", "/docs/oauth2-redirect"):
        assert http.get(path).status_code == 404, path
    spec = http.get("/openapi.json")
    assert spec.status_code == 200 and "/api/v1/devices/pair" in spec.json()["paths"]
    assert "cdn" not in spec.text.lower()
    # The pairing limit's 429 is part of the contract (schemathesis checks answers against it).
    assert "429" in spec.json()["paths"]["/api/v1/devices/pair"]["post"]["responses"]
