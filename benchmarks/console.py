"""Benchmark: every page of the coordinator console at a large agency's size.

Run as ``.venv/bin/python benchmarks/console.py [--db postgresql://...]`` (``--dealers``,
``--shoppers``, ``--visits`` to try other sizes). Fills a server's database (SQLite in a
temporary folder on the repository's disk, or a fresh PostgreSQL schema of the URL given,
vacuumed and analysed after the load) with issue 16's large customer:

- 60,000 dealerships (8 cities, 8 brands, addresses, phones, positions);
- 300 shoppers, every name twice (150 pairs of namesakes), each with a city;
- 100,000 showroom visits over a year (60% approved, 30% waiting, 10% returned), stored as
  the server stores them: each visit's summary columns, its standards met, its local month
  and the month tally come from the server's own `summaries.summarize` of 60 real
  revisions (made with the phone's services), in bulk INSERTs; a fifth of them flagged
  (issue 17: their latest revision has one or two flags, `FLAG_WEIGHTS`; impossible
  travel the rarest, one visit in a thousand);
- this week's routes: four stops a day for every shopper (8,400), those of the first three
  days' first two stops visited;
- three visits sent through the server's own PUT (a visit's page reads its revision), one
  of them returned and corrected (the page of what changed since the return).

Then each page is asked through the whole server app in-process (routing, session,
query, template), REQUESTS times after one warm-up; where a page is a dealership's,
shopper's or visit's, one is drawn at random per request. For each page: its size in KB
(the largest seen), the median and p95 time in ms. `over_target` names any page over
issue 16's 300 KB or whose p95 is over 300 ms; `queue_place_ms` is the library call behind
a visit's previous/next links. The XLSX export's download is benchmarks/exports.py's.
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
from samples import answer_all  # noqa: E402
from server_support import postgres_schema  # noqa: E402

from field_app.app import open_service  # noqa: E402
from field_app.domain.clock import ManualClock  # noqa: E402
from field_app.domain.records import VisitRevision  # noqa: E402
from field_app.domain.registry import Registry  # noqa: E402
from field_app.domain.resources import shipped_checklists  # noqa: E402
from field_app.domain.route import Dealership  # noqa: E402
from server_stub import admin, devices, reviewing, summaries  # noqa: E402
from server_stub.database import moment  # noqa: E402
from server_stub.queries import summaries as summary_q  # noqa: E402
from server_stub.queries.visit_list import VisitFilter  # noqa: E402
from server_stub.serve import settle_the_heap  # noqa: E402
from server_stub.settings import Settings  # noqa: E402
from server_stub.store import open_store  # noqa: E402
from server_stub.visits import put_revision, review_visit  # noqa: E402

REQUESTS = 20
PATTERNS = 60
STOPS_A_DAY = 4
CHECKLIST = "showroom_visit"
NOW = datetime(2026, 11, 25, 12, 0, tzinfo=timezone.utc)  # a Wednesday
TARGET_KB, TARGET_MS = 300, 300
# The share of visits raising each flag: phones without a fix and late uploads are common,
# a trip no car makes rare.
FLAG_WEIGHTS = {"no_location": 0.08, "late_upload": 0.05, "too_fast": 0.03, "far_from_dealership": 0.03,
                "photo_time_outside_visit": 0.01, "clock_ahead": 0.005, "impossible_travel": 0.001}
CITIES = ("Москва", "Казань", "Новосибирск", "Екатеринбург", "Самара", "Владивосток", "Пермь", "Омск")
ZONES = ("Europe/Moscow", "Europe/Moscow", "Asia/Novosibirsk", "Asia/Yekaterinburg", "Europe/Samara",
         "Asia/Vladivostok", "Asia/Yekaterinburg", "Asia/Omsk")
BRANDS = ("Kia", "Hyundai", "Toyota", "Lada", "Haval", "Chery", "Geely", "Skoda")
FIRST = ("Иван", "Анна", "Пётр", "Мария", "Олег", "Елена", "Сергей", "Ольга", "Алёна", "Дмитрий")
LAST = ("Петров", "Иванова", "Сидоров", "Кузнецова", "Смирнов", "Попова", "Волков", "Соколова")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dealers", type=int, default=60_000)
    parser.add_argument("--shoppers", type=int, default=300)
    parser.add_argument("--visits", type=int, default=100_000)
    parser.add_argument("--db", default=None, help="a PostgreSQL URL (a schema is made and dropped)")
    args = parser.parse_args()
    rng = random.Random(20261125)
    with tempfile.TemporaryDirectory(dir=ROOT) as temp, database(args.db) as url:
        work = Path(temp)
        settings = Settings(data_dir=work / "server", db_url=url, clock=ManualClock(NOW))
        with open_store(settings) as store:
            started = time.perf_counter()
            patterns, revisions = answer_patterns(work / "phone", store, rng)
            world = fill(store, patterns, rng, args)
            real = send_real_visits(store, world, revisions)
            fill_seconds = time.perf_counter() - started
            settle_the_heap()  # as `fieldaudit server` does once started
            with console_client(store) as console:
                pages = {name: measure(console, ask) for name, ask in page_requests(world, real, rng).items()}
            place_ms = timed_place(store, rng)
    over = sorted(name for name, f in pages.items() if f["kb"] > TARGET_KB or f["p95_ms"] > TARGET_MS)
    print(json.dumps({
        "database": "postgresql" if args.db else "sqlite", "dealerships": args.dealers, "shoppers": args.shoppers,
        "visits": args.visits, "fill_s": round(fill_seconds, 1), "requests_per_page": REQUESTS,
        "target": {"kb": TARGET_KB, "p95_ms": TARGET_MS}, "over_target": over,
        "largest_kb": max(f["kb"] for f in pages.values()), "slowest_p95_ms": max(f["p95_ms"] for f in pages.values()),
        "queue_place_ms": round(statistics.median(place_ms), 1),
        "queue_place_p95_ms": round(percentile(place_ms, 95), 1), "pages": pages,
    }, ensure_ascii=False, indent=1))


@contextlib.contextmanager
def database(url: str | None):
    if url is None:
        yield None
        return
    with postgres_schema(url) as schema_url:
        yield schema_url


class World:
    """What the fill made, for drawing pages to ask."""

    def __init__(self, shopper_ids: list[str], codes: list[str], visit_uuids: list[str]) -> None:
        self.shopper_ids, self.codes, self.visit_uuids = shopper_ids, codes, visit_uuids


def page_requests(world: World, real: dict[str, str], rng: random.Random) -> dict:
    """Page name -> a function giving (method, path, form or None, expected status)."""
    today = NOW.date()
    monday = today - timedelta(days=today.weekday())
    shopper = lambda: rng.choice(world.shopper_ids)  # noqa: E731
    dealer = lambda: rng.choice(world.codes)  # noqa: E731
    analytics = f"/analytics?checklist={CHECKLIST}"
    get = {
        "login": "/login",
        "visits_queue": "/visits",
        "visits_all": "/visits?view=all",
        "visits_all_dealer": lambda: f"/visits?view=all&dealer={dealer()}",
        "visits_queue_dealer": lambda: f"/visits?view=review&dealer={dealer()}",
        "visits_queue_shopper": lambda: f"/visits?view=review&shopper={shopper()}",
        "visits_dealer_words": "/visits?view=all&dealer=казань kia",
        "visits_flag_any": "/visits?view=all&flag=any",
        "visits_no_flags": "/visits?view=all&flag=none",
        "visits_flag_rare": "/visits?view=all&flag=impossible_travel",
        "visits_queue_flag": "/visits?view=review&flag=no_location",
        "visits_queue_dealer_flag": lambda: f"/visits?view=review&flag=any&dealer={dealer()}",
        "visit": f"/visits/{real['plain']}?view=review",
        "visit_corrected": f"/visits/{real['corrected']}?view=review",
        "week_board": "/routes",
        "week_board_page_6": "/routes?page=6",
        "week_board_search": "/routes?q=петров",
        "day": lambda: f"/routes/{shopper()}/{today}",
        "routes_import": "/routes/import",
        "routes_copy_one": lambda: f"/routes/copy?week={monday}&shopper={shopper()}",
        "routes_copy_everyone": f"/routes/copy?week={monday}",
        "shoppers": "/shoppers",
        "shoppers_search": "/shoppers?q=петров",
        "shopper": lambda: f"/shoppers/{shopper()}",
        "shopper_deactivate": lambda: f"/shoppers/{shopper()}/deactivate",
        "dealers": "/dealers",
        "dealers_page_600": "/dealers?page=600",
        "dealers_search": "/dealers?q=киа",
        "dealers_search_rare": lambda: f"/dealers?q={dealer().lower()}",
        "dealers_with_deactivated": "/dealers?inactive=1&page=3",
        "dealer_new": "/dealers/new",
        "dealer_edit": lambda: f"/dealers/{dealer()}/edit",
        "dealer_deactivate": lambda: f"/dealers/{dealer()}/deactivate",
        "checklists": "/checklists",
        "checklist_version": f"/checklists/{CHECKLIST}/2",
        "checklist_diff": f"/checklists/{CHECKLIST}/diff",
        "checklist_repin": f"/checklists/{CHECKLIST}/repin?version=2",
        "exports": "/exports",
        "exports_dealer_words": "/exports?dealer=казань kia",
        "analytics": analytics,
        "analytics_all_statuses": analytics + "&status=all",
        "analytics_worst_first": analytics + "&order=worst",
        "analytics_page_100": analytics + "&page=100",
        "analytics_city_brand": analytics + "&city=Казань&brand=Kia",
        "analytics_shopper": lambda: analytics + f"&shopper={shopper()}",
        "analytics_three_months": analytics + "&from=2026-06&to=2026-08",
        "analytics_enough_visits": analytics + "&enough=1&order=worst",
        "analytics_dealer": lambda: f"/analytics/{CHECKLIST}/dealers/{dealer()}",
        "analytics_dealer_period": lambda: f"/analytics/{CHECKLIST}/dealers/{dealer()}?from=2026-01&to=2026-06",
    }
    asked = {name: (lambda p=path: ("GET", p() if callable(p) else p, None, 200)) for name, path in get.items()}
    asked["day_dealer_words"] = lambda: ("POST", f"/routes/{shopper()}/{today}",
                                         {"dealer": "казань kia", "checklist": CHECKLIST}, 422)
    chosen = [f"{u}:1" for u in world.visit_uuids[:50]]
    asked["approve_50_confirm"] = lambda: ("POST", "/visits/approve", {"visit": chosen, "view": "review"}, 200)
    return asked


def measure(console, ask) -> dict:
    def send(method: str, path: str, form: dict | None):
        if method == "GET":
            return console.http.get("/console" + path)
        return console.http.post("/console" + path, data=form | {"csrf": console.csrf})

    console.get("/visits")  # the session's CSRF token for the forms
    method, path, form, expected = ask()
    warm = send(method, path, form)  # templates compiled, pages read once
    assert warm.status_code == expected, (path, warm.status_code, warm.text[:300])
    sizes, times = [], []
    for _ in range(REQUESTS):
        method, path, form, expected = ask()
        started = time.perf_counter()
        page = send(method, path, form)
        times.append((time.perf_counter() - started) * 1000)
        assert page.status_code == expected, (path, page.status_code, page.text[:300])
        sizes.append(len(page.content))
    return {"kb": round(max(sizes) / 1024, 1), "ms": round(statistics.median(times), 1),
            "p95_ms": round(percentile(times, 95), 1)}


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


def answer_patterns(folder: Path, store, rng: random.Random) -> tuple[list, list[VisitRevision]]:
    """Summaries of real showroom revisions, each answered differently (as the phone would),
    and the revisions themselves."""
    clock = ManualClock(NOW - timedelta(days=2))
    service = open_service(folder, clock)
    entry = store.catalog.newest(CHECKLIST)
    service.store.save_checklist(
        Registry.from_directory(shipped_checklists()).get(CHECKLIST, entry.checklist.version).checklist)
    found, revisions = [], []
    for _ in range(PATTERNS):
        uuid = service.store.start_visit(CHECKLIST, entry.checklist.version, at=clock.now()).uuid
        answer_all(service, uuid, wait=rng.choice([30, 200, 400]))
        for question in entry.checklist.questions():
            if question.type == "yes_no" and question.id in service.visit(uuid).visible(clock.now()) \
                    and rng.random() < 0.3:
                service.answer(uuid, question.id, False)
        clock.advance(60)
        revision = VisitRevision.model_validate(service.finalize(uuid).model_dump())
        revisions.append(revision)
        found.append(summaries.summarize(entry.checklist, revision, dealer_code=None))
    service.store.close()
    return found, revisions


def fill(store, patterns: list, rng: random.Random, args) -> World:
    """Shoppers, dealerships, visits and this week's routes, as the server stores them."""
    shopper_ids = []
    for i in range(args.shoppers):
        # Every name twice: pairs of namesakes, as the issue's «Иван Петров».
        name = f"{FIRST[(i // 2) % len(FIRST)]} {LAST[(i // 2) // len(FIRST) % len(LAST)]} {i // 2:03d}"
        shopper_ids.append(admin.create_shopper(store, name, city=CITIES[i % len(CITIES)]).shopper_id)
    codes = [f"{BRANDS[i % len(BRANDS)][:3].upper()}-{i:05d}" for i in range(args.dealers)]
    admin.save_dealers(store, [
        Dealership(code=code, name=f"{BRANDS[i % len(BRANDS)]} Центр {CITIES[(i // 8) % len(CITIES)]} №{i}",
                   brand=BRANDS[i % len(BRANDS)], city=CITIES[(i // 8) % len(CITIES)],
                   address=f"ул. Ленина, {i % 200 + 1}", phone=f"+7 900 {i:07d}",
                   lat=55 + rng.random(), lon=37 + rng.random(), timezone=ZONES[(i // 8) % len(ZONES)])
        for i, code in enumerate(codes)
    ])
    zone_of = {code: ZONES[(i // 8) % len(ZONES)] for i, code in enumerate(codes)}
    monday = NOW.date() - timedelta(days=NOW.weekday())
    version = store.catalog.newest(CHECKLIST).checklist.version
    stops, visited = [], []
    for shopper in shopper_ids:
        for day in range(7):
            for position in range(1, STOPS_A_DAY + 1):
                stop_id = "as_" + uuid_module.UUID(int=rng.getrandbits(128)).hex[:20]
                dealer = rng.choice(codes)
                stops.append({"id": stop_id, "s": shopper, "day": (monday + timedelta(days=day)).isoformat(),
                              "pos": position, "dealer": dealer, "cver": version})
                if day < 3 and position <= 2:
                    visited.append((shopper, dealer, stop_id, monday + timedelta(days=day)))
    items = [summary_q.standards_json(p.standards) for p in patterns]
    tally: Counter = Counter()
    rows, standards, flagged, flags = [], [], [], []
    for n in range(args.visits):
        if n < len(visited):
            shopper, dealer, stop_id, day = visited[n]
            started = datetime.combine(day, datetime.min.time(), timezone.utc) + timedelta(hours=rng.uniform(5, 15))
        else:
            shopper, dealer, stop_id = rng.choice(shopper_ids), rng.choice(codes), None
            started = NOW - timedelta(days=rng.uniform(3, 365))
        index = rng.randrange(len(patterns))
        pattern = patterns[index]
        status = rng.choices(["approved", "received", "returned"], [60, 30, 10])[0]
        month = summaries.local_month(started, zone_of[dealer])
        uuid = str(uuid_module.UUID(int=rng.getrandbits(128), version=4))
        rows.append({
            "u": uuid, "s": shopper, "a": stop_id, "status": status, "at": moment(started),
            "fin": moment(started + timedelta(minutes=45)),
            "received": moment(started + timedelta(minutes=rng.uniform(46, 60 * 24 * 3))),
            "dealer": dealer, "cid": pattern.checklist_id, "cver": pattern.checklist_version,
            "got": pattern.got, "out_of": pattern.out_of, "month": month,
            "sections": json.dumps({k: list(v) for k, v in pattern.sections.items()}),
            "met": sum(pattern.standards.values()), "counted": len(pattern.standards),
        })
        standards.append({"u": uuid, "items": items[index]})
        raised = [code for code, share in FLAG_WEIGHTS.items() if rng.random() < share]
        if raised:  # a flag names its revision: the flagged visits get their revision's row
            flagged.append({"u": uuid, "cid": pattern.checklist_id, "cver": pattern.checklist_version,
                            "fin": moment(started + timedelta(minutes=45)), "received": rows[-1]["received"]})
            flags += [{"u": uuid, "p": i, "code": code} for i, code in enumerate(raised)]
        summary_q.tally_of(CHECKLIST, month, status, {k: int(ok) for k, ok in pattern.standards.items()}, into=tally)
    with store.db.write() as conn:
        conn.execute(text(
            "INSERT INTO assignments (id, shopper_id, day, position, dealer_code, checklist_id, checklist_version, "
            "created_at, change_seq) VALUES (:id, :s, :day, :pos, :dealer, 'showroom_visit', :cver, '2026-11-20', 1)"
        ), stops)
        conn.execute(text(
            "INSERT INTO visits (uuid, shopper_id, assignment_id, latest_revision, status, created_at, updated_at, "
            "dealer_code, checklist_id, checklist_version, started_at, finalized_at, received_at, score_got, "
            "score_out_of, section_scores, standards_met, standards_counted, local_month) VALUES (:u, :s, :a, 1, "
            ":status, :fin, :fin, :dealer, :cid, :cver, :at, :fin, :received, :got, :out_of, :sections, :met, "
            ":counted, :month)"
        ), rows)
        conn.execute(text("INSERT INTO visit_standards (visit_uuid, items) VALUES (:u, :items)"), standards)
        if flagged:
            conn.execute(text(
                "INSERT INTO visit_revisions (visit_uuid, revision, payload, payload_sha256, checklist_id, "
                "checklist_version, finalized_at, received_at, device_id, flags_at) VALUES (:u, 1, '{}', '', :cid, "
                ":cver, :fin, :received, 'benchmark', :received)"), flagged)
            conn.execute(text("INSERT INTO revision_flags (visit_uuid, revision, position, code, numbers) "
                              "VALUES (:u, 1, :p, :code, '{}')"), flags)
        summary_q.add_to_tally(conn, tally)
        if store.db.is_sqlite:
            conn.execute(text("ANALYZE"))
    if not store.db.is_sqlite:  # as autovacuum would after a load: index-only scans need the visibility map
        with store.db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE"))
    waiting = [r["u"] for r in sorted(rows, key=lambda r: r["received"]) if r["status"] == "received"]
    return World(shopper_ids, codes, waiting)


def send_real_visits(store, world: World, revisions: list[VisitRevision]) -> dict[str, str]:
    """Visits sent through the server's PUT by a paired phone (their pages read the stored
    revision): one plain, one returned and corrected."""
    code = admin.create_shopper(store, "Анна Петрова", city="Москва")
    token = devices.pair(store, code.pairing_code, "Pixel 8").token
    with store.db.read() as conn:
        device = devices.recognise(conn, token)
    sent = {}
    for name, revision in (("plain", revisions[0]), ("corrected", revisions[1])):
        stop = admin.assign(store, code.shopper_id, revision.started_at.date(), world.codes[7], CHECKLIST)
        uuid = str(uuid_module.uuid4())
        put_revision(store, device, uuid, revision.model_copy(update={"assignment_id": stop.assignment_id}))
        sent[name] = uuid
    review_visit(store, sent["corrected"], "return", "Добавьте фото визитки", by="coordinator")
    second = revisions[2].model_copy(update={"revision": 2, "assignment_id": None})
    with store.db.read() as conn:
        first = conn.execute(text("SELECT assignment_id FROM visits WHERE uuid = :u"),
                             {"u": sent["corrected"]}).scalar_one()
    put_revision(store, device, sent["corrected"], second.model_copy(update={"assignment_id": first}))
    return sent


if __name__ == "__main__":
    main()
