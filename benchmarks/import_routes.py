"""Benchmark: importing routes for 40 shoppers x 20 working days x 3 stops (2,400 rows).

Run as ``.venv/bin/python benchmarks/import_routes.py``. Fills a fresh server (SQLite in a
temporary folder; also PostgreSQL in a fresh schema when FIELDAUDIT_TEST_POSTGRES_URL is
set) with 40 shoppers, 2,000 dealerships and a published checklist, writes the CSV, then
times `route_import.check_routes` (the console's preview) and `route_import.import_routes`
(the saving: all rows in one transaction, one executemany, one change number), and one
shopper's `sync/pull` afterwards. Prints one JSON object. Target (issue 16, point 1): the
import in at most 30 s.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import sys
import tempfile
import time
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from server_support import MINI, postgres_schema  # noqa: E402

from field_app.domain.clock import ManualClock  # noqa: E402
from field_app.domain.route import Dealership  # noqa: E402
from server_stub import admin, route_import  # noqa: E402
from server_stub.queries import routes  # noqa: E402
from server_stub.settings import Settings  # noqa: E402
from server_stub.store import open_store  # noqa: E402

SHOPPERS, DAYS, STOPS = 40, 20, 3
DEALERS = 2_000
NOW = datetime(2026, 11, 25, 12, 0, tzinfo=timezone.utc)
WINDOWS = ("10:00-11:30", "12:30-14:00", "15:00-16:30")


def working_days(first: date, count: int) -> list[date]:
    days, day = [], first
    while len(days) < count:
        if day.weekday() < 5:
            days.append(day)
        day += timedelta(days=1)
    return days


def routes_csv(shopper_ids: list[str]) -> bytes:
    out = io.StringIO()
    out.write("shopper,date,dealer,checklist,version,window,note\n")
    days = working_days(date(2026, 11, 30), DAYS)
    for n, shopper in enumerate(shopper_ids):
        for d, day in enumerate(days):
            for s in range(STOPS):
                dealer = f"D{(n * 50 + d * STOPS + s) % DEALERS:05d}"
                out.write(f"{shopper},{day.isoformat()},{dealer},{MINI.id},,{WINDOWS[s]},\n")
    return out.getvalue().encode()


def run(url: str | None) -> dict:
    with tempfile.TemporaryDirectory(dir=ROOT / "benchmarks") as temp:
        settings = Settings(data_dir=Path(temp) / "server", db_url=url, clock=ManualClock(NOW))
        with open_store(settings) as store:
            store.catalog.publish(MINI, store.now())
            admin.save_dealers(store, [Dealership(code=f"D{n:05d}", name=f"Дилер {n}", city="Москва", brand="Kia")
                                       for n in range(DEALERS)])
            ids = [admin.create_shopper(store, f"Покупатель {n:02d}").shopper_id for n in range(SHOPPERS)]
            data = routes_csv(ids)
            started = time.perf_counter()
            checked = route_import.check_routes(store, data, "routes.csv")
            check_seconds = time.perf_counter() - started
            started = time.perf_counter()
            report = route_import.import_routes(store, data, "routes.csv")
            seconds = time.perf_counter() - started
            with store.db.read() as conn:
                pulled = routes.route_changes_since(conn, ids[0], 0)
    return {"rows": SHOPPERS * DAYS * STOPS, "preview_seconds": round(check_seconds, 3),
            "import_seconds": round(seconds, 3), "stops": report.stops, "warnings": len(checked.warnings),
            "change_numbers_used": 1, "first_shopper_pull_stops": len(pulled.current)}


def main() -> None:
    result: dict = {"benchmark": "import_routes", "shoppers": SHOPPERS, "working_days": DAYS,
                    "stops_a_day": STOPS, "target_seconds": 30, "sqlite": run(None)}
    base = os.environ.get("FIELDAUDIT_TEST_POSTGRES_URL")
    if base:
        with contextlib.ExitStack() as stack:
            result["postgresql"] = run(stack.enter_context(postgres_schema(base)))
    print(json.dumps(result))


if __name__ == "__main__":
    main()
