"""Running stopwatches of every visit are visible from anywhere: on Today's stop card and
in the visit screen's bar (another visit's too), live; the bar is drawn over the questions,
so starting or stopping one moves nothing. And a sync that changes Today redraws only
Today's own content: never the views, not even in the moment after a stop was tapped."""

from __future__ import annotations

import flet as ft

from field_app.app import build_app
from field_app.services import FieldService

from fake_sync import FakeSync
from flet_harness import FletHarness, no_failing_handlers  # noqa: F401 (autouse fixture)

CALL_WAIT = "consultant_connect_time"  # the call's stopwatch
SHOWROOM_WAIT = "consultant_wait_time"


async def start(harnesses, service: FieldService, route: str, sync=None) -> FletHarness:
    h = await FletHarness.start(build_app(service, sync, auto_sync=None), route=route)
    harnesses.append(h)
    return h


def stop_of(service: FieldService, checklist_id: str):
    return next(s for s in service.overview().today if s.assignment.checklist_id == checklist_id)


def call_with_its_stopwatch_running(service: FieldService, clock) -> str:
    uuid = service.open_stop(stop_of(service, "dealer_call").assignment.id)
    service.timer(uuid, CALL_WAIT, "start")
    clock.advance(385)  # 6:25, as in the issue
    service.store.set_setting("open_visit", "")  # the app starts on Today, not back in the call
    return uuid


async def test_todays_stop_card_shows_its_running_stopwatch_live(harnesses, service, clock):
    call = call_with_its_stopwatch_running(service, clock)
    h = await start(harnesses, service, "/")
    card = h.by_key(f"stop-{stop_of(service, 'dealer_call').assignment.id}")
    row = h.by_key(f"running-{call}-{CALL_WAIT}", root=card)
    question = service.visit(call).question(CALL_WAIT).text
    assert h.texts(row) == [question, "6:25"] and row.height >= 48

    clock.advance(10)
    h.top_view().data._tick()
    assert h.texts(h.by_key(f"running-{call}-{CALL_WAIT}")) == [question, "6:35"]

    await h.click(row)  # to the question itself
    await h.settle()
    section = service.visit(call).checklist.section_of(CALL_WAIT).id
    assert h.page.route == f"/visit/{call}/{section}?question={CALL_WAIT}"
    assert not h.has_key("back-to-review") and not h.has_key(f"marked-{CALL_WAIT}")


async def test_a_running_stopwatch_of_another_visit_is_in_the_bar(harnesses, service, clock):
    call = call_with_its_stopwatch_running(service, clock)
    showroom = service.open_stop(stop_of(service, "showroom_visit").assignment.id)
    h = await start(harnesses, service, f"/visit/{showroom}/client_meeting")

    assert h.shown("running-timers")
    row = h.by_key(f"running-{call}-{CALL_WAIT}")
    question = service.visit(call).question(CALL_WAIT).text
    assert h.texts(row)[-2:] == [f"Автоцентр «Северный»: {question}", "6:25"]
    clock.advance(5)
    h.top_view().data.tick()
    assert h.texts(h.by_key(f"running-{call}-{CALL_WAIT}"))[-1] == "6:30"

    await h.click(h.by_key(f"timer-{SHOWROOM_WAIT}-start"))  # both now
    assert h.has_key(f"running-{SHOWROOM_WAIT}") and h.has_key(f"running-{call}-{CALL_WAIT}")

    await h.click(h.by_key(f"running-{call}-{CALL_WAIT}"))
    await h.settle()
    assert h.routes()[-1].startswith(f"/visit/{call}/")
    assert h.has_key(f"timer-{CALL_WAIT}-stop") and h.has_key(f"running-{showroom}-{SHOWROOM_WAIT}")


async def test_starting_and_stopping_a_stopwatch_moves_nothing(harnesses, service):
    showroom = service.open_stop(stop_of(service, "showroom_visit").assignment.id)
    h = await start(harnesses, service, f"/visit/{showroom}/client_meeting")
    view = h.top_view()
    layout = list(view.controls)
    [stack] = [c for c in layout if isinstance(c, ft.Stack)]
    body, bar = stack.controls
    assert body.key == "questions-client_meeting" and (bar.left, bar.right, bar.bottom) == (0, 0, 0)  # over the questions
    assert not bar.visible

    await h.click(h.by_key(f"timer-{SHOWROOM_WAIT}-start"))
    assert bar.visible and list(view.controls) == layout and stack.controls == [body, bar]
    room = body.controls[-1]  # under the last question: room to scroll it above the bar
    height = room.height
    assert height >= 48
    await h.click(h.by_key(f"timer-{SHOWROOM_WAIT}-stop"))
    assert not bar.visible and list(view.controls) == layout
    assert room.height == height  # never shrinks: the list's end does not pull anything down


async def test_a_sync_right_after_a_stop_is_tapped_leaves_the_views_alone(harnesses, service, clock):
    sync = FakeSync(clock, paired=True)
    h = await start(harnesses, service, "/", sync)
    today = h.top_view()
    runner = today.data.ctx.sync_runner
    stop = stop_of(service, "showroom_visit")

    # The tap: the visit is made, its route is on its way to the client and back.
    await h.session.dispatch_event(h.by_key(f"start-{stop.assignment.id}")._i, "click", None)
    views = list(h.page.views)
    runner._finish(None, None)  # the first background sync ends in that moment: Today changed
    assert list(h.page.views) == views and h.page.views[-1] is today  # nothing replaced
    card = h.by_key(f"stop-{stop.assignment.id}")
    assert "Начат" in " ".join(h.texts(card)) or "Продолжить" in h.texts(card)  # Today's content, redrawn

    await h.settle()
    visit = service.visit(stop_of(service, "showroom_visit").visit_uuid)
    assert h.top_view().route == f"/visit/{visit.uuid}"  # the stop opens

    runner._summary = None  # a later sync that changes Today again, the visit on top
    views = list(h.page.views)
    runner._finish(None, None)
    assert list(h.page.views) == views


async def test_an_unplanned_visits_running_stopwatch_has_a_card_on_top_of_today(harnesses, service, clock):
    uuid = service.store.start_visit("showroom_visit", 1, at=clock.now()).uuid  # no stop of the route
    service.timer(uuid, SHOWROOM_WAIT, "start")
    clock.advance(75)
    h = await start(harnesses, service, "/")
    card = h.by_key("running-elsewhere")
    question = service.visit(uuid).question(SHOWROOM_WAIT).text
    assert h.texts(h.by_key(f"running-{uuid}-{SHOWROOM_WAIT}", root=card)) == [
        f"Визит вне маршрута: {question}", "1:15"]
