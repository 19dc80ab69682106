"""Benchmark: a 20-photo visit sent through a link that drops every 200-400 KB.

Run as ``.venv/bin/python benchmarks/sync.py``. The project's sync client sends a
finalized visit with 20 phone-sized photos to the real server through a proxy that cuts
the connection after a random 200-400 KB of upload, and resumes each photo from the
server's offset. A naive client sends the same revision and photos, each as one whole
request, to a sink server through the same kind of proxy (same seed), and resends a whole
request after every failure. Prints one JSON object:

    project.bytes_sent      bytes the client pushed into the link (counted by the proxy,
                            a cut's lost bytes included), pairing and route pull excluded
    project.payload_bytes   the revision's JSON and the photos' bytes
    project.overhead_ratio  bytes_sent / payload_bytes (target <= 1.10)
    project.cuts            connections the proxy cut during the run
    naive.*                 the same for the naive client
"""

from __future__ import annotations

import http.server
import json
import random
import sys
import tempfile
import threading
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "benchmarks"))

from cutting_proxy import CuttingProxy  # noqa: E402
from photos import camera_jpeg, forecourt_scene  # noqa: E402
from samples import DEMO_NOW, answer_all, evidence_checklist  # noqa: E402
from server_support import LiveServer  # noqa: E402

from field_app.app import open_service  # noqa: E402
from field_app.domain.clock import ManualClock  # noqa: E402
from field_app.demo import DEALERSHIPS  # noqa: E402
from field_app.sync.service import SyncService  # noqa: E402
from server_stub import admin  # noqa: E402
from server_stub.settings import Settings  # noqa: E402

PHOTOS = 20
CUT_EVERY = (200_000, 400_000)
SEED = 20261123


def main() -> None:
    with tempfile.TemporaryDirectory() as temp:
        work = Path(temp)
        clock = ManualClock(DEMO_NOW)
        with LiveServer.start(Settings(data_dir=work / "server", clock=clock)) as server:
            uuid, service, sync = finalized_visit(server, work, clock)
            payload = service.store.revision_payload(uuid, service.visit(uuid).revision)
            photos = [service.photo_path(p.sha256).read_bytes() for p in service.visit(uuid).photos]
            with CuttingProxy(server.port, cut_every=None, seed=SEED) as proxy:
                sync.store.set_setting("sync.server_url", proxy.url)
                proxy.set_cut_every(CUT_EVERY)
                runs = 0
                while True:
                    runs += 1
                    report = sync.sync_now()
                    if report.complete or runs > 100:
                        break
                project = figures(proxy, payload, photos) | {"runs": runs, "complete": report.complete}
        naive = naive_figures(payload, photos)
    print(json.dumps({"photos": PHOTOS, "cut_every_bytes": list(CUT_EVERY), "project": project, "naive": naive}))


def finalized_visit(server: LiveServer, work: Path, clock: ManualClock):
    """A paired phone whose outbox holds a finalized visit with 20 camera-like photos."""
    admin.save_dealers(server.store, DEALERSHIPS[:1])
    server.store.catalog.publish(evidence_checklist(), server.store.now())
    code = admin.create_shopper(server.store, "Анна Петрова")
    admin.assign(server.store, code.shopper_id, clock.now().date(), DEALERSHIPS[0].code, "mini_evidence")
    service = open_service(work / "phone", clock)
    sync = SyncService(service.store, service.photos_dir, clock=clock, sleep=lambda seconds: None)
    sync.pair(server.url, code.pairing_code, "Pixel 8")
    sync.sync_now()
    uuid = service.open_stop(service.overview().today[0].assignment.id)
    answer_all(service, uuid, skip=("front_photo", "stand_photo"))
    rng = random.Random(SEED)
    for index in range(PHOTOS):
        service.add_photo(uuid, "front_photo" if index < 10 else "stand_photo", camera_jpeg(forecourt_scene(rng)))
    clock.advance(60)
    service.finalize(uuid)
    return uuid, service, sync


def naive_figures(payload: bytes, photos: list[bytes]) -> dict:
    """Each item as one whole request to a sink; after a failure, the whole request again."""
    sink = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Sink)
    threading.Thread(target=sink.serve_forever, daemon=True).start()
    try:
        with CuttingProxy(sink.server_address[1], cut_every=CUT_EVERY, seed=SEED) as proxy:
            with httpx.Client(base_url=proxy.url, timeout=30) as client:
                for body in [payload, *photos]:
                    for _ in range(1000):
                        try:
                            if client.post("/", content=body).status_code == 200:
                                break
                        except httpx.TransportError:
                            continue
            return figures(proxy, payload, photos)
    finally:
        sink.shutdown()


def figures(proxy: CuttingProxy, payload: bytes, photos: list[bytes]) -> dict:
    payload_bytes = len(payload) + sum(len(p) for p in photos)
    return {
        "bytes_sent": proxy.counts.bytes_up,
        "payload_bytes": payload_bytes,
        "overhead_ratio": round(proxy.counts.bytes_up / payload_bytes, 3),
        "cuts": proxy.counts.cuts,
    }


class _Sink(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_POST(self) -> None:
        length = int(self.headers["Content-Length"])
        if len(self.rfile.read(length)) < length:
            self.close_connection = True
            return
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


if __name__ == "__main__":
    main()
