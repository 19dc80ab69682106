"""Flutter draws a red error box for a Semantics whose content is hidden: hide the
wrapper instead. Every section of every checklist, with nothing answered."""

from datetime import datetime, timezone

import flet as ft
import pytest

from field_app.app import build_app, open_service
from field_app.domain.clock import ManualClock
from field_app.demo import fill_demo
from field_app.domain.registry import Registry
from field_app.domain.resources import shipped_checklists

from flet_harness import FletHarness


def hidden_semantics_content(h: FletHarness) -> list[str]:
    return [str(s.identifier) for s in h.find(ft.Semantics)
            if s.content is not None and getattr(s.content, "visible", True) is False]


@pytest.mark.parametrize("checklist_id", ["dealer_call", "showroom_visit", "service_visit"])
async def test_no_semantics_wraps_a_hidden_control(tmp_path, checklist_id):
    service = open_service(tmp_path, ManualClock(datetime(2026, 11, 23, 9, tzinfo=timezone.utc)))
    fill_demo(service, Registry.from_directory(shipped_checklists()))
    stop = next(s for s in service.overview().today if s.assignment.checklist_id == checklist_id)
    uuid = service.open_stop(stop.assignment.id)
    for section in service.visit(uuid).checklist.sections:
        h = await FletHarness.start(build_app(service), route=f"/visit/{uuid}/{section.id}")
        assert hidden_semantics_content(h) == [], section.id
        h.close()


async def test_the_check_sees_a_hidden_wrapped_control(tmp_path):
    async def main(page: ft.Page) -> None:
        page.add(ft.Semantics(content=ft.Text("x", visible=False), identifier="bad"))

    h = await FletHarness.start(main)
    assert hidden_semantics_content(h) == ["bad"]
