"""Benchmark: the sync server, one worker process on loopback, 16 shoppers at once.

Run as ``.venv/bin/python benchmarks/server.py``. Starts `fieldaudit server` (SQLite in a
temporary folder, as the default set-up) as its own process, pairs 16 phones, and drives
it from this process with 16 concurrent asyncio clients:

1. visit PUTs: each client sends real showroom visits (a fully answered revision of the
   published checklist, with stopwatches and two photo references), each to a new uuid,
   so every PUT is validated and stored; then
2. photo uploads: each client uploads the photos its visits name, one PATCH per photo
   (phone-sized JPEGs of about 210 KB, new ones each round), which the server hashes
   and decodes.

Both phases run three times in a row against the same server (`ROUNDS`); each figure is
the median of the rounds, and `each_round` lists them all: this VM's speed drifts by a
fifth within a minute, and one round alone was as likely to catch a slow spell as not.

The clients speak plain HTTP/1.1 over one kept-alive connection each (`Connection`
below), as a load generator such as wrk would: on this two-core machine the server and
the clients share the CPU, and httpx's own work per request (1.6-2.5 CPU-s of the photo
phase against the server's 2.5-4.5) was measured as if the server were slower. Real
phones bring their own CPUs.

Prints one JSON object: `visit_puts_per_s`, `visit_put_p50_ms`, `visit_put_p95_ms`,
`photo_mb_per_s`, `photos`, `photo_bytes` (targets: >= 200 PUT/s, p95 <= 150 ms,
>= 50 MB/s), the CPU seconds the server spent in each phase (and the clients in the photo
phase), and `jpeg_check_ms`, the server's check of one photo timed alone (a measure of
the machine).
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
from field_app.domain.clock import ManualClock  # noqa: E402
from field_app.domain.canonical import canonical_json  # noqa: E402
from field_app.domain.records import VisitRevision  # noqa: E402
from field_app.domain.registry import Registry  # noqa: E402
from field_app.domain.resources import shipped_checklists  # noqa: E402
from field_app.photos import process_photo  # noqa: E402
from field_app.photos.decode import MAX_PIXELS, check_jpeg  # noqa: E402
from server_stub import admin  # noqa: E402
from server_stub.settings import Settings  # noqa: E402
from server_stub.store import open_store  # noqa: E402

CLIENTS = 16
PUTS_PER_CLIENT = 100
PHOTOS_PER_CLIENT = 32
ROUNDS = 3
API = "/api/v1"
# The showroom visit's photo questions take 3 + 3 + 2 photos: one visit names 8.
PHOTO_QUESTIONS = ["photo_facade"] * 3 + ["photo_parking"] * 3 + ["photo_business_card"] * 2


def main() -> None:
    with tempfile.TemporaryDirectory() as temp:
        work = Path(temp)
        photos = phone_photos(work / "photos", CLIENTS * PHOTOS_PER_CLIENT * ROUNDS)
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
        result["jpeg_check_ms"] = jpeg_check_ms(photos[0], work)
    print(json.dumps(result))


async def drive(url: str, codes: list[str], body: dict, photos: list[bytes], server_pid: int) -> dict:
    with httpx.Client(base_url=url + API) as setup:
        tokens = [setup.post("/devices/pair", json={"code": c, "device_name": "bench"}).json()["token"]
                  for c in codes]
    port = int(url.rsplit(":", 1)[1])
    clients = [await Connection.open(port, token) for token in tokens]
    try:
        # A warm-up round, not counted: connections, the checklist cache, SQLite's pages.
        await asyncio.gather(*(put_visits(c, body, [], 5) for c in clients))
        per_round = len(photos) // ROUNDS
        rounds = [await one_round(clients, body, photos[r * per_round:(r + 1) * per_round], server_pid)
                  for r in range(ROUNDS)]
    finally:
        for client in clients:
            client.close()
    # The median round of each figure: this VM's speed drifts within a minute.
    result = {"clients": CLIENTS, "rounds": ROUNDS}
    for key in rounds[0]:
        result[key] = statistics.median(r[key] for r in rounds)
    result["each_round"] = rounds
    return result


async def one_round(clients: list["Connection"], body: dict, photos: list[bytes], server_pid: int) -> dict:
    """Every client PUTs its visits, then uploads its share of the photos (new ones each round)."""
    started, put_cpu = time.perf_counter(), cpu_seconds(server_pid)
    latencies = await asyncio.gather(*(put_visits(c, body, [], PUTS_PER_CLIENT) for c in clients))
    put_seconds, put_cpu = time.perf_counter() - started, cpu_seconds(server_pid) - put_cpu

    shares = [photos[i::CLIENTS] for i in range(CLIENTS)]
    for start in range(0, len(shares[0]), len(PHOTO_QUESTIONS)):
        await asyncio.gather(*(put_visits(c, body, share[start:start + len(PHOTO_QUESTIONS)], 1)
                               for c, share in zip(clients, shares)))
    started, server_cpu, own_cpu = time.perf_counter(), cpu_seconds(server_pid), time.process_time()
    await asyncio.gather(*(upload(c, share) for c, share in zip(clients, shares)))
    photo_seconds = time.perf_counter() - started
    server_cpu, own_cpu = cpu_seconds(server_pid) - server_cpu, time.process_time() - own_cpu

    times = sorted(ms for client_times in latencies for ms in client_times)
    photo_bytes = sum(len(p) for p in photos)
    return {
        "visit_puts": len(times),
        "visit_puts_per_s": round(len(times) / put_seconds, 1),
        "visit_put_p50_ms": round(statistics.median(times), 1),
        "visit_put_p95_ms": round(times[int(0.95 * (len(times) - 1))], 1),
        "put_phase_s": round(put_seconds, 2),
        "put_phase_server_cpu_s": round(put_cpu, 2),
        "photos": len(photos),
        "photo_bytes": photo_bytes,
        "photo_mb_per_s": round(photo_bytes / photo_seconds / 1e6, 1),
        # Where the phases' time went: the server's and the clients' CPU seconds.
        "photo_phase_s": round(photo_seconds, 2),
        "photo_phase_server_cpu_s": round(server_cpu, 2),
        "photo_phase_client_cpu_s": round(own_cpu, 2),
    }


class Connection:
    """One shopper's kept-alive HTTP/1.1 connection: a request written whole, the answer
    read by its Content-Length (the server always sends one)."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, token: str):
        self.reader, self.writer, self.token = reader, writer, token

    @classmethod
    async def open(cls, port: int, token: str) -> "Connection":
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        return cls(reader, writer, token)

    async def request(self, method: str, path: str, headers: dict[str, str], body: bytes) -> tuple[int, bytes]:
        head = [f"{method} {API}{path} HTTP/1.1", "Host: 127.0.0.1", f"Authorization: Bearer {self.token}",
                f"Content-Length: {len(body)}", *(f"{k}: {v}" for k, v in headers.items())]
        self.writer.write(("\r\n".join(head) + "\r\n\r\n").encode())
        self.writer.write(body)
        await self.writer.drain()
        status_line, *lines = (await self.reader.readuntil(b"\r\n\r\n")).decode("latin-1").split("\r\n")
        length = next((int(line.split(":", 1)[1]) for line in lines
                       if line.lower().startswith("content-length:")), 0)
        return int(status_line.split()[1]), await self.reader.readexactly(length)

    def close(self) -> None:
        self.writer.close()


def jpeg_check_ms(data: bytes, folder: Path) -> float:
    """The server's check of one photo (a decode), timed alone: how fast this machine is
    today. This 2-core VM's speed drifts from day to day by 2-3x, and the photo figure
    with it; compare runs by this too."""
    path = folder / "calibration.jpg"
    path.write_bytes(data)
    times = []
    for _ in range(30):
        started = time.perf_counter()
        check_jpeg(path, max_pixels=MAX_PIXELS)
        times.append((time.perf_counter() - started) * 1000)
    return round(statistics.median(times), 2)


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process, from /proc (Linux)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def put_visits(client: Connection, body: dict, photos: list[bytes], count: int) -> list[float]:
    refs = [photo_ref(p, PHOTO_QUESTIONS[i]) for i, p in enumerate(photos)]
    content = json.dumps(body | {"photos": refs or body["photos"]}).encode()
    times = []
    for _ in range(count):
        started = time.perf_counter()
        status, answer = await client.request("PUT", f"/visits/{uuid_module.uuid4()}",
                                              {"Content-Type": "application/json"}, content)
        times.append((time.perf_counter() - started) * 1000)
        assert status == 200, answer
    return times


async def upload(client: Connection, photos: list[bytes]) -> None:
    for data in photos:
        status, answer = await client.request("PATCH", f"/blobs/{sha256(data)}", {
            "Tus-Resumable": "1.0.0", "Content-Type": "application/offset+octet-stream",
            "Upload-Offset": "0", "Upload-Length": str(len(data)),
        }, data)
        assert status == 204, answer


def visit_body(folder: Path) -> dict:
    """A real showroom visit, every question answered, as the phone freezes it; unplanned
    (no assignment) so that any shopper may send it."""
    clock = ManualClock(datetime(2026, 11, 22, 10, 0, tzinfo=timezone.utc))
    service = open_service(folder, clock)
    service.store.save_checklist(Registry.from_directory(shipped_checklists()).get("showroom_visit", 1).checklist)
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
        [sys.executable, "-m", "fieldaudit", "server", "--data", str(data), "--port", str(port)],
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
