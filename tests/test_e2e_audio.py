"""A call on record in real browsers (issue 17, point 3): the shopper records with
Chromium's fake microphone in the app served by `fieldaudit app` at 390x844 and plays it
back there (flet-audio's web side is in flet-web's client), the phone syncs to a real
server on loopback, and the coordinator plays the recording on the visit's page in the
console.

The fake microphone plays a file: a 440 Hz tone. The web client streams it at the
browser's own rate and channels, whatever the app asks (`field_app.audio.recorder`); the
kept file must say the rate the sound is at, so the tone is counted in it: 440 Hz from
its zero crossings over its length, and a length close to the time between the taps.
"""

from __future__ import annotations

import re
import time
import wave
from array import array

import pytest
from playwright.sync_api import expect

from field_app.app import open_service, open_sync
from field_app.demo import DEALERSHIPS
from server_stub import admin

from audio_samples import wav
from console_support import PASSWORD, USERNAME
from e2e_support import AppProcess, chromium, needs_chromium, node, open_phone, paired_phone, screenshot, tap
from samples import answer_all, checklist
from server_support import LiveServer
from sync_support import sync_until_done
from test_checklist_audio import with_audio

pytestmark = needs_chromium

SLOW = 60_000
NORTHERN = DEALERSHIPS[0]
QID = "call"
TONE_HZ = 440
RECORD_S = 5.0
LAPTOP = {"width": 1366, "height": 768}


@pytest.fixture
def server(tmp_path):
    from server_stub.settings import Settings

    with LiveServer.start(Settings(data_dir=tmp_path / "server")) as live:
        admin.save_dealers(live.store, [NORTHERN])
        admin.create_coordinator(live.store, USERNAME, PASSWORD)
        live.store.catalog.publish(checklist(with_audio()), live.store.now())
        yield live


@pytest.fixture
def app(tmp_path, server):
    """The phone, paired to the server and holding today's visit with an audio question."""
    process = AppProcess(paired_phone(tmp_path / "phone", server, NORTHERN.code, "mini_showroom")).start(demo=False)
    yield process
    process.stop()


def tone_file(tmp_path) -> str:
    path = tmp_path / "tone.wav"
    path.write_bytes(wav(30.0, rate=44_100))  # longer than the recording: no loop's seam in it
    return str(path)


def counted_tone_hz(path) -> tuple[float, float, int]:
    """The recording's length, its tone counted from the zero crossings over that length,
    and its rate."""
    with wave.open(str(path), "rb") as file:
        assert (file.getnchannels(), file.getsampwidth()) == (1, 2)
        rate, frames = file.getframerate(), file.getnframes()
        samples = array("h")
        samples.frombytes(file.readframes(frames))
    seconds = frames / rate
    rising = sum(1 for a, b in zip(samples, samples[1:]) if a < 0 <= b)
    return seconds, rising / seconds, rate


def test_a_call_recorded_in_chromium_plays_in_the_console_at_its_length(tmp_path, server, app):
    with chromium([f"--use-file-for-fake-audio-capture={tone_file(tmp_path)}",
                   "--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream",
                   # No sound card here: unmuted, the player's play() never completes;
                   # and the play comes from Python, a round trip after the tap.
                   "--mute-audio", "--autoplay-policy=no-user-gesture-required"]) as browser:
        page = open_phone(browser, app.url, permissions=["microphone"])
        expect(page.get_by_text("Маршрут на сегодня")).to_be_visible(timeout=SLOW)
        card = page.get_by_role("group", name=re.compile(NORTHERN.name))
        card.get_by_role("button", name=re.compile("Начать")).click()
        expect(page.get_by_text(re.compile(r"Раздел 1 из \d+"))).to_be_visible(timeout=SLOW)

        tap(page, f"recording-start-{QID}")
        expect(node(page, f"recording-stop-{QID}")).to_be_visible(timeout=SLOW)
        expect(page.get_by_text(re.compile(r"Идёт запись: 0:01"))).to_be_visible(timeout=SLOW)
        began = time.monotonic()
        page.wait_for_timeout(RECORD_S * 1000)
        screenshot(page, "call_recording")
        tap(page, f"recording-stop-{QID}")
        tapped_s = time.monotonic() - began + 1.0  # the second shown before `began`, roughly
        expect(page.get_by_role("group", name=re.compile(r"Запись 1 · 0:0\d"))).to_be_visible(timeout=SLOW)

        # Played back on the phone: the button says "stop" until the client reports the
        # end, which comes after the recording's length.
        page.get_by_role("button", name="Прослушать запись").click(timeout=SLOW)
        played_from = time.monotonic()
        expect(page.get_by_role("button", name="Остановить прослушивание")).to_be_visible(timeout=SLOW)
        expect(page.get_by_role("button", name="Прослушать запись")).to_be_visible(timeout=SLOW)
        played_s = time.monotonic() - played_from

    service = open_service(app.data)
    try:
        [stop] = [s for s in service.overview().today if s.dealership.name == NORTHERN.name]
        uuid = stop.visit_uuid
        [ref] = service.visit(uuid).recordings_of(QID)
        seconds, hz, rate = counted_tone_hz(service.recording_path(ref.sha256))
        print(f"recorded {seconds:.2f} s at {rate} Hz (about {tapped_s:.1f} s between the taps); tone {hz:.1f} Hz")
        assert hz == pytest.approx(TONE_HZ, rel=0.03), (hz, rate)  # the header's rate is the sound's
        assert seconds == pytest.approx(tapped_s, abs=1.5)
        print(f"played back on the phone for {played_s:.1f} s")
        assert seconds - 1.0 < played_s < seconds + 15.0  # to its end, at its speed
        answer_all(service, uuid, wait=0, skip=(QID,))
        service.finalize(uuid)
    finally:
        service.store.close()
    app.stop()
    service = open_service(app.data)
    try:
        sync_until_done(open_sync(service))
    finally:
        service.store.close()

    with chromium(["--autoplay-policy=no-user-gesture-required"]) as browser:
        page = browser.new_context(viewport=LAPTOP).new_page()
        page.goto(server.url + "/console/")
        page.get_by_label("Логин").fill(USERNAME)
        page.get_by_label("Пароль").fill(PASSWORD)
        page.get_by_role("button", name="Войти").click()
        page.goto(f"{server.url}/console/visits/{uuid}")
        player = page.locator("audio")
        expect(player).to_have_count(1)
        player.scroll_into_view_if_needed()
        player.evaluate("a => { a.muted = true; return a.play(); }")
        page.wait_for_function("a => a.currentTime > 1.0", arg=player.element_handle(), timeout=SLOW)
        duration = player.evaluate("a => a.duration")
        print(f"the console plays {duration:.2f} s")
        assert duration == pytest.approx(seconds, abs=0.05)
        screenshot(page, "console_recording")
