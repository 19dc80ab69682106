"""What is typed is stored while it is typed: a comment, a number or a text answer a moment
after the last keystroke, the focus still in the field, off the event loop, each store its
own transaction; the card being typed into is not redrawn under the shopper's fingers.
(The browser test of a kill one second after the last keystroke is in
test_e2e_typing.py.)"""

from __future__ import annotations

import asyncio
import threading

import pytest

from field_app.app import build_app
from field_app.screens.typing import DELAY_S, TypingSaver
from field_app.services import FieldService

from flet_harness import FletHarness, no_failing_handlers  # noqa: F401 (autouse fixture)
from test_screen_visit import FIELD_TEST


@pytest.fixture(autouse=True)
def quick(monkeypatch):
    monkeypatch.setattr(TypingSaver, "delay_s", 0.05)


async def start(harnesses, service: FieldService, route: str) -> FletHarness:
    h = await FletHarness.start(build_app(service, auto_sync=None), route=route)
    harnesses.append(h)
    return h


def showroom_visit(service: FieldService) -> str:
    stop = next(s for s in service.overview().today if s.assignment.checklist_id == "showroom_visit")
    return service.open_stop(stop.assignment.id)


def test_a_keystroke_is_stored_within_a_second():
    assert DELAY_S <= 0.5  # and the store itself takes milliseconds


async def test_a_comment_is_stored_while_it_is_typed_without_redrawing_its_card(harnesses, service, monkeypatch):
    uuid = showroom_visit(service)
    h = await start(harnesses, service, f"/visit/{uuid}/client_meeting")
    screen = h.top_view().data
    await h.click(h.by_key("comment-greeted_first-toggle"))
    field = h.by_key("comment-greeted_first")
    threads: list[str] = []
    comment = service.comment

    def spy(*args):
        threads.append(threading.current_thread().name)
        comment(*args)

    monkeypatch.setattr(service, "comment", spy)
    await h.type(field, "Кивнул")
    await h.type(field, "Кивнул, но не")
    await h.type(field, "Кивнул, но не поздоровался")
    assert "greeted_first" not in service.visit(uuid).answers  # not at every keystroke
    await screen.typing.idle()

    assert service.visit(uuid).answers["greeted_first"].comment == "Кивнул, но не поздоровался"
    assert threads == [threads[0]] and threads[0] != threading.main_thread().name  # once, off the loop
    assert h.by_key("comment-greeted_first") is field  # the field keeps its focus and caret

    await h.blur(field)  # leaving the field stores nothing more
    await h.settle()
    assert len(threads) == 1


async def test_a_number_and_a_text_answer_are_stored_while_typed_and_counted(harnesses, service, clock):
    service.store.save_checklist(FIELD_TEST)
    uuid = service.store.start_visit("field_test", 1, at=clock.now()).uuid
    h = await start(harnesses, service, f"/visit/{uuid}")
    screen = h.top_view().data
    answered = h.by_key("answered-progress").value

    await h.type(h.by_key("number-cars_on_display"), "-")  # not a number yet: nothing stored
    await screen.typing.idle()
    assert "cars_on_display" not in service.visit(uuid).answers
    await h.type(h.by_key("number-cars_on_display"), "12,5")
    await h.type(h.by_key("text-impression"), "Чисто, но шумно")
    await screen.typing.idle()

    answers = service.visit(uuid).answers
    assert answers["cars_on_display"].value == 12.5 and answers["impression"].value == "Чисто, но шумно"
    assert h.by_key("answered-progress").value != answered  # the progress follows
    await h.type(h.by_key("text-impression"), "   ")  # erased: the answer goes too
    await screen.typing.idle()
    assert service.visit(uuid).answers["impression"].value is None


async def test_leaving_right_after_a_keystroke_stores_the_latest_text_once(harnesses, service):
    uuid = showroom_visit(service)
    h = await start(harnesses, service, f"/visit/{uuid}/client_meeting")
    await h.click(h.by_key("comment-greeted_first-toggle"))
    await h.type(h.by_key("comment-greeted_first"), "Не встретил")
    await h.back()  # before the moment passes
    await h.settle()
    await asyncio.sleep(0.1)
    assert service.visit(uuid).answers["greeted_first"].comment == "Не встретил"
