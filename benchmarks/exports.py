"""Benchmark: an XLSX export of 100,000 visits, downloaded through the console's route.

Run as ``.venv/bin/python benchmarks/exports.py`` (``--csv`` downloads the CSV file too).
Fills a server's SQLite database (in a temporary folder on the repository's disk) with 40
shoppers, 200 dealerships in five time zones and 100,000 visits of the showroom checklist,
versions 1 and 2, spread over a year, stored as the server stores them: each visit's row
with its summary columns and its revision's payload, the canonical JSON of one of 60 real
revisions made with the phone's services (stopwatches, some answers "no", some comments).
Bulk inserts, not one PUT per visit: the export is measured, not the sync.

Then `fieldaudit server` runs as a process of its own; a coordinator logs in over HTTP and
downloads the export of every visit while this process reads the server's memory from
/proc every 0.1 s. Prints one JSON object:

    first_byte_s       request sent -> first byte of the body (target: < 2 s)
    first_mb_s         -> first MiB (the sheet's rows are flowing by then)
    total_s, mib, mib_per_s, rows (counted in the file's sheet afterwards), sheet_xml_mib
                       (the sheet unzipped: one ZIP entry holds 2 GiB, see xlsx_stream.py)
    rss_mib            the server's resident memory: before the request, at each quarter of
                       the download's time, and its peak during it (target: flat)
    vm_hwm_mib         the server process's high-water mark over its whole life
"""

from __future__ import annotations

import argparse
import json
import random
import socket
import sys
import tempfile
import threading
import time
import uuid as uuid_module
import zipfile
from datetime import datetime, timedelta, timezone
from pathlib import Path

import httpx
from sqlalchemy import text

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from console_support import PASSWORD, USERNAME, ConsoleClient  # noqa: E402
from samples import answer_all  # noqa: E402
from server_support import start_server, stop_server  # noqa: E402

from field_app.app import open_service  # noqa: E402
from field_app.demo import DEALERSHIPS  # noqa: E402
from field_app.domain.canonical import canonical_json  # noqa: E402
from field_app.domain.clock import ManualClock  # noqa: E402
from field_app.domain.records import VisitRevision  # noqa: E402
from field_app.domain.registry import Registry  # noqa: E402
from field_app.domain.resources import shipped_checklists  # noqa: E402
from field_app.domain.route import Dealership  # noqa: E402
from server_stub import admin, summaries  # noqa: E402
from server_stub.database import moment  # noqa: E402
from server_stub.settings import Settings  # noqa: E402
from server_stub.store import open_store  # noqa: E402

VISITS = 100_000
SHOPPERS = 40
DEALERS = 200
PATTERNS = 60
CHECKLIST = "showroom_visit"
ZONES = ["Europe/Moscow", "Asia/Vladivostok", "Asia/Yekaterinburg", "Europe/Kaliningrad", "Asia/Novosibirsk"]
NOW = datetime(2026, 11, 23, 12, 0, tzinfo=timezone.utc)
COMMENTS = ["Консультант был занят с другим клиентом", "Кофе предложили только после вопроса", "Всё хорошо"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--csv", action="store_true", help="download the CSV file too")
    parser.add_argument("--visits", type=int, default=VISITS, help="how many visits to store")
    args = parser.parse_args()
    rng = random.Random(20261205)
    with tempfile.TemporaryDirectory(dir=ROOT) as temp:
        work = Path(temp)
        settings = Settings(data_dir=work / "server", clock=ManualClock(NOW))
        started = time.perf_counter()
        with open_store(settings) as store:
            patterns = revision_patterns(work / "phone", store, rng)
            fill(store, patterns, rng, args.visits)
            admin.create_coordinator(store, USERNAME, PASSWORD)
        fill_seconds = time.perf_counter() - started
        port = free_port()
        server = start_server(work / "server", None, port, work / "server.log")
        try:
            with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=900) as http:
                console = ConsoleClient(http)
                assert console.login().status == 200
                result = {"visits": args.visits, "fill_s": round(fill_seconds, 1)}
                result["xlsx"] = download(http, server.pid, "xlsx", work / "export.xlsx")
                result["xlsx"]["rows"], result["xlsx"]["sheet_xml_mib"] = sheet_rows(work / "export.xlsx")
                if args.csv:
                    result["csv"] = download(http, server.pid, "csv", work / "export.csv")
                    result["csv"]["rows"] = sum(1 for _ in (work / "export.csv").open("rb")) - 1
                result["vm_hwm_mib"] = round(status_kib(server.pid, "VmHWM") / 1024, 1)
        finally:
            stop_server(server)
    print(json.dumps(result))


def download(http: httpx.Client, pid: int, fmt: str, path: Path) -> dict:
    """Download the export of every visit to `path`, sampling the server's memory."""
    samples: list[tuple[float, int]] = []
    done = threading.Event()
    before = status_kib(pid, "VmRSS")

    def sample() -> None:
        while not done.is_set():
            samples.append((time.perf_counter(), status_kib(pid, "VmRSS")))
            done.wait(0.1)

    sampler = threading.Thread(target=sample, daemon=True)
    first_byte = first_mib = None
    size = 0
    sampler.start()
    started = time.perf_counter()
    with http.stream("GET", "/console/exports/file", params={"checklist": CHECKLIST, "format": fmt}) as response, \
            path.open("wb") as out:
        assert response.status_code == 200, response.read()[:500]
        for chunk in response.iter_raw():
            if first_byte is None:
                first_byte = time.perf_counter() - started
            size += len(chunk)
            if first_mib is None and size >= 1 << 20:
                first_mib = time.perf_counter() - started
            out.write(chunk)
    total = time.perf_counter() - started
    done.set()
    sampler.join()
    during = [rss for at, rss in samples if at >= started]
    quarters = [next((rss for at, rss in samples if at >= started + total * q), during[-1]) for q in (0.25, 0.5, 0.75)]
    return {
        "first_byte_s": round(first_byte, 3), "first_mib_s": round(first_mib or total, 3),
        "total_s": round(total, 1), "mib": round(size / (1 << 20), 1), "mib_per_s": round(size / (1 << 20) / total, 2),
        "rss_mib": {"before": mib(before), "q1": mib(quarters[0]), "q2": mib(quarters[1]), "q3": mib(quarters[2]),
                    "end": mib(during[-1]), "peak": mib(max(during))},
    }


def sheet_rows(path: Path) -> tuple[int, float]:
    """The visits in the downloaded workbook's first sheet (its rows less the header), and
    the size of its XML, unzipped."""
    rows, tail = 0, b""
    with zipfile.ZipFile(path) as book, book.open("xl/worksheets/sheet1.xml") as sheet:
        while block := sheet.read(1 << 20):
            rows += (tail + block).count(b"</row>")
            tail = block[-5:]
        size = book.getinfo("xl/worksheets/sheet1.xml").file_size
    return rows - 1, round(size / (1 << 20), 1)


def status_kib(pid: int, field: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise LookupError(field)


def mib(kib: int) -> float:
    return round(kib / 1024, 1)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def revision_patterns(folder: Path, store, rng: random.Random) -> list[tuple[str, summaries.VisitSummary]]:
    """Real revisions of both versions of the showroom checklist, answered differently (as
    the phone would), each as its stored payload and its summary."""
    clock = ManualClock(NOW)
    service = open_service(folder, clock)
    registry = Registry.from_directory(shipped_checklists())
    found = []
    for number in range(PATTERNS):
        version = 1 + number % 2
        entry = store.catalog.get(CHECKLIST, version)
        service.store.save_checklist(registry.get(CHECKLIST, version).checklist)
        uuid = service.store.start_visit(CHECKLIST, version, at=clock.now()).uuid
        answer_all(service, uuid, wait=rng.choice([30, 200, 420]))
        for question in entry.checklist.questions():
            if question.id not in service.visit(uuid).visible(clock.now()):
                continue
            if question.type == "yes_no" and rng.random() < 0.3:
                service.answer(uuid, question.id, False)
            if rng.random() < 0.05:
                service.comment(uuid, question.id, rng.choice(COMMENTS))
        clock.advance(60)
        revision = VisitRevision.model_validate(service.finalize(uuid).model_dump())
        found.append((canonical_json(revision).decode(), summaries.summarize(entry.checklist, revision, None)))
    service.store.close()
    return found


def fill(store, patterns: list[tuple[str, summaries.VisitSummary]], rng: random.Random, visits: int) -> None:
    shopper_ids = [admin.create_shopper(store, f"Покупатель {i:02d}").shopper_id for i in range(SHOPPERS)]
    admin.save_dealers(store, [
        Dealership(code=f"BENCH-{i:03d}", name=f"{DEALERSHIPS[i % len(DEALERSHIPS)].name} №{i}",
                   brand=DEALERSHIPS[i % len(DEALERSHIPS)].brand, city=f"Город {i % 37}",
                   timezone=ZONES[i % len(ZONES)])
        for i in range(DEALERS)
    ])
    with store.db.write() as conn:
        for start in range(0, visits, 10_000):
            rows = []
            for _ in range(start, min(visits, start + 10_000)):
                payload, pattern = rng.choice(patterns)
                started = NOW - timedelta(days=rng.uniform(0, 365))
                rows.append({
                    "u": str(uuid_module.UUID(int=rng.getrandbits(128), version=4)), "s": rng.choice(shopper_ids),
                    "status": rng.choices(["approved", "received", "returned"], [60, 30, 10])[0],
                    "at": moment(started), "fin": moment(started + timedelta(minutes=45)),
                    "dealer": f"BENCH-{rng.randrange(DEALERS):03d}", "cid": pattern.checklist_id,
                    "cver": pattern.checklist_version, "got": pattern.got, "out_of": pattern.out_of,
                    "sections": json.dumps({k: list(v) for k, v in pattern.sections.items()}), "payload": payload,
                })
            conn.execute(text(
                "INSERT INTO visits (uuid, shopper_id, latest_revision, status, created_at, updated_at, dealer_code, "
                "checklist_id, checklist_version, started_at, finalized_at, score_got, score_out_of, section_scores, "
                "received_at) VALUES (:u, :s, 1, :status, :fin, :fin, :dealer, :cid, :cver, :at, :fin, :got, "
                ":out_of, :sections, :fin)"
            ), rows)
            conn.execute(text(
                "INSERT INTO visit_revisions (visit_uuid, revision, payload, payload_sha256, checklist_id, "
                "checklist_version, finalized_at, received_at, device_id) "
                "VALUES (:u, 1, :payload, '0', :cid, :cver, :fin, :fin, 'bench')"
            ), rows)
        conn.execute(text("ANALYZE"))


if __name__ == "__main__":
    main()
