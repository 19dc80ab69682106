"""Benchmark: the proof of a visit at scale (issue 17, point 6).

Run as ``.venv/bin/python benchmarks/evidence.py [--db postgresql://...]``. Two figures:

1. `lookup`: the near-duplicate lookup over 100,000 stored photo facts. The table is
   filled in bulk with random 64-bit hashes (evenly spread: each band value then holds
   some 100-200 photos) and 2,000 near copies of some of them (1 to 6 bits flipped);
   then 200 lookups, half of a stored photo's near copy and half of a new hash, each the
   server's own query (`queries.evidence.sharing_a_band`, every band's index) in a read
   transaction of its own, and the candidates' hamming distances in Python. Target:
   p95 <= 50 ms.
2. `put`: a visit PUT with flags on against flags off (`Settings.compute_flags`), two
   servers in this process on loopback, one PUT to each in turn, which goes first
   alternating (on off, off on, ...), so that a slow spell of the machine, or what a PUT
   leaves to the next one, falls on both. A real showroom visit (every question answered,
   stopwatches, 8 photo references, start and finish fixes) to its stop at a pinned
   dealership, each to a new uuid, from a shopper who has visits before it. Median ms of
   each and their ratio. Target: flags add at most 20%. The timed PUTs name photos nobody
   has sent (a first revision's photos are never stored before its PUT: only a stored
   revision lets them be uploaded); the shopper's earlier visits share the body's photos,
   so they flag each other (`flags_raised` counts every flag of the flags-on server, theirs
   included). Every timed PUT raises one flag (too_fast: its answers came faster than
   their questions can be read), so its flag's insert is timed too. `with_8_stored_photos`:
   150 PUTs of each naming 8 photos already stored, among 100,000 (a later revision, or
   photos another visit sent), whose look-alikes were found when they were stored (the
   lookup of figure 1). Both servers hold the same 100,000 facts, stored before any of
   these PUTs is timed: only the flags differ.

   On PostgreSQL both schemas are analyzed after each warm-up (`settle`), as autovacuum
   keeps a running server's statistics: in a schema made seconds before, the planner
   guesses, and it guessed dearly for both servers (three runs without: flags off
   13.3-15.2 ms a PUT instead of 10.7-11.8, the ratio 1.11-1.19 plain and 1.14-1.24 with
   stored photos, instead of 1.13-1.16 and 1.09-1.11). Earlier versions of this script
   also wrote the stored photos' facts to the flags-on server alone, 8 before each pair
   of timed PUTs, sent the flags-on PUT first every time and timed 40 PUTs with stored
   photos (their ratio moved by 0.1 from run to run). Where the flags' time goes:
   `server_stub/evidence_store.py`.

Measured on this machine (python-svc, 2 cores shared with other sessions' test runs;
load 0.6-1.2), four runs of the whole script on each database, median ms of a PUT with
flags on / off and their ratio:

    database    plain PUT                 8 stored photos           lookup p95
    SQLite      9.76 / 9.14   1.068       9.49 / 8.40   1.130       4.95 ms
    SQLite      6.15 / 5.52   1.114       6.52 / 5.77   1.131       4.28 ms
    SQLite      8.07 / 7.16   1.127       7.08 / 6.22   1.137       5.16 ms
    SQLite      7.12 / 6.22   1.145       7.31 / 6.73   1.086       4.60 ms
    PostgreSQL  11.80 / 10.48 1.125       13.33 / 11.56 1.153       16.25 ms
    PostgreSQL  10.83 / 9.71  1.114       11.21 / 10.18 1.102       11.72 ms
    PostgreSQL  12.43 / 11.05 1.125       11.56 / 10.29 1.124       11.29 ms
    PostgreSQL  12.77 / 11.29 1.132       11.66 / 10.66 1.094       16.21 ms

The server's code before issue 17 point 6 was worked on gave, with this script, 1.12-1.29
plain and 1.14-1.17 with stored photos on SQLite, 1.16-1.19 and 1.12-1.18 on PostgreSQL
(three runs each, the same hour).

With --db URL both run on PostgreSQL (a fresh schema each, dropped afterwards) instead of
SQLite files in a temporary folder. Prints one JSON object.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import random
import statistics
import sys
import tempfile
import time
from datetime import date, datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))
sys.path.insert(0, str(ROOT / "tests"))

from server import visit_body  # noqa: E402
from server_support import LiveServer, new_uuid, postgres_schema  # noqa: E402

from field_app.domain.clock import ManualClock  # noqa: E402
from field_app.domain.route import Dealership  # noqa: E402
from server_stub import admin  # noqa: E402
from server_stub.photo_facts import HASH_BITS, bands, hamming, is_near_duplicate  # noqa: E402
from server_stub.queries import evidence as q  # noqa: E402
from server_stub.settings import Settings  # noqa: E402
from server_stub.store import open_store  # noqa: E402

STORED = 100_000
NEAR_COPIES = 2_000
LOOKUPS = 200
PUTS = 150  # of each kind
PUTS_STORED = 150  # of each kind, naming photos already stored
EARLIER_VISITS = 20
PIN = (55.7539, 37.6208)
DAY = date(2026, 11, 22)
PHOTO_QUESTIONS = ["photo_facade"] * 3 + ["photo_parking"] * 3 + ["photo_business_card"] * 2


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", help="a PostgreSQL URL (default: SQLite in a temporary folder)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as temp:
        work = Path(temp)
        result = {"database": "postgresql" if args.db else "sqlite"}
        with database(args.db) as url:
            result["lookup"] = lookup(Settings(data_dir=work / "lookup", db_url=url, checklists_dir=None))
        body = visit_body(work / "phone")
        with database(args.db) as on_url, database(args.db) as off_url:
            # The visit's day, 12 minutes after it was finalized: no late_upload on every PUT.
            clock = ManualClock(datetime(2026, 11, 22, 11, 0, tzinfo=timezone.utc))
            result["put"] = puts(Settings(data_dir=work / "on", db_url=on_url, clock=clock),
                                 Settings(data_dir=work / "off", db_url=off_url, compute_flags=False, clock=clock),
                                 body)
    print(json.dumps(result))


@contextlib.contextmanager
def database(base: str | None):
    if base is None:
        yield None
    else:
        with postgres_schema(base) as url:
            yield url


# --- 1. the near-duplicate lookup ---------------------------------------------------------

def lookup(settings: Settings) -> dict:
    rng = random.Random(17)
    looks = [rng.getrandbits(HASH_BITS) for _ in range(STORED - NEAR_COPIES)]
    looks += [flip(rng, rng.choice(looks), rng.randint(1, 6)) for _ in range(NEAR_COPIES)]
    with open_store(settings) as store:
        started = time.perf_counter()
        fill(store, looks)
        filled_s = time.perf_counter() - started
        queries = [flip(rng, rng.choice(looks), rng.randint(0, 6)) if i % 2 == 0 else rng.getrandbits(HASH_BITS)
                   for i in range(LOOKUPS)]
        times, candidates, found = [], [], 0
        for look in queries:
            started = time.perf_counter()
            with store.db.read() as conn:
                sharing = q.sharing_a_band(conn, bands(look))
            near = [sha for sha, other in sharing.items() if is_near_duplicate(other, look)]
            times.append((time.perf_counter() - started) * 1000)
            candidates.append(len(sharing))
            found += bool(near)
    return {"stored": len(looks), "lookups": LOOKUPS, "p50_ms": round(statistics.median(times), 2),
            "p95_ms": round(percentile(times, 95), 2), "candidates_median": statistics.median(candidates),
            "lookups_that_found_one": found, "fill_s": round(filled_s, 1), "target_p95_ms": 50}


def fill(store, looks: list[int]) -> None:
    """Store facts with these hashes, in bulk (named by their index)."""
    now = datetime.now(timezone.utc)
    for at in range(0, len(looks), 5_000):
        with store.db.write() as conn:
            q.save_facts(conn, [q.FactsRow(f"{i:064x}", None, None, None, look, bands(look))
                                for i, look in enumerate(looks[at:at + 5_000], at)], now)
    if not store.db.is_sqlite:
        with store.db.write() as conn:
            conn.exec_driver_sql("ANALYZE photo_facts")


def flip(rng: random.Random, look: int, bits: int) -> int:
    for position in rng.sample(range(HASH_BITS), bits):
        look ^= 1 << position
    return look


# --- 2. a visit PUT with flags on and off -------------------------------------------------

def puts(on: Settings, off: Settings, body: dict) -> dict:
    with LiveServer.start(on) as a, LiveServer.start(off) as b:
        servers = {"on": a, "off": b}
        clients = {name: prepare(server, body) for name, server in servers.items()}
        for name, server in servers.items():  # warm both up
            for _ in range(10):
                send(clients[name], server, body)
            settle(server)
        times = alternate(servers, clients, body, [None] * PUTS)
        # A later revision (or a visit naming photos sent before) whose 8 photos are
        # stored, among 100,000 others, on both servers (the same rows: only the flags
        # differ), before any timed PUT.
        rng = random.Random(23)
        looks = [rng.getrandbits(HASH_BITS) for _ in range(STORED)]
        named = rng.sample(range(STORED), (PUTS_STORED + 10) * len(PHOTO_QUESTIONS))
        sets = [[f"{i:064x}" for i in named[at:at + len(PHOTO_QUESTIONS)]]
                for at in range(0, len(named), len(PHOTO_QUESTIONS))]
        for name, server in servers.items():
            fill(server.store, looks)
            for shas in sets[:10]:  # warm up after the fill
                send(clients[name], server, body, shas)
            settle(server)
        stored = alternate(servers, clients, body, sets[10:])
        with a.store.db.read() as conn:
            computed = conn.exec_driver_sql("SELECT COUNT(*) FROM visit_revisions WHERE flags_at IS NOT NULL").scalar()
            raised = dict(conn.exec_driver_sql("SELECT code, COUNT(*) FROM revision_flags GROUP BY code ORDER BY code").all())
    on_ms, off_ms = statistics.median(times["on"]), statistics.median(times["off"])
    return {"puts_each": PUTS, "flags_on_median_ms": round(on_ms, 2), "flags_off_median_ms": round(off_ms, 2),
            "flags_on_p95_ms": round(percentile(times["on"], 95), 2),
            "flags_off_p95_ms": round(percentile(times["off"], 95), 2),
            "ratio": round(on_ms / off_ms, 3), "revisions_computed": computed,
            "flags_raised": raised, "target_ratio": 1.2,
            "with_8_stored_photos": {
                "puts_each": PUTS_STORED, "stored_photo_facts": STORED,
                "flags_on_median_ms": round(statistics.median(stored["on"]), 2),
                "flags_off_median_ms": round(statistics.median(stored["off"]), 2),
                "ratio": round(statistics.median(stored["on"]) / statistics.median(stored["off"]), 3)}}


def alternate(servers: dict[str, LiveServer], clients: dict[str, tuple], body: dict,
              photo_sets: list[list[str] | None]) -> dict[str, list[float]]:
    """One PUT to each server per photo set, which goes first alternating (on off, off
    on, ...): a slow spell of the machine, or whatever a PUT leaves to the next one, falls
    on both alike."""
    times: dict[str, list[float]] = {name: [] for name in servers}
    for turn, shas in enumerate(photo_sets):
        for name in (("on", "off") if turn % 2 == 0 else ("off", "on")):
            times[name].append(send(clients[name], servers[name], body, shas))
    return times


def settle(server: LiveServer) -> None:
    """PostgreSQL: give the planner the statistics a running server has (autovacuum keeps
    them; a schema made a moment ago has none, and its guesses pick other indexes)."""
    store = server.store
    if store.db.is_sqlite:
        return
    with store.db.write() as conn:
        tables = conn.exec_driver_sql("SELECT tablename FROM pg_tables WHERE schemaname = current_schema()").scalars()
        for table in list(tables):
            conn.exec_driver_sql(f"ANALYZE {table}")


def prepare(server: LiveServer, body: dict):
    """A shopper with a stop at a pinned dealership and visits before it; their client."""
    store = server.store
    admin.save_dealers(store, [Dealership(code="D1", name="Дилер", brand="Kia", city="Москва",
                                          lat=PIN[0], lon=PIN[1])])
    shopper = server.shopper()
    stop = admin.assign(store, shopper.id, DAY, "D1", "showroom_visit@1").assignment_id
    for i in range(EARLIER_VISITS):
        earlier = dict(body, started_at=f"2026-11-{i + 1:02d}T10:00:00Z", finalized_at=f"2026-11-{i + 1:02d}T10:50:00Z",
                       assignment_id=None)
        answer = shopper.client.put(f"/visits/{new_uuid()}", json=earlier)
        assert answer.status_code == 200, answer.text
    return shopper.client, stop


def send(shopper: tuple, server: LiveServer, body: dict, shas: list[str] | None = None) -> float:
    client, stop = shopper
    rng = random.Random()
    shas = shas or [f"{rng.getrandbits(256):064x}" for _ in PHOTO_QUESTIONS]
    photos = [{"sha256": sha, "bytes": 200_000 + i, "question_id": qid, "taken_at": "2026-11-22T10:20:00Z"}
              for i, (sha, qid) in enumerate(zip(shas, PHOTO_QUESTIONS))]
    locations = [{"event": "start", "at": body["started_at"], "lat": PIN[0], "lon": PIN[1], "accuracy_m": 20.0},
                 {"event": "finish", "at": body["finalized_at"], "lat": PIN[0], "lon": PIN[1], "accuracy_m": 15.0}]
    content = json.dumps(body | {"assignment_id": stop, "photos": photos, "locations": locations})
    started = time.perf_counter()
    answer = client.put(f"/visits/{new_uuid()}", content=content, headers={"Content-Type": "application/json"})
    took = (time.perf_counter() - started) * 1000
    assert answer.status_code == 200, answer.text
    return took


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


if __name__ == "__main__":
    main()
