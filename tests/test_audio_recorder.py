"""The real `Recorder` over flet-audio-recorder in an in-memory Flet session: the client's
answers are canned by method name and its stream events dispatched as a client sends them."""

from __future__ import annotations

import flet as ft
import pytest

from field_app.audio.recorder import CHANNELS, DENIED, FAILED, RATE, FletRecorder, RecorderError

from flet_harness import FletHarness


async def session(answers) -> tuple[FletHarness, list]:
    made = []

    def main(page: ft.Page) -> None:
        made.append(FletRecorder())  # built in the session, as the card does

    h = await FletHarness.start(main, answers=answers)
    return h, made


async def test_streams_pcm16_mono_chunks_to_python(harnesses):
    h, [recorder] = await session({"has_permission": True, "start_recording": True, "stop_recording": None})
    harnesses.append(h)
    got = []
    await recorder.start(got.append)
    [start] = [i for i in h.conn.invocations if i.name == "start_recording"]
    config = start.args["configuration"]
    assert (config.encoder.value, config.channels, config.sample_rate) == ("pcm16bits", CHANNELS, RATE)
    assert start.args["output_path"] is None
    for n, chunk in enumerate((b"\x01\x00" * 10, [2, 0, 3, 0])):
        await h.session.dispatch_event(recorder.service._i, "stream",
                                       {"chunk": chunk, "sequence": n, "bytes_streamed": 0})
    await recorder.stop()
    await h.session.dispatch_event(recorder.service._i, "stream", {"chunk": b"\x09\x00", "sequence": 2,
                                                                    "bytes_streamed": 0})
    assert got == [b"\x01\x00" * 10, b"\x02\x00\x03\x00"]
    assert [i.name for i in h.conn.invocations] == ["has_permission", "start_recording", "stop_recording"]


@pytest.mark.parametrize("answers, reason", [
    ({"has_permission": False}, DENIED),
    ({"has_permission": True, "start_recording": False}, FAILED),
])
async def test_no_permission_or_no_start_is_told_apart(harnesses, answers, reason):
    h, [recorder] = await session(answers)
    harnesses.append(h)
    with pytest.raises(RecorderError) as caught:
        await recorder.start(lambda chunk: None)
    assert caught.value.reason == reason
