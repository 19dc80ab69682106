"""What a screen reader is told, in the UI's language: a chosen answer is selected, every
icon button has a name, Flutter's own words (the app bar's back, a text field's
"characters remaining") follow the UI's language; and «Комментарий» puts the cursor in
the field it opens."""

from __future__ import annotations

import asyncio

import flet as ft

from field_app.app import build_app
from field_app.domain.records import VisitStatus
from field_app.screens.questions import FOCUS_DELAY
from field_app.services import FieldService

from flet_harness import FletHarness, no_failing_handlers  # noqa: F401 (autouse fixture)
from samples import answer_all


def open_stop(service: FieldService, checklist_id: str) -> str:
    stop = next(s for s in service.overview().today if s.assignment.checklist_id == checklist_id)
    return service.open_stop(stop.assignment.id)


async def start(harnesses, service: FieldService, route: str) -> FletHarness:
    h = await FletHarness.start(build_app(service), route=route)
    harnesses.append(h)
    return h


def answer_node(h: FletHarness, identifier: str) -> ft.Semantics:
    [node] = [s for s in h.find(ft.Semantics) if s.identifier == identifier]
    return node


async def test_a_chosen_answer_is_selected_and_the_others_are_not(harnesses, service):
    uuid = open_stop(service, "dealer_call")
    h = await start(harnesses, service, f"/visit/{uuid}")
    yes, no = "answer-greeted-yes", "answer-greeted-no"
    assert answer_node(h, yes).selected is False and answer_node(h, no).selected is False

    await h.click(h.by_key(yes))
    assert answer_node(h, yes).selected is True and answer_node(h, no).selected is False
    assert h.by_key(yes).icon == ft.Icons.CHECK  # not by colour alone
    # filled with the theme's primary colour while it can change (a state missing from a
    # colour map of Flet is no colour: the chosen answer came out white)
    chosen, other = h.by_key(yes).style, h.by_key(no).style
    assert chosen.bgcolor[ft.ControlState.DEFAULT] == ft.Colors.PRIMARY
    assert chosen.color[ft.ControlState.DEFAULT] == ft.Colors.ON_PRIMARY
    assert other.color[ft.ControlState.DEFAULT] == ft.Colors.PRIMARY and other.bgcolor is None

    await h.click(h.by_key(no))
    assert answer_node(h, yes).selected is False and answer_node(h, no).selected is True


async def test_a_chosen_follow_up_answer_is_selected(harnesses, service):
    done = next(v.uuid for v in service.store.visits() if v.status == VisitStatus.FINALIZED)
    h = await start(harnesses, service, f"/follow-ups/{done}")
    button = h.by_key("answer-callback_48_hours-true")
    await h.click(button)
    chosen = h.by_key("answer-callback_48_hours-true")
    [wrapper] = [s for s in h.find(ft.Semantics) if s.content is chosen]
    assert wrapper.selected is True


async def test_answers_of_a_finalized_visit_keep_readable_colours(harnesses, service):
    uuid = open_stop(service, "dealer_call")
    answer_all(service, uuid, wait=0)
    service.finalize(uuid)
    h = await start(harnesses, service, f"/visit/{uuid}")
    chosen = h.by_key("answer-greeted-yes")  # answer_all says yes
    other = h.by_key("answer-greeted-no")
    assert chosen.style.bgcolor[ft.ControlState.DISABLED] == ft.Colors.INDIGO_700
    assert chosen.style.color[ft.ControlState.DISABLED] == ft.Colors.WHITE
    assert other.style.color[ft.ControlState.DISABLED] == ft.Colors.GREY_700
    assert answer_node(h, "answer-greeted-yes").selected is True


async def test_tapping_comment_puts_the_cursor_in_its_field(harnesses, service):
    uuid = open_stop(service, "dealer_call")
    h = await start(harnesses, service, f"/visit/{uuid}")
    field = h.by_key("comment-greeted")
    assert not h.shown("comment-greeted")
    await h.click(h.by_key("comment-greeted-toggle"))
    assert h.shown("comment-greeted") and field.autofocus
    await asyncio.sleep(FOCUS_DELAY + 0.05)  # asked again once the client has drawn it
    assert [c.name for c in h.conn.invocations if c.control_id == field._i] == ["focus"]

    await h.click(h.by_key("comment-greeted-toggle"))  # closing it asks for nothing
    assert [c.name for c in h.conn.invocations if c.control_id == field._i] == ["focus"]


async def test_leaving_before_the_comment_field_takes_the_focus_fails_nothing(harnesses, service):
    # Back tapped within FOCUS_DELAY of «Комментарий»: the field is gone when the focus
    # is asked for. A failing handler made the web client show an error over Today, where
    # the next tap was lost (seen in the browser test of a comment kept on back).
    uuid = open_stop(service, "dealer_call")
    h = await start(harnesses, service, f"/visit/{uuid}")
    field = h.by_key("comment-greeted")
    toggle = h.by_key("comment-greeted-toggle")
    tapped = asyncio.ensure_future(h.session.dispatch_event(toggle._i, "click", None))  # still waiting
    await h.settle()
    await h.go("/")
    await tapped
    assert [c.name for c in h.conn.invocations if c.control_id == field._i] == []


async def test_flutters_own_words_follow_the_ui_language(harnesses, service):
    h = await start(harnesses, service, "/settings")
    assert h.page.locale_configuration.current_locale.language_code == "ru"

    [group] = h.find(ft.RadioGroup)
    h.session.apply_patch(group._i, {"value": "en"})
    await h.event(group, "change", "en")
    assert h.page.locale_configuration.current_locale.language_code == "en"


async def test_every_icon_button_has_a_name_in_the_ui_language(harnesses, service):
    labels: dict[str, set[str | None]] = {"ru": set(), "en": set()}

    async def look_at(route: str, language: str) -> None:
        service.set_language(language)
        h = await start(harnesses, service, route)
        buttons = h.find(ft.IconButton)
        assert buttons and all(b.tooltip for b in buttons), route
        # the web client does not make a tooltip a name: each is labelled as well
        wrapped = {id(s.content): s.label for s in h.find(ft.Semantics)}
        assert all(wrapped.get(id(b)) for b in buttons), route
        labels[language] |= set(wrapped.values())

    for language in ("ru", "en"):  # Today first: with a visit open, the app goes back to it
        await look_at("/", language)
    uuid = open_stop(service, "dealer_call")
    for language in ("ru", "en"):
        await look_at(f"/visit/{uuid}", language)
    assert {"Настройки", "Больше на один", "Меньше на один"} <= labels["ru"]
    assert {"Settings", "One more", "One less"} <= labels["en"]
