"""Back, as a phone does it: Android's back gesture and the app bar's back arrow both reach
the app as one `view_pop` event for the view on top (Flutter pops nothing itself and waits
for the app to show the route below). Each pops exactly one view, a late event for a view
already gone pops nothing, and nothing typed is lost on the way: a comment, a number or a
text still in its field (the focus never left it, so it was not stored) is stored before
the visit screen goes, and so is it when the app goes to the background; on the
follow-ups screen, every tap is kept at once and leaving sends what is answered as one new
revision.
"""

from __future__ import annotations

import flet as ft

from field_app.app import build_app
from field_app.services import FieldService

from flet_harness import FletHarness, no_failing_handlers  # noqa: F401 (autouse fixture)
from test_screen_follow_ups import finalized_asked_later
from test_screen_visit import FIELD_TEST


async def start(harnesses, service: FieldService, route: str) -> FletHarness:
    h = await FletHarness.start(build_app(service, auto_sync=None), route=route)
    harnesses.append(h)
    return h


async def back(h: FletHarness) -> None:
    await h.back()
    await h.settle()


def showroom_visit(service: FieldService) -> str:
    stop = next(s for s in service.overview().today if s.assignment.checklist_id == "showroom_visit")
    return service.open_stop(stop.assignment.id)


# --- one view at a time ----------------------------------------------------------------


async def test_back_pops_one_view_at_a_time(harnesses, service):
    uuid = showroom_visit(service)
    h = await start(harnesses, service, f"/review/{uuid}")
    assert h.routes() == ["/", f"/visit/{uuid}", f"/review/{uuid}"]

    await back(h)
    assert h.routes() == ["/", f"/visit/{uuid}"] and h.page.route == f"/visit/{uuid}"
    await back(h)
    assert h.routes() == ["/"] and h.page.route == "/"


async def test_back_from_pairing_is_sync_then_today(harnesses, service):
    h = await start(harnesses, service, "/pair")
    await back(h)
    assert h.routes() == ["/", "/sync"]
    await back(h)
    assert h.routes() == ["/"]


async def test_a_late_pop_of_a_view_already_gone_pops_nothing(harnesses, service):
    uuid = showroom_visit(service)
    h = await start(harnesses, service, f"/review/{uuid}")
    await back(h)
    assert h.routes() == ["/", f"/visit/{uuid}"]

    # The same gesture reported twice: the review is gone, the visit must stay.
    await h.session.dispatch_event(h.page._i, "view_pop", {"route": f"/review/{uuid}"})
    await h.settle()
    assert h.routes() == ["/", f"/visit/{uuid}"] and h.page.route == f"/visit/{uuid}"


async def test_back_on_today_leaves_it_to_the_phone(harnesses, service):
    h = await start(harnesses, service, "/")
    await back(h)  # Flutter does not even ask with one view; asked anyway, nothing happens
    assert h.routes() == ["/"] and not [i for i in h.conn.invocations if i.name == "push_route"]


# --- nothing typed is lost ---------------------------------------------------------------


async def test_a_comment_being_typed_is_stored_when_back_leaves_the_visit(harnesses, service):
    uuid = showroom_visit(service)
    h = await start(harnesses, service, f"/visit/{uuid}/client_meeting")
    await h.click(h.by_key("comment-greeted_first-toggle"))
    await h.type(h.by_key("comment-greeted_first"), "Кивнул, но не поздоровался")  # the focus still in it
    assert "greeted_first" not in service.visit(uuid).answers

    await back(h)

    assert h.routes() == ["/"]
    assert service.visit(uuid).answers["greeted_first"].comment == "Кивнул, но не поздоровался"
    h2 = await start(harnesses, service, f"/visit/{uuid}/client_meeting")
    assert h2.shown("comment-greeted_first") and h2.by_key("comment-greeted_first").value == (
        "Кивнул, но не поздоровался")


async def test_a_number_and_a_text_being_typed_are_stored_when_the_visit_goes(harnesses, service, clock):
    service.store.save_checklist(FIELD_TEST)
    uuid = service.store.start_visit("field_test", 1, at=clock.now()).uuid
    h = await start(harnesses, service, f"/visit/{uuid}")
    await h.type(h.by_key("number-cars_on_display"), "12")
    await h.type(h.by_key("text-impression"), "Чисто, но шумно")

    await h.click(h.by_key("next-section"))  # a button of the screen itself: the same rule
    await h.settle()

    answers = service.visit(uuid).answers
    assert answers["cars_on_display"].value == 12 and answers["impression"].value == "Чисто, но шумно"


async def test_going_to_the_background_stores_what_is_typed(harnesses, service):
    uuid = showroom_visit(service)
    h = await start(harnesses, service, f"/visit/{uuid}/client_meeting")
    await h.click(h.by_key("comment-greeted_first-toggle"))
    await h.type(h.by_key("comment-greeted_first"), "Не встретил")

    await h.event(h.page, "app_lifecycle_state_change", {"state": "inactive"})
    assert "greeted_first" not in service.visit(uuid).answers  # a pulled-down shade is not leaving
    await h.event(h.page, "app_lifecycle_state_change", {"state": "hide"})

    assert service.visit(uuid).answers["greeted_first"].comment == "Не встретил"
    assert h.routes() == ["/", f"/visit/{uuid}/client_meeting"]  # still there when the shopper returns


async def test_a_finalized_visit_stores_nothing_on_leaving(harnesses, service):
    [summary] = [v for v in service.store.visits() if v.status.value == "finalized"]
    before = service.visit(summary.uuid).answers
    h = await start(harnesses, service, f"/visit/{summary.uuid}")
    await back(h)
    assert service.visit(summary.uuid).answers == before and h.routes() == ["/"]


# --- follow-ups: kept with each tap, sent on leaving ---------------------------------------


async def test_follow_up_answers_are_kept_with_each_tap_and_sent_when_back_leaves(harnesses, service):
    uuid = finalized_asked_later(service)  # its follow-ups due
    h = await start(harnesses, service, f"/follow-ups/{uuid}")
    await h.click(h.by_key("answer-how_contacted-sms"))
    await h.type(h.by_key("field-what_they_said"), "Обещали перезвонить")  # the focus still in it
    assert service.follow_up_draft(uuid).chosen == {"how_contacted": "sms"}  # the tap, stored at once

    await back(h)

    assert h.routes() == ["/"]
    visit = service.visit(uuid)  # done with them: one new revision holds both
    assert visit.revision == 2 and visit.follow_ups["how_contacted"].value == "sms"
    assert visit.follow_ups["what_they_said"].value == "Обещали перезвонить"
    assert service.follow_up_draft(uuid).chosen == {} and service.follow_up_draft(uuid).typed == {}
    h2 = await start(harnesses, service, f"/follow-ups/{uuid}")
    assert h2.has_key("answered-how_contacted") and h2.has_key("answered-what_they_said")
    assert not h2.has_key("answer-how_contacted-sms")
    await back(h2)
    assert service.visit(uuid).revision == 2  # nothing new: nothing more sent


async def test_follow_ups_chosen_before_a_crash_are_shown_again_and_sent_on_leaving(harnesses, service):
    uuid = finalized_asked_later(service)
    h = await start(harnesses, service, f"/follow-ups/{uuid}")
    await h.click(h.by_key("answer-how_contacted-phone"))
    h.close()  # the app dies: no back, no background event

    h2 = await start(harnesses, service, f"/follow-ups/{uuid}")
    assert isinstance(h2.by_key("answer-how_contacted-phone"), ft.FilledButton)
    assert service.visit(uuid).revision == 1
    await h2.click(h2.by_key("follow-ups-done"))
    await h2.settle()
    assert service.visit(uuid).follow_ups["how_contacted"].value == "phone" and service.visit(uuid).revision == 2


async def test_today_under_a_visit_is_not_rebuilt_when_the_section_changes(harnesses, service):
    uuid = showroom_visit(service)
    sections = [s.id for s in service.visit(uuid).checklist.sections]
    h = await start(harnesses, service, f"/visit/{uuid}/{sections[0]}")
    below, visit = h.page.views
    await h.click(h.by_key("next-section"))
    assert h.routes() == ["/", f"/visit/{uuid}/{sections[1]}"]
    assert h.page.views == [below, visit]  # the section changed in the visit's view
    await back(h)
    assert h.routes() == ["/"]
    assert h.page.views[0] is not below  # shown again: built afresh
