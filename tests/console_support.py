"""The console in-process (starlette's TestClient over the whole server app), logged in
as a coordinator, with the CSRF token of the last page it read ready for the next form;
and `Phone`, a paired phone sending visits through the same app."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from contextlib import contextmanager

from fastapi.testclient import TestClient

from field_app.domain.sync_messages import API_PREFIX
from server_stub import admin
from server_stub.store import ServerStore
from server_stub.web.app import create_app

from server_support import sha, tus_headers

USERNAME, PASSWORD = "coordinator", "correct horse battery"
_CSRF = re.compile(r'name="csrf" value="([^"]+)"')


class ConsoleClient:
    def __init__(self, client: TestClient):
        self.http = client
        self.csrf: str | None = None

    def get(self, path: str, **params) -> "Page":
        response = self.http.get("/console" + path, params=params or None)
        self._remember_csrf(response.text)
        return Page(response)

    def post(self, path: str, data: dict | None = None, files: dict | None = None, *,
             csrf: str | None | bool = True, follow: bool = True) -> "Page":
        """A form post; `csrf=True` sends the token of the last page read, False none."""
        fields = dict(data or {})
        if csrf is True:
            assert self.csrf, "read a page first: the form needs its CSRF token"
            fields["csrf"] = self.csrf
        elif isinstance(csrf, str):
            fields["csrf"] = csrf
        response = self.http.post("/console" + path, data=fields, files=files, follow_redirects=follow)
        self._remember_csrf(response.text)
        return Page(response)

    def login(self, username: str = USERNAME, password: str = PASSWORD) -> "Page":
        self.get("/login")
        return self.post("/login", {"username": username, "password": password})

    def _remember_csrf(self, text: str) -> None:
        found = _CSRF.search(text)
        if found:
            self.csrf = html.unescape(found.group(1))


class Page:
    """A response, with the page's text as a reader sees it (tags dropped)."""

    def __init__(self, response):
        self.response = response
        self.status = response.status_code
        self.html = response.text
        self.url = str(response.url)

    @property
    def text(self) -> str:
        stripped = re.sub(r"<(script|style)\b.*?</\1>", " ", self.html, flags=re.S)
        return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", stripped))).strip()

    def __contains__(self, needle: str) -> bool:
        return needle in self.text


@contextmanager
def console_client(store: ServerStore, *, logged_in: bool = True) -> Iterator[ConsoleClient]:
    """A browser of the console on `store`, with a coordinator account made for it."""
    admin.create_coordinator(store, USERNAME, PASSWORD)
    with TestClient(create_app(store.settings, store), base_url="http://testserver") as http:
        client = ConsoleClient(http)
        if logged_in:
            page = client.login()
            assert page.status == 200, page.text
        yield client


class Phone:
    """A paired phone talking to the sync API through the console's test client."""

    def __init__(self, console, store, name: str = "Анна Петрова"):
        self.http = console.http
        code = admin.create_shopper(store, name)
        answer = self.http.post(API_PREFIX + "/devices/pair",
                                json={"code": code.pairing_code, "device_name": "Pixel 8"})
        assert answer.status_code == 200, answer.text
        self.auth = {"Authorization": f"Bearer {answer.json()['token']}"}

    def send(self, uuid: str, body: dict) -> dict:
        answer = self.http.put(f"{API_PREFIX}/visits/{uuid}", json=body, headers=self.auth)
        assert answer.status_code == 200, answer.text
        return answer.json()

    def upload(self, data: bytes) -> None:
        answer = self.http.patch(f"{API_PREFIX}/blobs/{sha(data)}", content=data,
                                 headers=self.auth | tus_headers(0, len(data)))
        assert answer.status_code == 204, answer.text

    def pull(self) -> dict:
        answer = self.http.get(API_PREFIX + "/sync/pull", headers=self.auth)
        assert answer.status_code == 200, answer.text
        return answer.json()

    def status(self, uuid: str) -> str:
        return self.http.get(f"{API_PREFIX}/visits/{uuid}", headers=self.auth).json()["status"]
