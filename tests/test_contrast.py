"""Text is readable on every screen: the WCAG 2 contrast of each text colour with what it is
drawn on is at least 4.5:1. The colours are read off the screens as built (every text
with a colour of its own, every coloured box, Card or button state a text sits on), for
each screen of the demo route, a finalized visit's read-only sections included (its chosen
answers were grey on grey, about 2:1)."""

from __future__ import annotations

import dataclasses
from typing import Any, Iterator

import flet as ft
import pytest
from flet.controls.base_control import BaseControl

from field_app.app import build_app
from field_app.domain.records import VisitStatus
from field_app.screens.look import PALETTE, TEXT_ON, contrast
from field_app.services import FieldService

from flet_harness import FletHarness, no_failing_handlers  # noqa: F401 (autouse fixture)
from samples import answer_all

AA = 4.5
PAGE = ft.Colors.WHITE  # the light theme's page and card surfaces are near white
TEXT = ft.Colors.BLACK  # a text with no colour of its own: the theme's on-surface, near black
# Theme colours of the indigo seed (Material 3, light), as Flutter derives them: tone 40
# of the primary palette and tone 90 of the neutral one.
THEME = {ft.Colors.PRIMARY: "#4355B9", ft.Colors.SURFACE_CONTAINER_HIGHEST: "#E3E1E9"}

# What Flutter (Material 3) draws a disabled button with: the on-surface colour at 38% for
# its text and at 12% for a filled one's fill, over white: grey on grey, about 2:1.
FLUTTER_DISABLED_TEXT, FLUTTER_DISABLED_FILL = "#A4A4A5", "#E3E3E4"
THEME.update({FLUTTER_DISABLED_TEXT: FLUTTER_DISABLED_TEXT, FLUTTER_DISABLED_FILL: FLUTTER_DISABLED_FILL})


def hex_of(colour: Any) -> str:
    name = colour.value if isinstance(colour, ft.Colors) else str(colour)
    for table in (PALETTE, THEME):
        for key, value in table.items():
            if (key.value if isinstance(key, ft.Colors) else key) == name:
                return value
    raise AssertionError(f"colour {name!r} is not in look.PALETTE: add its value to check its contrast")


def state(value: Any, wanted: ft.ControlState) -> Any:
    return value.get(wanted) if isinstance(value, dict) else None


def pairs(root: Any, background: Any = PAGE, where: str = "") -> Iterator[tuple[str, Any, Any]]:
    """(where, text colour, background) of every text under `root`."""
    if isinstance(root, (list, tuple)):
        for item in root:
            yield from pairs(item, background, where)
        return
    if not isinstance(root, BaseControl) or getattr(root, "visible", True) is False:
        return
    key = getattr(root, "key", None)
    where = f"{where}/{getattr(key, 'value', key)}" if key is not None else where
    if isinstance(root, (ft.Container, ft.Card)) and isinstance(getattr(root, "bgcolor", None), (str, ft.Colors)):
        background = root.bgcolor
    if isinstance(root, ft.Text) and root.value:
        yield f"{where} {root.value[:40]!r}", root.color or TEXT, background
    style = getattr(root, "style", None)
    if isinstance(style, ft.ButtonStyle) and getattr(root, "disabled", False):
        # a disabled button that keeps a colour of its own: a frozen visit's answers
        text, fill = state(style.color, ft.ControlState.DISABLED), state(style.bgcolor, ft.ControlState.DISABLED)
        if text is not None:
            yield f"{where} disabled button", text, fill or background
        elif str(getattr(key, "value", key) or "").startswith("answer-"):
            # an answer shown, not offered: Flutter's own disabled colours would grey it out
            yield f"{where} disabled answer", FLUTTER_DISABLED_TEXT, FLUTTER_DISABLED_FILL
    for field in dataclasses.fields(root):
        if field.name.startswith("_") or field.name in ("parent", "page"):
            continue
        value = getattr(root, field.name, None)
        if isinstance(value, (BaseControl, list, tuple)):
            yield from pairs(value, background, where)


def disabled_everywhere(root: Any, disabled: bool = False) -> None:
    """Mark what a disabled ancestor disables (Flet passes `disabled` down in the client)."""
    if isinstance(root, (list, tuple)):
        for item in root:
            disabled_everywhere(item, disabled)
        return
    if not isinstance(root, BaseControl):
        return
    disabled = disabled or bool(getattr(root, "disabled", False))
    if disabled and isinstance(getattr(root, "style", None), ft.ButtonStyle):
        root.disabled = True
    for field in dataclasses.fields(root):
        if not field.name.startswith("_") and field.name not in ("parent", "page"):
            value = getattr(root, field.name, None)
            if isinstance(value, (BaseControl, list, tuple)):
                disabled_everywhere(value, disabled)


def low_contrast(h: FletHarness, where: str) -> list[str]:
    views = list(h.page.views[-1:])
    disabled_everywhere(views)
    found = []
    for place, text, background in pairs(views):
        ratio = contrast(hex_of(text), hex_of(background))
        if ratio < AA:
            found.append(f"{where}{place}: {text} on {background} {ratio:.2f}:1")
    return found


def test_every_listed_pair_meets_aa():
    ratios = {name: round(contrast(PALETTE[fg], PALETTE[bg]), 2) for name, fg, bg in TEXT_ON}
    assert {name: r for name, r in ratios.items() if r < AA} == {}
    # the two fixed by issue 14: a chosen answer on a finalized visit, a stop's "started" chip
    assert ratios["chosen answer, frozen visit"] >= 7 and ratios["status chip: in progress"] >= 7


def test_the_contrast_of_known_colours():
    assert round(contrast("#FFFFFF", "#000000"), 1) == 21.0
    assert round(contrast("#777777", "#FFFFFF"), 2) == 4.48  # the classic just-too-light grey
    assert contrast(PALETTE[ft.Colors.AMBER_800], PALETTE[ft.Colors.WHITE]) < 3


async def test_the_check_catches_a_low_contrast_text(harnesses):
    async def main(page: ft.Page) -> None:
        page.views.append(ft.View(route="/", controls=[
            ft.Text("ok"),
            ft.Container(bgcolor=ft.Colors.GREY_600, content=ft.Text("white on grey", color=ft.Colors.WHITE)),
            ft.Text("amber", color=ft.Colors.AMBER_800),
            ft.Column(disabled=True, controls=[
                ft.OutlinedButton(content="frozen", style=ft.ButtonStyle(
                    color={ft.ControlState.DISABLED: ft.Colors.GREY_200})),
                ft.FilledButton(content="Да", key="answer-q-yes", style=ft.ButtonStyle()),  # as before issue 14
                ft.FilledButton(content="Предыдущий", key="prev-section", style=ft.ButtonStyle()),  # exempt
            ]),
        ]))
        page.update()

    h = await FletHarness.start(main)
    harnesses.append(h)
    assert [line.split(": ")[0] for line in low_contrast(h, "")] == [
        " 'amber'", " disabled button", "/answer-q-yes disabled answer"]


def finalized_uuid(service: FieldService) -> str:
    return next(v.uuid for v in service.store.visits() if v.status == VisitStatus.FINALIZED)


@pytest.mark.parametrize("language", ["ru", "en"])
async def test_every_screen_draws_text_at_least_4_5_to_1(harnesses, service, language):
    service.set_language(language)
    stops = service.overview().today
    uuids = {s.assignment.checklist_id: service.open_stop(s.assignment.id) for s in stops}
    answer_all(service, uuids["dealer_call"], wait=0, stop_timers=False)  # a running bar, answers chosen
    answer_all(service, uuids["showroom_visit"], wait=0)
    service.finalize(uuids["showroom_visit"])  # frozen: its chosen answers are disabled buttons
    done = finalized_uuid(service)

    routes = ["/", "/settings", "/sync", f"/follow-ups/{done}", f"/review/{done}",
              f"/review/{uuids['service_visit']}", f"/review/{uuids['dealer_call']}",
              f"/review/{uuids['showroom_visit']}"]
    for uuid in uuids.values():
        routes += [f"/visit/{uuid}/{s.id}" for s in service.visit(uuid).checklist.sections]
    service_visit = service.visit(uuids["service_visit"])
    missing = service.review(uuids["service_visit"]).missing[0]  # the review's way to a question, marked
    routes.append(f"/visit/{service_visit.uuid}/{missing.section_id}?question={missing.question_id}&from=review")
    h = await FletHarness.start(build_app(service), route="/")
    harnesses.append(h)
    problems: list[str] = []
    seen, frozen = 0, 0
    for route in routes:
        await h.go(route)
        await h.settle()
        # a visit's sections share its view: /visit/<uuid>
        assert h.page.views[-1].route == "/".join(route.split("?")[0].split("/")[:3]), route
        problems += low_contrast(h, route)
        found = [place for place, _, _ in pairs(h.page.views[-1:])]
        seen, frozen = seen + len(found), frozen + sum("disabled button" in place for place in found)
    assert seen > 500 and frozen > 20  # the walk saw the screens' texts, a frozen visit's answers
    assert problems == []
