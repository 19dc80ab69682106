"""Benchmark: the console's shopper, dealership and route pages at a large customer's size.

Run as ``.venv/bin/python benchmarks/console_roster.py [--db postgresql://...]``. Fills a
server's database (SQLite in a temporary folder on the repository's disk, or a fresh
PostgreSQL schema of the URL given) with 60,000 dealerships, 300 shoppers (pairs of them
sharing a name), 100,000 visits over a year and this week's routes (four stops a day for
every shopper, half of them visited), in bulk INSERTs, then asks each page through the
whole server app in-process (routing, session, query, template):

    /dealers            the first page, a page deep in the list, a search, deactivated shown
    /shoppers           the first page, a search
    /routes             this week's board
    /routes/<id>/<day>  a shopper's day, and words typed for its dealership (a POST that
                        offers the matches)
    /shoppers/<id>      a shopper's page, and the confirmation of deactivating them
    /dealers/<code>/... a dealership's edit page, and the confirmation of deactivating it
    /checklists, /exports, /visits   other pages whose pickers list shoppers or dealerships

For each: the page's size in KB and the median and p95 of 20 requests. Target (issue 16,
point 3): no page over 300 KB or 300 ms.
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
import uuid as uuid_module
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

from sqlalchemy import text

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from console_support import PASSWORD, USERNAME, console_client  # noqa: E402
from server_support import postgres_schema  # noqa: E402

from field_app.domain.clock import ManualClock  # noqa: E402
from field_app.domain.route import Dealership  # noqa: E402
from server_stub import admin  # noqa: E402
from server_stub.database import moment  # noqa: E402
from server_stub.settings import Settings  # noqa: E402
from server_stub.store import open_store  # noqa: E402

DEALERS = 60_000
SHOPPERS = 300
VISITS = 100_000
STOPS_A_DAY = 4
REQUESTS = 20
NOW = datetime(2026, 11, 25, 12, 0, tzinfo=timezone.utc)  # a Wednesday
CITIES = ("Москва", "Казань", "Новосибирск", "Екатеринбург", "Самара", "Владивосток", "Пермь", "Омск")
BRANDS = ("Kia", "Hyundai", "Toyota", "Lada", "Haval", "Chery", "Geely", "Skoda")
FIRST = ("Иван", "Анна", "Пётр", "Мария", "Олег", "Елена", "Сергей", "Ольга", "Алёна", "Дмитрий")
LAST = ("Петров", "Иванова", "Сидоров", "Кузнецова", "Смирнов", "Попова", "Волков", "Соколова")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", default=None, help="a PostgreSQL URL (a schema is made and dropped)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(dir=ROOT) as temp, database(args.db) as url:
        settings = Settings(data_dir=Path(temp) / "server", db_url=url, clock=ManualClock(NOW))
        with open_store(settings) as store:
            started = time.perf_counter()
            shopper_ids, codes = fill(store, random.Random(20261125))
            fill_seconds = time.perf_counter() - started
            with console_client(store, logged_in=False) as console:
                console.get("/login")  # logged in without following to the visit list, which is not measured here
                assert console.post("/login", {"username": USERNAME, "password": PASSWORD}, follow=False).status == 303
                today = NOW.date()
                paths = {
                    "dealers": "/dealers",
                    "dealers_page_600": "/dealers?page=600",
                    "dealers_search": "/dealers?q=" + "киа",
                    "dealers_search_rare": "/dealers?q=" + codes[12345].lower(),
                    "dealers_with_deactivated": "/dealers?inactive=1&page=3",
                    "shoppers": "/shoppers",
                    "shoppers_search": "/shoppers?q=" + "петров",
                    "week_board": "/routes",
                    "day": f"/routes/{shopper_ids[7]}/{today}",
                    "shopper": f"/shoppers/{shopper_ids[7]}",
                    "shopper_deactivate": f"/shoppers/{shopper_ids[7]}/deactivate",
                    "dealer_edit": f"/dealers/{codes[7]}/edit",
                    "dealer_deactivate": f"/dealers/{codes[7]}/deactivate",
                    "checklists": "/checklists",
                    "exports": "/exports",
                    "visits": "/visits",
                }
                figures = {name: measure(console, path) for name, path in paths.items()}
                figures["day_dealer_words"] = measure(
                    console, f"/routes/{shopper_ids[7]}/{today}",
                    {"dealer": "казань kia", "checklist": "showroom_visit"}, expected=422)
    print(json.dumps({
        "database": "postgresql" if args.db else "sqlite", "dealerships": DEALERS, "shoppers": SHOPPERS,
        "visits": VISITS, "fill_s": round(fill_seconds, 1), "pages": figures,
    }, ensure_ascii=False, indent=1))


@contextlib.contextmanager
def database(url: str | None):
    if url is None:
        yield None
        return
    with postgres_schema(url) as schema_url:
        yield schema_url


def measure(console, path: str, form: dict | None = None, expected: int = 200) -> dict:
    """A GET of `path`, or with `form` a POST of it (with the session's CSRF token)."""
    def ask():
        if form is None:
            return console.http.get("/console" + path)
        return console.http.post("/console" + path, data=form | {"csrf": console.csrf})

    console.get(path)  # warm: templates compiled, pages read once; the form's CSRF token read
    first = ask()
    if first.status_code != expected:
        return {"status": first.status_code}
    times = []
    for _ in range(REQUESTS):
        started = time.perf_counter()
        page = ask()
        times.append((time.perf_counter() - started) * 1000)
        assert page.status_code == expected, (path, page.status_code)
    ordered = sorted(times)
    return {"kb": round(len(first.content) / 1024, 1), "ms": round(statistics.median(times), 1),
            "p95_ms": round(ordered[round(0.95 * (len(ordered) - 1))], 1)}


def fill(store, rng: random.Random) -> tuple[list[str], list[str]]:
    """Shoppers, dealerships, visits and this week's routes, as the server stores them."""
    shopper_ids = []
    for i in range(SHOPPERS):
        # Every name twice: 150 pairs of namesakes, as the issue's «Иван Петров».
        name = f"{FIRST[(i // 2) % len(FIRST)]} {LAST[(i // 2) // len(FIRST) % len(LAST)]} {i // 2:03d}"
        shopper_ids.append(admin.create_shopper(store, name).shopper_id)
    codes = [f"{BRANDS[i % len(BRANDS)][:3].upper()}-{i:05d}" for i in range(DEALERS)]
    admin.save_dealers(store, [
        Dealership(code=code, name=f"{BRANDS[i % len(BRANDS)]} Центр {CITIES[i % len(CITIES)]} №{i}",
                   brand=BRANDS[i % len(BRANDS)], city=CITIES[(i // 8) % len(CITIES)],
                   address=f"ул. Ленина, {i % 200 + 1}", phone=f"+7 900 {i:07d}",
                   lat=55 + rng.random(), lon=37 + rng.random())
        for i, code in enumerate(codes)
    ])
    monday = NOW.date() - timedelta(days=NOW.weekday())
    stops, visits = [], []
    version = store.catalog.newest("showroom_visit").checklist.version
    for shopper in shopper_ids:
        for day in range(7):
            for position in range(1, STOPS_A_DAY + 1):
                stop_id = "as_" + uuid_module.UUID(int=rng.getrandbits(128)).hex[:20]
                dealer = rng.choice(codes)
                stops.append({"id": stop_id, "s": shopper, "day": (monday + timedelta(days=day)).isoformat(),
                              "pos": position, "dealer": dealer, "cver": version})
                if day < 3 and position <= 2:
                    visits.append(visit_row(rng, shopper, dealer, stop_id, monday + timedelta(days=day)))
    while len(visits) < VISITS:
        day = NOW.date() - timedelta(days=rng.randrange(1, 365))
        visits.append(visit_row(rng, rng.choice(shopper_ids), rng.choice(codes), None, day))
    with store.db.write() as conn:
        conn.execute(text(
            "INSERT INTO assignments (id, shopper_id, day, position, dealer_code, checklist_id, checklist_version, "
            "created_at, change_seq) VALUES (:id, :s, :day, :pos, :dealer, 'showroom_visit', :cver, '2026-11-20', 1)"
        ), stops)
        conn.execute(text(
            "INSERT INTO visits (uuid, shopper_id, assignment_id, latest_revision, status, created_at, updated_at, "
            "dealer_code, checklist_id, checklist_version, started_at, finalized_at, received_at) "
            "VALUES (:u, :s, :a, 1, :status, :at, :at, :dealer, 'showroom_visit', :cver, :at, :at, :at)"
        ), [v | {"cver": version} for v in visits])
        conn.execute(text("ANALYZE"))
    return shopper_ids, codes


def visit_row(rng: random.Random, shopper: str, dealer: str, assignment: str | None, day: date) -> dict:
    at = datetime.combine(day, datetime.min.time(), timezone.utc) + timedelta(hours=rng.uniform(8, 18))
    return {"u": str(uuid_module.UUID(int=rng.getrandbits(128), version=4)), "s": shopper, "a": assignment,
            "status": rng.choices(["approved", "received", "returned"], [60, 30, 10])[0], "dealer": dealer,
            "at": moment(at)}


if __name__ == "__main__":
    main()
