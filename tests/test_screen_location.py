"""Location fixes through the app in an in-memory Flet session (issue 17, point 1).

The real locator over flet-geolocator's Geolocator, its client calls answered by method
name as the Flutter client would; and the whole app with a fake locator: a visit starts at
once while the locator takes 20 s, finalizing waits at most `FINALIZE_WAIT_S` for a finish
fix still coming, a refused permission shows no dialog, and the finalized revision carries
the start, photo and finish fixes.
"""

from __future__ import annotations

import asyncio
import json
import time

import flet as ft
import pytest
from flet_geolocator import GeolocatorConfiguration, GeolocatorIosConfiguration, GeolocatorWebConfiguration

from field_app.app import build_app
from field_app.domain.locations import DENIED, NO_SERVICE, TIMEOUT
from field_app.domain.records import VisitStatus
from field_app.location import FINALIZE_WAIT_S, LocationUnavailableError, Position
from field_app.location.geolocator import GeolocatorLocator
from field_app.services import FieldService

from fake_locator import MOSCOW, FakeLocator
from flet_harness import FletHarness, until, no_failing_handlers  # noqa: F401 (autouse)
from samples import answer_all, jpeg

POSITION = {"latitude": 55.7558, "longitude": 37.6173, "accuracy": 14.0, "altitude": 0.0, "speed": 0.0,
            "heading": 0.0, "timestamp": None, "mocked": False}



def calls(h: FletHarness) -> list[str]:
    return [i.name for i in h.conn.invocations]


# --- the real locator, over Geolocator ------------------------------------------------


async def geolocator(harnesses, answers: dict, **page) -> tuple[FletHarness, GeolocatorLocator]:
    locator = GeolocatorLocator()
    h = await FletHarness.start(lambda page: locator.open(), answers=answers, **page)
    harnesses.append(h)
    return h, locator


async def test_the_geolocator_asks_the_permission_once_then_the_position(harnesses):
    h, locator = await geolocator(harnesses, {
        "is_location_service_enabled": True, "get_permission_status": "denied",
        "request_permission": "whileInUse", "get_current_position": POSITION,
    })
    assert await locator.locate(20.0) == Position(lat=55.7558, lon=37.6173, accuracy_m=14.0)
    assert calls(h) == ["is_location_service_enabled", "get_permission_status", "request_permission",
                        "get_current_position"]
    [asked] = [i for i in h.conn.invocations if i.name == "get_current_position"]
    configuration = asked.args["configuration"]
    assert isinstance(configuration, GeolocatorWebConfiguration)  # the harness is a web client
    assert configuration.time_limit == ft.Duration(milliseconds=20000)
    assert configuration.maximum_age == ft.Duration(seconds=30)


@pytest.mark.parametrize(("platform", "kind"), [("ios", GeolocatorIosConfiguration),
                                               ("android", GeolocatorConfiguration)])
async def test_a_phone_asks_with_its_platforms_configuration(harnesses, platform, kind):
    h, locator = await geolocator(harnesses, {
        "is_location_service_enabled": True, "get_permission_status": "whileInUse",
        "get_current_position": POSITION,
    }, web=False, platform=platform)
    await locator.locate(20.0)
    [asked] = [i for i in h.conn.invocations if i.name == "get_current_position"]
    configuration = asked.args["configuration"]
    assert type(configuration) is kind
    assert configuration.time_limit == ft.Duration(milliseconds=20000)
    if kind is GeolocatorIosConfiguration:
        assert configuration.allow_background_location_updates is False


async def test_a_permission_refused_for_good_is_not_asked_again(harnesses):
    h, locator = await geolocator(harnesses, {
        "is_location_service_enabled": True, "get_permission_status": "deniedForever",
    })
    with pytest.raises(LocationUnavailableError) as refused:
        await locator.locate(20.0)
    assert refused.value.reason == DENIED
    assert "request_permission" not in calls(h) and "get_current_position" not in calls(h)


async def test_a_permission_refused_at_the_prompt_is_denied(harnesses):
    h, locator = await geolocator(harnesses, {
        "is_location_service_enabled": True, "get_permission_status": "denied", "request_permission": "denied",
    })
    with pytest.raises(LocationUnavailableError) as refused:
        await locator.locate(20.0)
    assert refused.value.reason == DENIED


async def test_location_services_off_is_no_service(harnesses):
    h, locator = await geolocator(harnesses, {"is_location_service_enabled": False})
    with pytest.raises(LocationUnavailableError) as refused:
        await locator.locate(20.0)
    assert refused.value.reason == NO_SERVICE


@pytest.mark.parametrize(("message", "reason"), [
    ("Location request timed out.", TIMEOUT),
    ("Browser did not return a position within 20s.", TIMEOUT),
    ("Location permission denied: User denied Geolocation.", DENIED),
    ("Location services are disabled. Enable them in the device or system settings.", NO_SERVICE),
])
async def test_the_clients_errors_are_sorted_into_reasons(harnesses, message, reason):
    def fails(args):
        raise RuntimeError(message)

    h, locator = await geolocator(harnesses, {
        "is_location_service_enabled": True, "get_permission_status": "whileInUse", "get_current_position": fails,
    })
    with pytest.raises(LocationUnavailableError) as refused:
        await locator.locate(20.0)
    assert refused.value.reason == reason


async def test_a_geolocator_not_open_is_unavailable_not_a_crash():
    with pytest.raises(LocationUnavailableError):
        await GeolocatorLocator().locate(20.0)


# --- the app with a fake locator ----------------------------------------------------------


def new_stop(service: FieldService, checklist_id: str | None):
    return next(s for s in service.overview().today
                if s.visit_uuid is None and checklist_id in (None, s.assignment.checklist_id))


async def open_app(harnesses, service: FieldService, locator, route: str = "/", **answers) -> FletHarness:
    h = await FletHarness.start(build_app(service, locator=lambda: locator), route=route, answers=answers)
    harnesses.append(h)
    return h


async def start_visit(h: FletHarness, service: FieldService,
                      checklist_id: str | None = "dealer_call") -> tuple[str, float]:
    """Tap "start" on a stop of today's not begun yet; the visit's uuid and how long the
    tap took."""
    stop = new_stop(service, checklist_id)
    began = time.perf_counter()
    await h.click(h.by_key(f"start-{stop.assignment.id}"))
    took = time.perf_counter() - began
    await until(lambda: h.page.route.startswith("/visit/"))
    return h.page.route.split("/")[2], took


async def finalize(h: FletHarness, uuid: str) -> float:
    """Review, "finalize", confirm; how long from the confirmation to Today, the visit
    frozen."""
    await h.go(f"/review/{uuid}")
    await h.click(h.by_key("finalize"))
    [dialog] = [d for d in h.dialogs() if isinstance(d, ft.AlertDialog)]
    began = time.perf_counter()
    await h.click(h.button("Завершить", root=dialog))
    await until(lambda: h.page.route == "/")
    return time.perf_counter() - began


def sent(service: FieldService, uuid: str) -> dict:
    return json.loads(service.store.revision_payload(uuid, service.visit(uuid).revision))


def alert_dialogs(h: FletHarness) -> list:
    return [d for d in h.dialogs() if isinstance(d, ft.AlertDialog)]


async def test_starting_a_visit_is_not_held_up_by_a_locator_taking_20_s(harnesses, service):
    quick = await open_app(harnesses, service, FakeLocator())
    _, baseline = await start_visit(quick, service, None)  # a locator that answers at once
    service.store.set_setting("open_visit", "")  # the next session opens on Today, not on it

    locator = FakeLocator(delay_s=20.0)
    h = await open_app(harnesses, service, locator)
    uuid, took = await start_visit(h, service, None)
    print(f"start tap: {took * 1000:.1f} ms with a 20 s locator, {baseline * 1000:.1f} ms with an instant one")
    # Bounds far from the locator's 20 s, not close to the baseline: a loaded CI machine
    # stretches a tap's few milliseconds to hundreds.
    assert took < 2.0, (took, baseline)
    assert h.page.route == f"/visit/{uuid}" and service.visit(uuid).status == VisitStatus.IN_PROGRESS
    assert locator.asked == 1 and service.visit(uuid).locations == []  # still being taken
    assert alert_dialogs(h) == []
    h.page.on_close()  # the session ends: the request stops
    await asyncio.sleep(0)


async def test_the_revision_carries_the_start_photo_and_finish_fixes(harnesses, service):
    locator = FakeLocator(MOSCOW)
    h = await open_app(harnesses, service, locator)
    uuid, _ = await start_visit(h, service)
    answer_all(service, uuid)
    took = await finalize(h, uuid)

    payload = sent(service, uuid)
    assert [(f["event"], f["lat"], f["lon"], f["accuracy_m"]) for f in payload["locations"]] == [
        ("start", 55.7558, 37.6173, 25.0), ("finish", 55.7558, 37.6173, 25.0)]
    assert "location_unavailable" not in payload
    assert took < FINALIZE_WAIT_S - 1.0, took  # the fix was there: no waiting for it
    assert locator.asked == 2


async def test_a_photo_from_the_camera_gets_its_fix(harnesses, service):
    stop = next(s for s in service.overview().today if s.assignment.checklist_id == "showroom_visit")
    uuid = service.open_stop(stop.assignment.id)
    locator = FakeLocator(Position(lat=55.75, lon=37.62, accuracy_m=7.0))
    picture = jpeg((30, 60, 90))
    h = await open_app(harnesses, service, locator, route=f"/visit/{uuid}", take_picture=picture,
                       get_available_cameras=[{"name": "back-0", "lens_direction": "back",
                                               "sensor_orientation": 90, "lens_type": "wide"}])
    await h.click(h.by_key("photo-camera-photo_facade"))
    await until(lambda: getattr(h.top_view().data, "state", None) == "ready")
    await h.click(h.by_key("camera-shutter"))
    await until(lambda: service.visit(uuid).locations != [])

    [photo] = service.visit(uuid).photos_of("photo_facade")
    [outcome] = service.visit(uuid).locations
    assert (outcome.event, outcome.photo_sha256) == ("photo", photo.sha256)
    assert outcome.fix is not None and (outcome.fix.lat, outcome.fix.accuracy_m) == (55.75, 7.0)


async def test_finalizing_waits_at_most_a_few_seconds_for_a_finish_fix(harnesses, service):
    locator = FakeLocator(delay_s=20.0)
    h = await open_app(harnesses, service, locator)
    uuid, _ = await start_visit(h, service)
    answer_all(service, uuid)
    took = await finalize(h, uuid)
    print(f"finalize with a 20 s locator: {took:.2f} s (limit {FINALIZE_WAIT_S} s)")

    assert FINALIZE_WAIT_S - 0.1 < took < FINALIZE_WAIT_S + 5.0, took  # not the locator's 20 s
    assert service.visit(uuid).status == VisitStatus.FINALIZED
    assert sent(service, uuid)["location_unavailable"] == ["start", "finish"]
    assert alert_dialogs(h) == []
    h.page.on_close()
    await asyncio.sleep(0)


async def test_a_refused_permission_shows_nothing_and_the_visit_goes_on(harnesses, service):
    h = await open_app(harnesses, service, FakeLocator(refuse=DENIED))
    uuid, _ = await start_visit(h, service)
    await until(lambda: service.visit(uuid).locations != [])
    assert alert_dialogs(h) == [] and [d for d in h.dialogs() if isinstance(d, ft.SnackBar)] == []
    answer_all(service, uuid)
    await finalize(h, uuid)

    payload = sent(service, uuid)
    assert "locations" not in payload and payload["location_unavailable"] == ["start", "finish"]
    assert [(o.event, o.reason) for o in service.visit(uuid).locations] == [("start", DENIED), ("finish", DENIED)]
