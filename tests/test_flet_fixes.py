"""Flet 1.0.5's session raised on a method call's answer for a control that left the page
(ending the web client's receive loop, and leaving the caller waiting for ever); with
`flet_fixes` applied the answer ends the call."""

from __future__ import annotations

import asyncio

import flet as ft

from field_app import flet_fixes

from flet_harness import FletHarness


async def test_an_answer_for_a_control_gone_ends_the_call_instead_of_raising():
    flet_fixes.apply()
    field = ft.TextField()

    def main(page: ft.Page) -> None:
        page.add(field)

    h = await FletHarness.start(main)
    h.conn._answer = lambda body: None  # the client's answer is held back
    asking = asyncio.ensure_future(field.focus())
    await h.settle()
    (call,) = [c for c in h.conn.invocations if c.name == "focus"]
    h.page.controls.clear()
    h.page.update()
    await h.settle()
    assert h.session.index.get(field._i) is None  # gone from the page
    h.session.handle_invoke_method_results(call.control_id, call.call_id, None, None)  # raised before
    await asyncio.wait_for(asking, 1)
    h.close()
