"""The real `Recorder` over flet-audio-recorder in an in-memory Flet session: the client's
answers are canned by method name and its stream events dispatched as a client sends them."""

from __future__ import annotations

import random
from array import array

import flet as ft
import pytest

from field_app.audio.recorder import CHANNELS, DENIED, FAILED, RATE, FletRecorder, RecorderError

from flet_harness import FletHarness


RECORDING = {"has_permission": True, "start_recording": True, "stop_recording": None}
PHONE = {"web": False, "platform": "android"}


async def session(answers, clock=None, **page) -> tuple[FletHarness, list]:
    made = []

    def main(page: ft.Page) -> None:
        # built in the session, as the card does
        made.append(FletRecorder(clock=clock) if clock else FletRecorder())

    h = await FletHarness.start(main, answers=answers, **page)
    return h, made


async def stream(h: FletHarness, recorder: FletRecorder, chunk, n: int = 0) -> None:
    """A chunk as the client sends it."""
    await h.session.dispatch_event(recorder.service._i, "stream", {"chunk": chunk, "sequence": n, "bytes_streamed": 0})


async def test_a_phone_streams_pcm16_mono_chunks_at_16_khz_to_python(harnesses):
    h, [recorder] = await session(RECORDING, **PHONE)
    harnesses.append(h)
    assert not recorder.web
    got = []
    await recorder.start(got.append)
    [start] = [i for i in h.conn.invocations if i.name == "start_recording"]
    config = start.args["configuration"]
    assert (config.encoder.value, config.channels, config.sample_rate) == ("pcm16bits", CHANNELS, RATE)
    assert start.args["output_path"] is None
    for n, chunk in enumerate((b"\x01\x00" * 4096, [2, 0, 3, 0])):
        await stream(h, recorder, chunk, n)
    await recorder.stop()
    await stream(h, recorder, b"\x09\x00", 2)
    assert got == [b"\x01\x00" * 4096, b"\x02\x00\x03\x00"]  # as they came: 4096 frames are not two channels
    assert recorder.rate == RATE
    assert [i.name for i in h.conn.invocations] == ["has_permission", "start_recording", "stop_recording"]


def stereo_chunk(first: int) -> bytes:
    """2048 frames of two channels as record_web posts them: left = first, first+1, ...;
    right = -left, so a test sees which channel is kept."""
    frames = array("h")
    for i in range(2048):
        left = (first + i) % 30_000
        frames.extend((left, -left))
    return frames.tobytes()


@pytest.mark.parametrize("rate", [44_100, 48_000])
async def test_a_browser_s_stereo_stream_is_kept_mono_at_its_measured_rate(harnesses, rate):
    # The web client streams the AudioContext's rate and the track's channels whatever is
    # asked: 2048 frames of two channels a chunk, arriving with jitter.
    now = [100.0]
    h, [recorder] = await session(RECORDING, clock=lambda: now[0])
    harnesses.append(h)
    assert recorder.web and recorder.rate == 48_000  # a guess until measured
    got: list[bytes] = []
    await recorder.start(got.append)
    jitter = random.Random(rate)
    for n in range(rate * 8 // 2048):  # 8 seconds
        now[0] = 100.0 + (n + 1) * 2048 / rate + jitter.uniform(0.0, 0.04)
        await stream(h, recorder, stereo_chunk(n * 2048), n)
    await recorder.stop()
    assert recorder.rate == rate
    mono = b"".join(got)
    assert len(mono) == rate * 8 // 2048 * 2048 * 2
    samples = array("h")
    samples.frombytes(mono)
    assert list(samples[:3]) == [0, 1, 2] and samples[5000] == 5000  # the left channel, in order


async def test_a_browser_s_mono_stream_is_kept_as_it_comes(harnesses):
    now = [0.0]
    h, [recorder] = await session(RECORDING, clock=lambda: now[0])
    harnesses.append(h)
    got: list[bytes] = []
    await recorder.start(got.append)
    chunk = b"\x05\x00" * 2048
    for n in range(60):
        now[0] = n * 2048 / 44_100
        await stream(h, recorder, chunk, n)
    await recorder.stop()
    assert got == [chunk] * 60 and recorder.rate == 44_100


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
