"""Benchmark: the sync server, one worker process on loopback, 16 shoppers at once.

Run as ``.venv/bin/python benchmarks/server.py``. Starts `fieldaudit server` (SQLite in a
temporary folder, as the default set-up) as its own process, pairs 16 phones, and drives
it from this process with 16 concurrent asyncio clients:

1. visit PUTs: each client sends real showroom visits (a fully answered revision of the
   published checklist, with stopwatches and two photo references), each to a new uuid,
   so every PUT is validated and stored; then
2. photo uploads: each client uploads the photos its visits name, one PATCH per photo
   (phone-sized JPEGs of about 240 KB), which the server hashes and decodes.

Prints one JSON object: `visit_puts_per_s`, `visit_put_p50_ms`, `visit_put_p95_ms`,
`photo_mb_per_s`, `photos`, `photo_bytes` (targets: >= 200 PUT/s, p95 <= 150 ms,
>= 50 MB/s).
"""

from __future__ import annotations

import asyncio
import hashlib
import io
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid as uuid_module
from datetime import datetime, timezone
from pathlib import Path

import httpx
from PIL import Image

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))
sys.path.insert(0, str(ROOT / "tests"))

from photos import camera_jpeg, forecourt_scene  # noqa: E402
from samples import answer_all  # noqa: E402

from field_app.app import open_service  # noqa: E402
from field_app.clock import ManualClock  # noqa: E402
from field_app.domain.canonical import canonical_json  # noqa: E402
from field_app.domain.records import VisitRevision  # noqa: E402
from field_app.domain.registry import Registry  # noqa: E402
from field_app.paths import checklists_dir  # noqa: E402
from field_app.photos import process_photo  # noqa: E402
from server_stub import admin  # noqa: E402
from server_stub.settings import Settings  # noqa: E402
from server_stub.store import open_store  # noqa: E402

CLIENTS = 16
PUTS_PER_CLIENT = 100
PHOTOS_PER_CLIENT = 32
API = "/api/v1"
# The showroom visit's photo questions take 3 + 3 + 2 photos: one visit names 8.
PHOTO_QUESTIONS = ["photo_facade"] * 3 + ["photo_parking"] * 3 + ["photo_business_card"] * 2


def main() -> None:
    with tempfile.TemporaryDirectory() as temp:
        work = Path(temp)
        photos = phone_photos(work / "photos", CLIENTS * PHOTOS_PER_CLIENT)
        body = visit_body(work / "phone")
        with open_store(Settings(data_dir=work / "server")) as store:
            codes = [admin.create_shopper(store, f"Тайный покупатель {i}").pairing_code for i in range(CLIENTS)]
        port = free_port()
        server = start_server(work / "server", port)
        try:
            result = asyncio.run(drive(f"http://127.0.0.1:{port}", codes, body, photos, server.pid))
        finally:
            server.terminate()
            server.wait(10)
    print(json.dumps(result))


async def drive(url: str, codes: list[str], body: dict, photos: list[bytes], server_pid: int) -> dict:
    limits = httpx.Limits(max_connections=CLIENTS)
    async with httpx.AsyncClient(base_url=url + API, timeout=60, limits=limits) as client:
        tokens = [(await client.post("/devices/pair", json={"code": c, "device_name": "bench"})).json()["token"]
                  for c in codes]
        shares = [photos[i::CLIENTS] for i in range(CLIENTS)]
        # A warm-up round, not counted: connections, the checklist cache, SQLite's pages.
        await asyncio.gather(*(put_visits(client, t, body, [], 5) for t in tokens))

        started = time.perf_counter()
        latencies = await asyncio.gather(*(put_visits(client, t, body, [], PUTS_PER_CLIENT) for t in tokens))
        put_seconds = time.perf_counter() - started

        await asyncio.gather(*(put_visits(client, t, body, share[i:i + len(PHOTO_QUESTIONS)], 1)
                               for t, share in zip(tokens, shares)
                               for i in range(0, len(share), len(PHOTO_QUESTIONS))))
        started, server_cpu, own_cpu = time.perf_counter(), cpu_seconds(server_pid), time.process_time()
        await asyncio.gather(*(upload(client, t, share) for t, share in zip(tokens, shares)))
        photo_seconds = time.perf_counter() - started
        server_cpu, own_cpu = cpu_seconds(server_pid) - server_cpu, time.process_time() - own_cpu

    times = sorted(ms for client_times in latencies for ms in client_times)
    photo_bytes = sum(len(p) for p in photos)
    return {
        "clients": CLIENTS,
        "visit_puts": len(times),
        "visit_puts_per_s": round(len(times) / put_seconds, 1),
        "visit_put_p50_ms": round(statistics.median(times), 1),
        "visit_put_p95_ms": round(times[int(0.95 * (len(times) - 1))], 1),
        "photos": len(photos),
        "photo_bytes": photo_bytes,
        "photo_mb_per_s": round(photo_bytes / photo_seconds / 1e6, 1),
        # Where the photo phase's time went: the server's and the clients' CPU seconds.
        "photo_phase_s": round(photo_seconds, 2),
        "photo_phase_server_cpu_s": round(server_cpu, 2),
        "photo_phase_client_cpu_s": round(own_cpu, 2),
    }


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process, from /proc (Linux)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def put_visits(client: httpx.AsyncClient, token: str, body: dict, photos: list[bytes], count: int) -> list[float]:
    headers = {"Authorization": f"Bearer {token}"}
    refs = [photo_ref(p, PHOTO_QUESTIONS[i]) for i, p in enumerate(photos)]
    content = json.dumps(body | {"photos": refs or body["photos"]}).encode()
    times = []
    for _ in range(count):
        started = time.perf_counter()
        answer = await client.put(f"/visits/{uuid_module.uuid4()}", content=content,
                                  headers=headers | {"Content-Type": "application/json"})
        times.append((time.perf_counter() - started) * 1000)
        assert answer.status_code == 200, answer.text
    return times


async def upload(client: httpx.AsyncClient, token: str, photos: list[bytes]) -> None:
    for data in photos:
        answer = await client.patch(f"/blobs/{sha256(data)}", content=data, headers={
            "Authorization": f"Bearer {token}", "Tus-Resumable": "1.0.0",
            "Content-Type": "application/offset+octet-stream",
            "Upload-Offset": "0", "Upload-Length": str(len(data)),
        })
        assert answer.status_code == 204, answer.text


def visit_body(folder: Path) -> dict:
    """A real showroom visit, every question answered, as the phone freezes it; unplanned
    (no assignment) so that any shopper may send it."""
    clock = ManualClock(datetime(2026, 11, 22, 10, 0, tzinfo=timezone.utc))
    service = open_service(folder, clock)
    service.store.save_checklist(Registry.from_directory(checklists_dir()).get("showroom_visit", 1).checklist)
    uuid = service.store.start_visit("showroom_visit", 1, at=clock.now()).uuid
    answer_all(service, uuid)
    clock.advance(60)
    revision = service.finalize(uuid)
    service.store.close()
    return json.loads(canonical_json(VisitRevision.model_validate(revision.model_dump() | {"assignment_id": None})))


def phone_photos(folder: Path, count: int) -> list[bytes]:
    """Phone-sized photos (the app's pipeline output), each distinct: a few scenes, each
    saved again with one pixel changed."""
    folder.mkdir(parents=True)
    rng = random.Random(20261123)
    scenes = [Image.open(process_photo(camera_jpeg(forecourt_scene(rng)), folder).path) for _ in range(4)]
    photos = []
    for index in range(count):
        image = scenes[index % len(scenes)].copy()
        image.putpixel((index % image.width, 0), (index % 256, 0, 0))
        buffer = io.BytesIO()
        image.save(buffer, "JPEG", quality=85)
        photos.append(buffer.getvalue())
    return photos


def photo_ref(data: bytes, question_id: str) -> dict:
    return {"sha256": sha256(data), "bytes": len(data), "question_id": question_id,
            "taken_at": "2026-11-22T10:20:00Z"}


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(data: Path, port: int) -> subprocess.Popen:
    process = subprocess.Popen(
        [sys.executable, "-m", "field_app.cli", "server", "--data", str(data), "--port", str(port)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}{API}/health", timeout=1).status_code == 200:
                return process
        except httpx.TransportError:
            time.sleep(0.1)
    process.kill()
    raise RuntimeError("the server did not start")


if __name__ == "__main__":
    main()
