"""The visit screen at Python level, in an in-memory Flet session (no browser):
building the first section of showroom_visit, a tap on an answer until it is durably
stored, and «Далее» until the next section's update is sent (the app's own work for a
section change; the browser's share is benchmarks/ui_browser.py). Prints one JSON object:
visit_screen_build_ms (median), answer_tap_ms (p95), section_change_ms (p50, p95)."""

from __future__ import annotations

import asyncio
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

import msgpack  # noqa: E402
from flet_harness import FletHarness, _encode  # noqa: E402

from field_app.app import build_app, open_service  # noqa: E402
from field_app.demo import fill_demo  # noqa: E402
from field_app.domain.registry import Registry  # noqa: E402
from field_app.domain.i18n import Translator  # noqa: E402
from field_app.domain.resources import shipped_checklists  # noqa: E402
from field_app.screens.context import AppContext  # noqa: E402
from field_app.screens.visit import VisitScreen  # noqa: E402

BUILDS = 50
TAPS = 200
WALKS = 8
# A shopper looks at a section before tapping «Далее»; the quickest glance.
READ_S = 0.3


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


class SentWatch:
    """Notes when the session sends a message holding a text: the moment an update has
    left the app (the harness packs every message as a transport would)."""

    def __init__(self, conn) -> None:
        self.wanted: bytes | None = None
        self.at: float | None = None
        send = conn.send_message

        def watched(message) -> None:
            send(message)
            at = time.perf_counter()  # not counting the packing below, a copy of the harness's
            if self.wanted is not None and self.at is None and self.wanted in msgpack.packb(
                    [message.action, message.body], default=_encode):
                self.at = at

        conn.send_message = watched

    def expect(self, text: str) -> None:
        self.wanted, self.at = text.encode(), None


async def measure(folder: Path) -> dict:
    service = open_service(folder)  # a file-backed store: WAL, synchronous=FULL, as on a phone
    fill_demo(service, Registry.from_directory(shipped_checklists()))
    stop = next(s for s in service.overview().today if s.assignment.checklist_id == "showroom_visit")
    uuid = service.open_stop(stop.assignment.id)
    first = service.visit(uuid).checklist.sections[0].id
    h = await FletHarness.start(build_app(service), route=f"/visit/{uuid}/{first}")
    ctx = AppContext(h.page, service, Translator("ru"), rerender=lambda: None)

    builds = []
    for _ in range(BUILDS):
        started = time.perf_counter()
        VisitScreen(ctx, uuid, first).view()
        builds.append((time.perf_counter() - started) * 1000)

    taps = []
    for i in range(TAPS):
        option = "yes" if i % 2 else "no"
        button = h.by_key(f"answer-easy_to_find-{option}")
        started = time.perf_counter()
        await h.session.dispatch_event(button._i, "click", None)
        stored = service.store.visit(uuid).answers["easy_to_find"].value
        taps.append((time.perf_counter() - started) * 1000)
        assert stored is (option == "yes"), "the tap was not stored"
        await h.settle()

    changes = []
    sections = [s.id for s in service.visit(uuid).checklist.sections]
    sent = SentWatch(h.conn)
    for _ in range(WALKS):
        while h.by_key("section-progress").value != f"Раздел 1 из {len(sections)}":
            await h.click(h.by_key("prev-section"))
        for number in range(2, len(sections) + 1):
            await asyncio.sleep(READ_S)
            button = h.by_key("next-section")
            sent.expect(f"Раздел {number} ")
            started = time.perf_counter()
            await h.session.dispatch_event(button._i, "click", None)
            while sent.at is None:
                await asyncio.sleep(0)  # the route change runs as its own task, as in a session
            changes.append((sent.at - started) * 1000)
    h.close()
    return {
        "section_change_ms": {"p50": round(statistics.median(changes), 2), "p95": round(percentile(changes, 0.95), 2),
                              "n": len(changes)},
        # the first walk through the visit, each section shown for the first time
        "section_change_first_walk_ms": {"p50": round(statistics.median(changes[:len(sections) - 1]), 2),
                                         "max": round(max(changes[:len(sections) - 1]), 2)},
        "visit_screen_build_ms": round(statistics.median(builds), 2),
        "answer_tap_ms": round(percentile(taps, 0.95), 2),
        "answer_tap_median_ms": round(statistics.median(taps), 2),
        "builds": BUILDS,
        "taps": TAPS,
    }


def main() -> None:
    with tempfile.TemporaryDirectory(dir=ROOT) as temp:
        result = asyncio.run(measure(Path(temp)))
    print(json.dumps(result))


if __name__ == "__main__":
    main()
