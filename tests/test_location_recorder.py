"""The recorder of location fixes with a fake locator (issue 17, point 1): a request never
holds up the action it belongs to; a fix, a refusal, no fix within the time limit and a
locator that fails all end as an outcome in the store, never as an error; finalizing waits
a bounded time for the requests still running, and a fix later than the freeze is dropped."""

from __future__ import annotations

import asyncio
import json
import time

import pytest

from field_app.domain.locations import DENIED, ERROR, NO_SERVICE, TIMEOUT
from field_app.location import FixRecorder, Position
from field_app.services import FieldService

from fake_locator import MOSCOW, FakeLocator
from samples import answer_all, jpeg


def today_stop(service: FieldService, checklist_id: str) -> str:
    stop = next(s for s in service.overview().today if s.assignment.checklist_id == checklist_id)
    return service.open_stop(stop.assignment.id)


def recorder_for(service: FieldService, locator, **limits) -> FixRecorder:
    loop = asyncio.get_running_loop()

    def spawn(function, *args):  # what `page.run_task` does
        return asyncio.run_coroutine_threadsafe(function(*args), loop)

    return FixRecorder(service, locator, spawn, **limits)


async def until_done(recorder: FixRecorder, uuid: str, timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while recorder.running(uuid):
        assert time.monotonic() < deadline, "the request never ended"
        await asyncio.sleep(0.01)


def outcomes(service: FieldService, uuid: str) -> list[tuple]:
    return [(o.event, o.reason, None if o.fix is None else (o.fix.lat, o.fix.lon, o.fix.accuracy_m), o.photo_sha256)
            for o in service.visit(uuid).locations]


async def test_a_fix_is_kept_with_the_phones_time(service):
    uuid = today_stop(service, "dealer_call")
    recorder = recorder_for(service, FakeLocator(MOSCOW))
    recorder.start(uuid)
    await until_done(recorder, uuid)
    assert outcomes(service, uuid) == [("start", None, (55.7558, 37.6173, 25.0), None)]
    assert service.visit(uuid).locations[0].at == service.now()


@pytest.mark.parametrize("reason", [DENIED, NO_SERVICE])
async def test_a_refusal_is_kept_as_unavailable(service, reason):
    uuid = today_stop(service, "dealer_call")
    recorder = recorder_for(service, FakeLocator(refuse=reason))
    recorder.start(uuid)
    await until_done(recorder, uuid)
    assert outcomes(service, uuid) == [("start", reason, None, None)]


async def test_no_fix_within_the_time_limit_is_a_timeout(service):
    uuid = today_stop(service, "dealer_call")
    locator = FakeLocator(delay_s=20.0)
    recorder = recorder_for(service, locator, time_limit_s=0.05)
    recorder.start(uuid)
    await until_done(recorder, uuid)
    assert outcomes(service, uuid) == [("start", TIMEOUT, None, None)]
    assert locator.answered == 0


async def test_a_locator_that_never_answers_is_given_up(service):
    uuid = today_stop(service, "dealer_call")

    class Silent:
        async def locate(self, time_limit_s: float) -> Position:
            await asyncio.Event().wait()  # a client gone
            raise AssertionError

    recorder = recorder_for(service, Silent(), give_up_s=0.05)
    recorder.start(uuid)
    await until_done(recorder, uuid)
    assert outcomes(service, uuid) == [("start", TIMEOUT, None, None)]


@pytest.mark.parametrize("bad", [RuntimeError("Geolocator Control must be added to the page first"),
                                 ValueError("'weird' is not a valid GeolocatorPermissionStatus")])
async def test_a_failing_locator_is_an_error_outcome_never_an_exception(service, bad):
    uuid = today_stop(service, "dealer_call")
    recorder = recorder_for(service, FakeLocator(fail=bad))
    recorder.start(uuid)  # raises nothing
    await until_done(recorder, uuid)
    assert outcomes(service, uuid) == [("start", ERROR, None, None)]


async def test_a_position_out_of_range_is_no_fix(service):
    uuid = today_stop(service, "dealer_call")
    recorder = recorder_for(service, FakeLocator(Position(lat=123.0, lon=0.0, accuracy_m=5.0)))
    recorder.start(uuid)
    await until_done(recorder, uuid)
    assert outcomes(service, uuid) == [("start", ERROR, None, None)]


async def test_asking_returns_at_once_while_the_locator_takes_20_s(service):
    uuid = today_stop(service, "dealer_call")
    locator = FakeLocator(delay_s=20.0)
    recorder = recorder_for(service, locator)
    began = time.perf_counter()
    recorder.start(uuid)
    took = time.perf_counter() - began
    assert took < 1.0, took  # the locator takes 20 s
    await asyncio.sleep(0.05)
    assert locator.asked == 1 and recorder.running(uuid) == 1
    recorder.close()  # the session ends: the request stops
    await asyncio.sleep(0)
    assert recorder.running(uuid) == 0 and outcomes(service, uuid) == []


async def test_a_photo_fix_carries_the_photos_sha256_into_the_revision(service):
    uuid = today_stop(service, "service_visit")
    recorder = recorder_for(service, FakeLocator(Position(lat=55.75, lon=37.61, accuracy_m=9.0)))
    recorder.start(uuid)
    answer_all(service, uuid)
    ref = service.add_photo(uuid, service.visit(uuid).photos[0].question_id, jpeg((9, 9, 9)))
    recorder.photo(uuid, ref.sha256)
    await until_done(recorder, uuid)
    recorder.finish(uuid)
    assert await recorder.settle(uuid) == 0
    service.finalize(uuid)

    payload = json.loads(service.store.revision_payload(uuid, 1))
    assert [(fix["event"], fix["photo_sha256"]) for fix in payload["locations"]] == [
        ("start", None), ("finish", None), ("photo", ref.sha256)]
    # The pictures answer_all put in got no fix of their own.
    assert payload["location_unavailable"] == ["photo"]


async def test_finalizing_waits_a_bounded_time_and_drops_a_later_finish_fix(service):
    uuid = today_stop(service, "dealer_call")
    answer_all(service, uuid)
    locator = FakeLocator(delay_s=1.5)
    recorder = recorder_for(service, locator, finalize_wait_s=0.05)
    recorder.finish(uuid)
    began = time.perf_counter()
    left = await recorder.settle(uuid)
    waited = time.perf_counter() - began
    assert left == 1 and 0.04 < waited < 1.0, waited  # not the locator's 1.5 s
    service.finalize(uuid)
    payload = json.loads(service.store.revision_payload(uuid, 1))
    assert payload["location_unavailable"] == ["start", "finish"]

    await until_done(recorder, uuid)  # the fix comes after the freeze: refused, not kept
    assert locator.answered == 1 and outcomes(service, uuid) == []
    assert json.loads(service.store.revision_payload(uuid, 1)) == payload


async def test_finalizing_takes_a_finish_fix_that_comes_within_the_wait(service):
    uuid = today_stop(service, "dealer_call")
    answer_all(service, uuid)
    recorder = recorder_for(service, FakeLocator(delay_s=0.05), finalize_wait_s=3.0)
    recorder.finish(uuid)
    began = time.perf_counter()
    left = await recorder.settle(uuid)
    waited = time.perf_counter() - began
    assert left == 0 and waited < 2.5, waited  # not the 3 s limit
    service.finalize(uuid)
    payload = json.loads(service.store.revision_payload(uuid, 1))
    assert [fix["event"] for fix in payload["locations"]] == ["finish"]


async def test_a_finish_fix_asked_for_recently_is_not_asked_again(service):
    uuid = today_stop(service, "dealer_call")
    locator = FakeLocator()
    recorder = recorder_for(service, locator)
    recorder.finish(uuid)  # the review opens
    recorder.finish(uuid)  # the tap on "finalize", a moment later
    await until_done(recorder, uuid)
    assert locator.asked == 1
