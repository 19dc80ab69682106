"""Location fixes in a real browser (issue 17, point 1): the app served by `fieldaudit app`,
driven in headless Chromium at 390x844, whose geolocation Playwright sets on the browser
context. flet-web's prebuilt client carries flet-geolocator's Flutter side (geolocator_web,
over `navigator.geolocation`).

The call is started and finalized in the browser (that is where the start and finish
fixes are taken); its questions are answered in between through the app's own services on
its data folder, as another connection to its store. The revision checked is the frozen
payload in the phone's store: the bytes a sync sends, unchanged on every retry. The phone
is paired to a real server on loopback, whose dealership «Северный» has its pin: after the
browser walk the phone syncs, and the server's flags say whether the shopper was there
(issue 17, points 1 and 4: inside the radius, outside it, and no fix at all).
"""

from __future__ import annotations

import json
import re
import time

import pytest
from playwright.sync_api import Page, expect

from field_app.app import open_service, open_sync
from field_app.demo import DEALERSHIPS
from field_app.domain.geo import distance_m
from field_app.domain.records import VisitStatus
from field_app.services import FieldService
from server_stub import admin, evidence, evidence_store

from e2e_support import AppProcess, chromium, enable_semantics, needs_chromium, open_phone, paired_phone
from samples import answer_all
from server_support import LiveServer
from sync_support import sync_until_done

pytestmark = needs_chromium

SLOW = 60_000
NORTHERN = DEALERSHIPS[0]  # Автоцентр «Северный», pinned at 55.8866, 37.5470
DEALERSHIP = NORTHERN.name
AT_THE_DEALERSHIP = {"latitude": 55.8870, "longitude": 37.5474, "accuracy": 18}  # about 50 m from the pin
RED_SQUARE = {"latitude": 55.7539, "longitude": 37.6208, "accuracy": 18}  # about 15.6 km from it


@pytest.fixture
def server(tmp_path):
    from server_stub.settings import Settings

    # The real clock, as the phone's: "today" must be the same day on both.
    with LiveServer.start(Settings(data_dir=tmp_path / "server")) as live:
        admin.save_dealers(live.store, [NORTHERN])
        yield live


@pytest.fixture
def app(tmp_path, server):
    """The phone, paired to the server and holding today's call at «Северный»."""
    process = AppProcess(paired_phone(tmp_path / "phone", server, NORTHERN.code, "dealer_call", window="09:00-18:00")).start(demo=False)
    yield process
    process.stop()


def sync_and_flag(server: LiveServer, app: AppProcess, uuid: str) -> list[evidence.Flag]:
    """Send what the phone holds (the app stopped); the flags the server computed for it."""
    service = open_service(app.data)
    try:
        sync_until_done(open_sync(service))
    finally:
        service.store.close()
    found, computed_at = evidence_store.flags(server.store, uuid, 1)
    assert computed_at is not None, "the server did not compute the revision's flags"
    print(f"flags: {[(f.code, f.numbers) for f in found]}")
    return found


def call_uuid(service: FieldService) -> str | None:
    stop = next(s for s in service.overview().today if s.dealership.name == DEALERSHIP)
    return stop.visit_uuid


def wait_for(condition, timeout: float = 45.0, every: float = 0.25):
    deadline = time.monotonic() + timeout
    while True:
        found = condition()
        if found:
            return found
        assert time.monotonic() < deadline, "timed out"
        time.sleep(every)


def start_the_call(page: Page) -> float:
    """Tap "start" on the call; how long until its first section showed."""
    expect(page.get_by_text("Маршрут на сегодня")).to_be_visible(timeout=SLOW)
    card = page.get_by_role("group", name=re.compile(DEALERSHIP))
    began = time.monotonic()
    card.get_by_role("button", name=re.compile("Начать")).click()
    expect(page.get_by_text(re.compile(r"Раздел 1 из \d+"))).to_be_visible(timeout=SLOW)
    return time.monotonic() - began


def finalize_in_the_browser(page: Page, app: AppProcess, uuid: str) -> None:
    page.goto(f"{app.url}review/{uuid}")  # the review, in a session of its own
    enable_semantics(page)
    page.get_by_role("button", name="Завершить звонок").click(timeout=SLOW)
    page.get_by_role("button", name="Завершить", exact=True).click(timeout=SLOW)
    expect(page.get_by_role("group", name=re.compile(f"{DEALERSHIP}.*Завершён"))).to_be_visible(timeout=SLOW)


def run_the_call(app: AppProcess, **context_options) -> tuple[str, dict, list, float]:
    """Start the call in the browser, answer it, finalize it in the browser; the visit's
    uuid, the frozen payload, the outcomes kept, and how long the start tap took to show
    the visit."""
    with chromium() as browser:
        page = open_phone(browser, app.url, **context_options)
        took = start_the_call(page)
        service = open_service(app.data)
        try:
            uuid = wait_for(lambda: call_uuid(service))
            # The start request ends (a fix, or unavailable) on its own, the visit open meanwhile.
            wait_for(lambda: service.visit(uuid).locations, timeout=40)
            answer_all(service, uuid, wait=0)
        finally:
            service.store.close()
        finalize_in_the_browser(page, app, uuid)
    app.stop()
    service = open_service(app.data)
    try:
        visit = service.visit(uuid)
        assert visit.status == VisitStatus.FINALIZED
        return uuid, json.loads(service.store.revision_payload(uuid, 1)), visit.locations, took
    finally:
        service.store.close()


def test_at_the_dealership_the_revision_carries_the_browsers_position_and_no_flag_of_place(server, app):
    uuid, payload, outcomes, took = run_the_call(app, geolocation=AT_THE_DEALERSHIP, permissions=["geolocation"])
    print(f"start tap to the visit shown: {took:.2f} s; outcomes {[(o.event, o.reason) for o in outcomes]}")
    fixes = {fix["event"]: fix for fix in payload["locations"]}
    assert set(fixes) == {"start", "finish"}, payload.get("location_unavailable")
    for fix in fixes.values():
        assert (fix["lat"], fix["lon"], fix["accuracy_m"]) == (55.8870, 37.5474, 18.0)
    assert "location_unavailable" not in payload

    codes = {flag.code for flag in sync_and_flag(server, app, uuid)}
    assert not codes & {evidence.FAR_FROM_DEALERSHIP, evidence.NO_LOCATION}, codes


def test_far_from_the_dealership_the_server_flags_the_distance(server, app):
    uuid, payload, _, _ = run_the_call(app, geolocation=RED_SQUARE, permissions=["geolocation"])
    assert {fix["event"] for fix in payload["locations"]} == {"start", "finish"}

    far = [flag for flag in sync_and_flag(server, app, uuid) if flag.code == evidence.FAR_FROM_DEALERSHIP]
    expected = distance_m(RED_SQUARE["latitude"], RED_SQUARE["longitude"], NORTHERN.lat, NORTHERN.lon)
    assert 15_000 < expected < 16_500
    assert sorted(flag.numbers["event"] for flag in far) == ["finish", "start"]
    for flag in far:
        assert flag.numbers["metres"] == pytest.approx(expected, abs=50)


def test_with_the_permission_denied_the_revision_says_unavailable_and_the_server_no_location(server, app):
    uuid, payload, outcomes, took = run_the_call(app, geolocation=RED_SQUARE, permissions=[])
    print(f"start tap to the visit shown: {took:.2f} s; outcomes {[(o.event, o.reason) for o in outcomes]}")
    assert "locations" not in payload
    assert payload["location_unavailable"] == ["start", "finish"]
    assert outcomes and all(o.fix is None for o in outcomes)

    codes = [flag.code for flag in sync_and_flag(server, app, uuid)]
    assert evidence.NO_LOCATION in codes and evidence.FAR_FROM_DEALERSHIP not in codes, codes
