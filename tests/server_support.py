"""Helpers of the server tests: a real server on loopback, a fresh database per test
(SQLite in the test's folder, or a PostgreSQL schema of its own), and visits to send.

    with LiveServer.start(Settings(data_dir=tmp, db_url=url)) as server:
        shopper = server.shopper("Анна")          # id, code, token, and an httpx client
        shopper.client.put(f"/visits/{uuid}", json=revision(...))

The lead's integration tests can use the same: `LiveServer.start(settings)` serves
`create_app(settings)` in a thread; `server.store` is the open store for the admin library.
`start_server` runs `fieldaudit server` as a process of its own instead, for tests that kill it.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import secrets
import socket
import subprocess
import sys
import threading
import time
import urllib.parse
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn

from field_app.domain.canonical import checklist_sha256
from field_app.domain.route import Dealership
from field_app.domain.sync_messages import API_PREFIX
from server_stub import admin
from server_stub.serve import serve_in_background
from server_stub.settings import Settings
from server_stub.store import ServerStore
from server_stub.web.app import create_app

from samples import checklist, jpeg

POSTGRES_ENV = "FIELDAUDIT_TEST_POSTGRES_URL"
POSTGRES_SKIP = "set FIELDAUDIT_TEST_POSTGRES_URL=postgresql://... to run on PostgreSQL (bash .ci/run sets it)"

MINI = checklist()
MINI_SHA = checklist_sha256(MINI)
DAY = date(2026, 11, 22)


# --- databases -------------------------------------------------------------------------

@contextlib.contextmanager
def database_url(backend: str) -> Iterator[str | None]:
    """None for SQLite (the server's default file in its data folder), or the URL of a
    fresh PostgreSQL schema that is dropped afterwards."""
    if backend == "sqlite":
        yield None
        return
    base = os.environ.get(POSTGRES_ENV)
    if not base:
        pytest.skip(POSTGRES_SKIP)
    with postgres_schema(base) as url:
        yield url


@contextlib.contextmanager
def postgres_schema(base_url: str) -> Iterator[str]:
    import psycopg

    schema = "t_" + secrets.token_hex(6)
    with psycopg.connect(base_url, autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {schema}")
    try:
        yield with_search_path(base_url, schema)
    finally:
        with psycopg.connect(base_url, autocommit=True) as conn:
            conn.execute(f"DROP SCHEMA {schema} CASCADE")


def with_search_path(url: str, schema: str) -> str:
    parts = urllib.parse.urlsplit(url)
    query = urllib.parse.parse_qsl(parts.query)
    query.append(("options", f"-csearch_path={schema}"))
    return urllib.parse.urlunsplit(parts._replace(query=urllib.parse.urlencode(query)))


# --- a live server -----------------------------------------------------------------------

@dataclass
class Shopper:
    """A shopper with a paired phone: their id, the code used, the token and a client."""

    id: str
    token: str
    client: httpx.Client
    device_id: str = ""


@dataclass
class LiveServer:
    settings: Settings
    app: Any
    server: uvicorn.Server
    thread: threading.Thread
    port: int
    clients: list[httpx.Client] = field(default_factory=list)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def api(self) -> str:
        return self.url + API_PREFIX

    @property
    def store(self) -> ServerStore:
        return self.app.state.store

    @classmethod
    @contextlib.contextmanager
    def start(cls, settings: Settings, app: Any = None) -> Iterator["LiveServer"]:
        """Serve `create_app(settings)` (or the given app) until the block ends."""
        app = app or create_app(settings)
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", 0))
        server, thread = serve_in_background(app, sockets=[sock])
        live = cls(settings, app, server, thread, sock.getsockname()[1])
        try:
            yield live
        finally:
            for client in live.clients:
                client.close()
            server.should_exit = True
            thread.join(10)
            sock.close()

    def client(self, token: str | None = None, **kwargs: Any) -> httpx.Client:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        client = httpx.Client(base_url=self.api, headers=headers, timeout=30, **kwargs)
        self.clients.append(client)
        return client

    def shopper(self, name: str = "Анна Петрова", device_name: str = "Pixel 8") -> Shopper:
        """A new shopper whose phone is paired: what most tests start from."""
        code = admin.create_shopper(self.store, name)
        answer = self.client().post("/devices/pair", json={"code": code.pairing_code, "device_name": device_name})
        assert answer.status_code == 200, answer.text
        token = answer.json()["token"]
        devices = admin.list_devices(self.store, code.shopper_id)
        return Shopper(code.shopper_id, token, self.client(token), devices[-1].id)


# --- a server process --------------------------------------------------------------------

def start_server(data: Path, db_url: str | None, port: int, log: Path) -> subprocess.Popen:
    """`fieldaudit server` on `port`, once it answers `/health`; its output goes to `log`."""
    command = [sys.executable, "-m", "fieldaudit", "server", "--data", str(data), "--port", str(port)]
    if db_url:
        command += ["--db", db_url]
    process = subprocess.Popen(command, stdout=log.open("ab"), stderr=subprocess.STDOUT)

    def healthy() -> bool:
        assert process.poll() is None, f"the server stopped:\n{log.read_text()}"
        try:
            return httpx.get(f"http://127.0.0.1:{port}/api/v1/health", timeout=1).status_code == 200
        except httpx.TransportError:
            return False

    wait_for(healthy, timeout=30, what="the server process to answer")
    return process


def stop_server(process: subprocess.Popen) -> None:
    """Stop it as an operator would (SIGTERM); kill it only if it does not stop. A process
    that already ended is left as it is."""
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(10)


def publish_mini(store: ServerStore) -> None:
    """The small checklist of `samples.py`, which the revisions below are filled against."""
    store.catalog.publish(MINI, store.now())


def seed_dealers(store: ServerStore, *codes: str) -> None:
    admin.save_dealers(store, [
        Dealership(code=code, name=f"Дилер {code}", brand="Kia", city="Москва", address="ул. Ленина, 1",
                   phone="+7 495 000-00-00", lat=55.75, lon=37.61)
        for code in codes or ("D1",)
    ])


# --- visits and photos -------------------------------------------------------------------

def new_uuid() -> str:
    import uuid

    return str(uuid.uuid4())


def photo_ref(data: bytes, question_id: str = "front_photo") -> dict:
    return {"sha256": sha(data), "bytes": len(data), "question_id": question_id, "taken_at": "2026-11-22T10:20:00Z"}


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def revision(number: int = 1, *, photos: list[bytes] = (), assignment_id: str | None = None,
             greeted: object = True, follow_ups: dict | None = None, **extra: Any) -> dict:
    """A finalized revision of the mini checklist, as the phone sends it."""
    at = "2026-11-22T10:05:00Z"
    body = {
        "revision": number,
        "assignment_id": assignment_id,
        "checklist": {"id": MINI.id, "version": MINI.version, "sha256": MINI_SHA},
        "started_at": "2026-11-22T10:00:00Z",
        "finalized_at": f"2026-11-22T10:{47 + number % 10:02d}:00Z",
        "answers": {
            "greeted": {"value": greeted, "answered_at": at},
            "test_drive_now": {"value": "yes", "answered_at": at},
            "mirrors": {"value": False, "answered_at": at},
            "rings": {"value": 3, "answered_at": at},
            "parking": {"na": True, "answered_at": at},
            "consultant_wait": {"value": 70, "answered_at": at},
        },
        "timers": {"consultant_wait": [{"event": "start", "at": "2026-11-22T10:01:00Z"},
                                       {"event": "stop", "at": "2026-11-22T10:02:10Z"}]},
        "photos": [photo_ref(p) for p in photos],
        "follow_ups": follow_ups or {},
    }
    body.update(extra)
    return body


def tus_headers(offset: int, length: int | None = None, **extra: str) -> dict[str, str]:
    headers = {"Tus-Resumable": "1.0.0", "Content-Type": "application/offset+octet-stream",
               "Upload-Offset": str(offset)}
    if length is not None:
        headers["Upload-Length"] = str(length)
    return {**headers, **extra}


def upload(client: httpx.Client, data: bytes, offset: int = 0, piece: bytes | None = None) -> httpx.Response:
    body = data[offset:] if piece is None else piece
    return client.patch(f"/blobs/{sha(data)}", content=body, headers=tus_headers(offset, len(data)))


def photo(n: int = 0) -> bytes:
    """A small real JPEG; another n, another photo."""
    return jpeg(((n * 53) % 256, (n * 97) % 256, 120), (320, 240))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def data_files(root: Path) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file() and p.suffix in (".jpg", ".part"))


def noisy_photo(size: tuple[int, int] = (400, 300), seed: int = 0) -> bytes:
    """A JPEG of noise: large for its pixel count, to upload in many chunks."""
    import io
    import random

    from PIL import Image

    rng = random.Random(seed)
    image = Image.frombytes("RGB", size, bytes(rng.getrandbits(8) for _ in range(size[0] * size[1] * 3)))
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=95)
    return buffer.getvalue()


def start_raw_patch(port: int, token: str, data: bytes, offset: int, sent: bytes) -> socket.socket:
    """Begin a PATCH whose Content-Length promises the rest of the photo, send only `sent`
    of it, and leave the connection open: a phone whose signal dropped mid-upload."""
    sock = socket.create_connection(("127.0.0.1", port))
    head = (
        f"PATCH {API_PREFIX}/blobs/{sha(data)} HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        f"Authorization: Bearer {token}\r\nTus-Resumable: 1.0.0\r\n"
        f"Content-Type: application/offset+octet-stream\r\nUpload-Offset: {offset}\r\n"
        f"Upload-Length: {len(data)}\r\nContent-Length: {len(data) - offset}\r\n\r\n"
    )
    sock.sendall(head.encode() + sent)
    return sock


def wait_for(condition, timeout: float = 10, what: str = "the condition") -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.01)
