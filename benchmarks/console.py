"""Benchmark: the coordinator console over 100,000 visits, in SQLite or PostgreSQL.

Run as ``.venv/bin/python benchmarks/console.py [--dealers 60000 --shoppers 300] [--db URL]``.
Fills a server's database (SQLite in a temporary folder on the repository's disk, or a fresh
PostgreSQL schema of the URL given, vacuumed and analysed after the load) with 40 shoppers,
200 dealerships (8 cities, their brands; or as many as asked: 60,000 and 300 are issue 16's
large customer) and 100,000 visits of the showroom checklist spread over a year (60%
approved, 30% waiting, 10% returned), as the server itself would have stored them: each
visit's summary columns, its standards met and the month tally come from the server's own
`summaries.summarize` of real revisions (60 distinct answer patterns, made with the
phone's services). Revision payloads are not stored: no measured page reads them. Then,
through the whole server app in-process (routing, session, query, template):

    visit_list_ms        the first page of the visit list filtered by one dealership
    review_queue_ms      the first page of the review queue (about 30,000 visits waiting)
    review_queue_dealer_ms  the review queue of one dealership
    queue_place_ms       a waiting visit's neighbours and number in the queue (the visit page's
                         links to the previous and next one; the library call alone)
    dealer_analytics_ms  one dealership's analytics page (each item's share of standards met)
    analytics            the analytics pages (issue 16, point 5), each with its size in KB:
                         the overview of dealerships (approved visits; all statuses; worst
                         first; a page deep in the list; a city; a brand; a city and a brand;
                         a shopper; three months; only dealerships with enough visits) and a
                         dealership's page (items, the month-by-month trend; with a shopper;
                         with a period)

Each is the median over 30 requests (one dealership drawn at random per request where a
page is a dealership's); the p95 is printed beside it. Targets: <= 300 ms and 300 KB each.
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
from collections import Counter
from datetime import datetime, timedelta, timezone
from pathlib import Path

from sqlalchemy import text

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from console_support import console_client  # noqa: E402
from server_support import postgres_schema  # noqa: E402
from samples import answer_all  # noqa: E402

from field_app.app import open_service  # noqa: E402
from field_app.domain.clock import ManualClock  # noqa: E402
from field_app.demo import DEALERSHIPS  # noqa: E402
from field_app.domain.records import VisitRevision  # noqa: E402
from field_app.domain.registry import Registry  # noqa: E402
from field_app.domain.route import Dealership  # noqa: E402
from field_app.domain.resources import shipped_checklists  # noqa: E402
from server_stub import admin, reviewing, summaries  # noqa: E402
from server_stub.queries import summaries as summary_q  # noqa: E402
from server_stub.queries.visit_list import VisitFilter  # noqa: E402
from server_stub.database import moment  # noqa: E402
from server_stub.settings import Settings  # noqa: E402
from server_stub.store import open_store  # noqa: E402

VISITS = 100_000
SHOPPERS = 40
DEALERS = 200
PATTERNS = 60
REQUESTS = 30
CHECKLIST = "showroom_visit"
NOW = datetime(2026, 11, 23, 12, 0, tzinfo=timezone.utc)
CITIES = ("Москва", "Казань", "Новосибирск", "Екатеринбург", "Самара", "Владивосток", "Пермь", "Омск")


def main() -> None:
    global DEALERS, SHOPPERS
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dealers", type=int, default=DEALERS)
    parser.add_argument("--shoppers", type=int, default=SHOPPERS)
    parser.add_argument("--db", default=None, help="a PostgreSQL URL (a schema is made and dropped)")
    args = parser.parse_args()
    DEALERS, SHOPPERS = args.dealers, args.shoppers
    rng = random.Random(20261123)
    with tempfile.TemporaryDirectory(dir=ROOT) as temp, database(args.db) as url:
        work = Path(temp)
        settings = Settings(data_dir=work / "server", db_url=url, clock=ManualClock(NOW))
        with open_store(settings) as store:
            started = time.perf_counter()
            patterns = answer_patterns(work / "phone", store, rng)
            shopper_ids = fill(store, patterns, rng)
            fill_seconds = time.perf_counter() - started
            with console_client(store) as console:
                dealers = [dealer_code(i) for i in range(DEALERS)]
                list_ms = timed(console, lambda: f"/visits?view=all&dealer={rng.choice(dealers)}", "Найдено визитов")
                queue_ms = timed(console, lambda: "/visits", "сначала те, что ждут дольше")
                queue_dealer_ms = timed(console, lambda: f"/visits?view=review&dealer={rng.choice(dealers)}",
                                        "сначала те, что ждут дольше")
                place_ms = timed_place(store, rng)
                analytics_ms = timed(console, lambda: analytics_path(rng.choice(dealers)), "Всего по чек-листу")
                pages = analytics_pages(console, dealers, shopper_ids, rng)
    print(json.dumps({
        "database": "postgresql" if args.db else "sqlite", "visits": VISITS, "dealerships": DEALERS, "shoppers": SHOPPERS, "fill_s": round(fill_seconds, 1),
        "visit_list_ms": round(statistics.median(list_ms), 1),
        "visit_list_p95_ms": round(percentile(list_ms, 95), 1),
        "review_queue_ms": round(statistics.median(queue_ms), 1),
        "review_queue_p95_ms": round(percentile(queue_ms, 95), 1),
        "review_queue_dealer_ms": round(statistics.median(queue_dealer_ms), 1),
        "review_queue_dealer_p95_ms": round(percentile(queue_dealer_ms, 95), 1),
        "queue_place_ms": round(statistics.median(place_ms), 1),
        "queue_place_p95_ms": round(percentile(place_ms, 95), 1),
        "dealer_analytics_ms": round(statistics.median(analytics_ms), 1),
        "dealer_analytics_p95_ms": round(percentile(analytics_ms, 95), 1),
        "analytics": pages,
    }, ensure_ascii=False, indent=1))


@contextlib.contextmanager
def database(url: str | None):
    if url is None:
        yield None
        return
    with postgres_schema(url) as schema_url:
        yield schema_url


def dealer_code(i: int) -> str:
    return f"BENCH-{i:05d}" if DEALERS > 1000 else f"BENCH-{i:03d}"


def analytics_pages(console, dealers: list[str], shopper_ids: list[str], rng: random.Random) -> dict:
    """Each analytics page's size and time (median and p95 of REQUESTS)."""
    overview = f"/analytics?checklist={CHECKLIST}"
    fixed = {
        "overview": overview,
        "overview_all_statuses": overview + "&status=all",
        "overview_worst_first": overview + "&order=worst",
        "overview_page_100": overview + "&page=100",
        "overview_city": overview + "&city=Казань",
        "overview_brand": overview + "&brand=Kia",
        "overview_city_brand": overview + "&city=Казань&brand=Kia",
        "overview_shopper": overview + f"&shopper={shopper_ids[7]}",
        "overview_three_months": overview + "&from=2026-06&to=2026-08",
        "overview_enough_visits": overview + "&enough=1&order=worst",
    }
    drawn = {
        "dealer": lambda: analytics_path(rng.choice(dealers)),
        "dealer_all_statuses": lambda: analytics_path(rng.choice(dealers)) + "?status=all",
        "dealer_shopper": lambda: analytics_path(rng.choice(dealers)) + f"?shopper={rng.choice(shopper_ids)}",
        "dealer_period": lambda: analytics_path(rng.choice(dealers)) + "?from=2026-01&to=2026-06",
    }
    found = {name: measured(console, lambda p=path: p) for name, path in fixed.items()}
    found |= {name: measured(console, path_of) for name, path_of in drawn.items()}
    return found


def measured(console, path_of) -> dict:
    first = console.http.get("/console" + path_of())  # warm
    assert first.status_code == 200, (first.status_code, first.text[:300])
    sizes, times = [], []
    for _ in range(REQUESTS):
        path = path_of()
        started = time.perf_counter()
        page = console.http.get("/console" + path)
        times.append((time.perf_counter() - started) * 1000)
        assert page.status_code == 200, (path, page.status_code)
        sizes.append(len(page.content))
    return {"kb": round(max(sizes) / 1024, 1), "ms": round(statistics.median(times), 1),
            "p95_ms": round(percentile(times, 95), 1)}


def analytics_path(dealer: str) -> str:
    return f"/analytics/{CHECKLIST}/dealers/{dealer}"


def timed(console, path_of, expected: str) -> list[float]:
    console.get(path_of())  # warm: templates compiled, SQLite's pages read once
    times = []
    for _ in range(REQUESTS):
        path = path_of()
        started = time.perf_counter()
        page = console.http.get("/console" + path)
        times.append((time.perf_counter() - started) * 1000)
        assert page.status_code == 200 and expected in page.text, (path, page.status_code, page.text[:300])
    return times


def timed_place(store, rng: random.Random) -> list[float]:
    queue = reviewing.VisitList("review", VisitFilter())
    with store.db.read() as conn:
        waiting = [r.uuid for r in conn.execute(text("SELECT uuid FROM visits WHERE status = 'received'"))]
    times = []
    for _ in range(REQUESTS):
        started = time.perf_counter()
        place = reviewing.place(store, queue, rng.choice(waiting))
        times.append((time.perf_counter() - started) * 1000)
        assert place is not None and place.position is not None
    return times


def percentile(values: list[float], p: int) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def answer_patterns(folder: Path, store, rng: random.Random) -> list[summaries.VisitSummary]:
    """Summaries of real showroom revisions, each answered differently (as the phone would)."""
    clock = ManualClock(NOW)
    service = open_service(folder, clock)
    entry = store.catalog.newest(CHECKLIST)
    service.store.save_checklist(Registry.from_directory(shipped_checklists()).get(CHECKLIST, entry.checklist.version).checklist)
    found = []
    for _ in range(PATTERNS):
        uuid = service.store.start_visit(CHECKLIST, entry.checklist.version, at=clock.now()).uuid
        answer_all(service, uuid, wait=rng.choice([30, 200, 400]))
        for question in entry.checklist.questions():
            if question.type == "yes_no" and question.id in service.visit(uuid).visible(clock.now()) \
                    and rng.random() < 0.3:
                service.answer(uuid, question.id, False)
        clock.advance(60)
        revision = VisitRevision.model_validate(service.finalize(uuid).model_dump())
        found.append(summaries.summarize(entry.checklist, revision, dealer_code=None))
    service.store.close()
    return found


def fill(store, patterns: list[summaries.VisitSummary], rng: random.Random) -> list[str]:
    shopper_ids = [admin.create_shopper(store, f"Покупатель {i:03d}").shopper_id for i in range(SHOPPERS)]
    admin.save_dealers(store, [
        Dealership(code=dealer_code(i), name=f"{DEALERSHIPS[i % len(DEALERSHIPS)].name} №{i}",
                   brand=DEALERSHIPS[i % len(DEALERSHIPS)].brand, city=CITIES[(i // len(DEALERSHIPS)) % len(CITIES)],
                   address="", phone="", lat=None, lon=None)
        for i in range(DEALERS)
    ])
    tally: Counter = Counter()
    rows, standards = [], []
    items = [summary_q.standards_json(p.standards) for p in patterns]
    for _ in range(VISITS):
        index = rng.randrange(len(patterns))
        pattern = patterns[index]
        dealer = dealer_code(rng.randrange(DEALERS))
        started = NOW - timedelta(days=rng.uniform(0, 365))
        status = rng.choices(["approved", "received", "returned"], [60, 30, 10])[0]
        uuid = str(uuid_module.UUID(int=rng.getrandbits(128), version=4))
        rows.append({
            "u": uuid, "s": rng.choice(shopper_ids),
            "status": status, "at": moment(started), "fin": moment(started + timedelta(minutes=45)),
            "received": moment(started + timedelta(minutes=rng.uniform(46, 60 * 24 * 3))),
            "dealer": dealer, "cid": pattern.checklist_id, "cver": pattern.checklist_version,
            "got": pattern.got, "out_of": pattern.out_of,
            "sections": json.dumps({k: list(v) for k, v in pattern.sections.items()}),
            "met": sum(pattern.standards.values()), "counted": len(pattern.standards),
        })
        standards.append({"u": uuid, "items": items[index]})
        tally.update(summary_q.tally_of(CHECKLIST, moment(started), status,
                                        {k: int(ok) for k, ok in pattern.standards.items()}))
    with store.db.write() as conn:
        conn.execute(text(
            "INSERT INTO visits (uuid, shopper_id, latest_revision, status, created_at, updated_at, dealer_code, "
            "checklist_id, checklist_version, started_at, finalized_at, received_at, score_got, score_out_of, "
            "section_scores, standards_met, standards_counted) VALUES (:u, :s, 1, :status, :fin, :fin, :dealer, "
            ":cid, :cver, :at, :fin, :received, :got, :out_of, :sections, :met, :counted)"
        ), rows)
        conn.execute(text("INSERT INTO visit_standards (visit_uuid, items) VALUES (:u, :items)"), standards)
        summary_q.add_to_tally(conn, tally)
        if store.db.is_sqlite:
            conn.execute(text("ANALYZE"))
    if not store.db.is_sqlite:  # as autovacuum would after a load: index-only scans need the visibility map
        with store.db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE"))
    return shopper_ids


if __name__ == "__main__":
    main()
