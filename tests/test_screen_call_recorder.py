"""An audio question's card in an in-memory Flet session with a fake microphone
(tests/fake_recorder.py): record, the running length, stop stores a WAV of what was sent,
play it back, delete asks first, the question's limit stops it, a refused microphone is
said, a call cut off by a crash is kept the next time, English."""

from __future__ import annotations

import asyncio
import wave
from datetime import datetime, timezone

import flet as ft
import pytest
from flet_audio import Audio

from field_app.app import build_app
from field_app.domain.clock import ManualClock
from field_app.audio.wav import wav_header
from field_app.domain.i18n import Translator

from fake_recorder import FakeRecorder
from flet_harness import FletHarness, until, no_failing_handlers  # noqa: F401
from audio_samples import wav
from samples import answer_all, checklist, jpeg
from test_checklist_audio import with_audio

RU, EN = Translator("ru"), Translator("en")
QID = "call"


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(datetime(2026, 11, 22, 10, 0, tzinfo=timezone.utc))


def audio_visit(service, **fields) -> str:
    service.store.save_checklist(checklist(with_audio(**fields)))
    return service.store.start_visit("mini_showroom", 1, at=service.now()).uuid


@pytest.fixture
def start(service, harnesses):
    async def start(uuid: str, microphone: FakeRecorder | None, language: str = "ru") -> FletHarness:
        if language != "ru":
            service.set_language(language)
        made = (lambda: microphone) if microphone is not None else None
        h = await FletHarness.start(build_app(service, recorder=made, auto_sync=None, locator=None),
                                    route=f"/visit/{uuid}")
        harnesses.append(h)
        return h
    return start


def alert(h: FletHarness) -> ft.AlertDialog:
    [dialog] = [d for d in h.dialogs() if isinstance(d, ft.AlertDialog)]
    return dialog


def snacks(h: FletHarness) -> list[str]:
    return [d.content.value for d in h.dialogs() if isinstance(d, ft.SnackBar)]


def frames_of(path) -> tuple[int, int]:
    with wave.open(str(path), "rb") as file:
        return file.getnframes(), file.getframerate()



async def test_record_stop_keeps_a_wav_of_what_was_heard(service, start):
    uuid = audio_visit(service)
    mic = FakeRecorder()
    h = await start(uuid, mic)
    assert h.by_key(f"recording-count-{QID}").value == "Записи: 0 из минимум 1"
    assert h.by_key(f"recording-limit-{QID}").value == "Одна запись — не дольше 15:00. Включите громкую связь."
    button = h.by_key(f"recording-start-{QID}")
    assert button.content.value == "Записать" and not button.disabled

    await h.click(button)
    assert mic.recording and mic.starts == 1
    assert not h.has_key(f"recording-start-{QID}")
    assert h.by_key(f"recording-time-{QID}").value == "Идёт запись: 0:00 из 15:00"
    mic.send_seconds(2.5)
    await h.settle()
    assert h.by_key(f"recording-time-{QID}").value == "Идёт запись: 0:02 из 15:00"
    mic.send(b"\x01")  # half a sample: it waits for its other half, which never comes

    await h.click(h.by_key(f"recording-stop-{QID}"))
    await until(lambda: service.visit(uuid).recordings_of(QID))
    await h.settle()
    assert mic.stops == 1 and not mic.recording
    [ref] = service.visit(uuid).recordings_of(QID)
    path = service.recording_path(ref.sha256)
    assert frames_of(path) == (40_000, 16_000)  # 2.5 s at 16 kHz
    assert ref.bytes == path.stat().st_size == 44 + 80_000
    assert ref.recorded_at == service.now()
    assert h.by_key(f"recording-{QID}-{ref.sha256}").value == "Запись 1 · 0:02"
    assert h.by_key(f"recording-count-{QID}").value == "Записи: 1 из минимум 1"
    assert not h.by_key(f"recording-start-{QID}").disabled  # up to 3
    assert not (service.photos_dir.parent / "calls" / f"{uuid}-{QID}.wav").exists()  # the working file
    assert not any(r.reason == "recordings" for r in service.review(uuid).missing)


async def test_a_stream_at_another_rate_is_kept_at_that_rate(service, start):
    # A web client's stream comes at the browser's rate, which its recorder measures.
    uuid = audio_visit(service)
    mic = FakeRecorder(rate=44_100)
    h = await start(uuid, mic)
    await h.click(h.by_key(f"recording-start-{QID}"))
    mic.send_seconds(3.0)
    await h.settle()
    assert h.by_key(f"recording-time-{QID}").value == "Идёт запись: 0:03 из 15:00"
    await h.click(h.by_key(f"recording-stop-{QID}"))
    await until(lambda: service.visit(uuid).recordings_of(QID))
    [ref] = service.visit(uuid).recordings_of(QID)
    assert frames_of(service.recording_path(ref.sha256)) == (132_300, 44_100)


async def test_delete_asks_first_then_removes(service, start):
    uuid = audio_visit(service)
    mic = FakeRecorder()
    h = await start(uuid, mic)
    await h.click(h.by_key(f"recording-start-{QID}"))
    mic.send_seconds(1)
    await h.click(h.by_key(f"recording-stop-{QID}"))
    await until(lambda: service.visit(uuid).recordings_of(QID))
    await h.settle()
    [ref] = service.visit(uuid).recordings_of(QID)
    delete = h.by_key(f"recording-delete-{QID}-{ref.sha256}")
    assert delete.width >= 48 and delete.height >= 48
    assert delete.tooltip == "Удалить запись"

    await h.click(delete)
    dialog = alert(h)
    assert dialog.title.value == "Удалить запись?"
    await h.click(h.button(RU("common.cancel"), root=dialog))
    assert service.visit(uuid).recordings_of(QID) == [ref]

    await h.click(h.by_key(f"recording-delete-{QID}-{ref.sha256}"))
    await h.click(h.button("Удалить", root=alert(h)))
    assert service.visit(uuid).recordings_of(QID) == []
    assert not h.has_key(f"recording-{QID}-{ref.sha256}")
    assert h.by_key(f"recording-count-{QID}").value == "Записи: 0 из минимум 1"


async def test_the_question_s_limit_stops_the_recording_by_itself(service, start):
    uuid = audio_visit(service, max_seconds=2, recordings={"min": 1, "max": 1})
    mic = FakeRecorder()
    h = await start(uuid, mic)
    await h.click(h.by_key(f"recording-start-{QID}"))
    mic.send_seconds(1.5)
    assert mic.recording
    mic.send_seconds(1.5)  # past the limit
    await until(lambda: service.visit(uuid).recordings_of(QID))
    await h.settle()
    assert mic.stops == 1 and not mic.recording
    [ref] = service.visit(uuid).recordings_of(QID)
    assert frames_of(service.recording_path(ref.sha256)) == (32_000, 16_000)  # exactly 2 s
    assert RU("visit.recording_limit", time="0:02") in snacks(h)
    # the one recording the question takes is there: no more
    assert h.by_key(f"recording-start-{QID}").disabled


@pytest.mark.parametrize("refuse, key, words", [
    ("denied", "visit.recording_denied", "Нет доступа к микрофону"),
    ("failed", "visit.recording_failed", "Микрофон не включился"),
])
async def test_a_refused_microphone_is_said_and_the_visit_goes_on(service, start, refuse, key, words):
    uuid = audio_visit(service)
    mic = FakeRecorder(refuse=refuse)
    h = await start(uuid, mic)
    await h.click(h.by_key(f"recording-start-{QID}"))
    problem = h.by_key(f"recording-problem-{QID}").value
    assert problem == RU(key) and problem.startswith(words)
    assert service.visit(uuid).recordings_of(QID) == []
    assert not list((service.photos_dir.parent / "calls").iterdir())  # no file left
    # the visit goes on: the other answers still take taps, and recording may be tried again
    assert not h.by_key(f"recording-start-{QID}").disabled
    mic.refuse = None
    await h.click(h.by_key(f"recording-start-{QID}"))
    assert mic.recording and not h.has_key(f"recording-problem-{QID}")


async def test_no_microphone_in_the_session_is_said(service, start):
    uuid = audio_visit(service)
    h = await start(uuid, None)
    await h.click(h.by_key(f"recording-start-{QID}"))
    assert h.by_key(f"recording-problem-{QID}").value == RU("visit.recording_unavailable")


async def test_leaving_the_visit_keeps_the_call_being_recorded(service, start):
    uuid = audio_visit(service)
    mic = FakeRecorder()
    h = await start(uuid, mic)
    await h.click(h.by_key(f"recording-start-{QID}"))
    mic.send_seconds(1)
    await h.go("/")
    await until(lambda: service.visit(uuid).recordings_of(QID))
    assert not mic.recording
    [ref] = service.visit(uuid).recordings_of(QID)
    assert frames_of(service.recording_path(ref.sha256)) == (16_000, 16_000)


async def record(h: FletHarness, mic: FakeRecorder, service, uuid: str, seconds: float):
    """Record `seconds` and stop; the recording kept."""
    count = len(service.visit(uuid).recordings_of(QID))
    await h.click(h.by_key(f"recording-start-{QID}"))
    mic.send_seconds(seconds)
    await h.click(h.by_key(f"recording-stop-{QID}"))
    await until(lambda: len(service.visit(uuid).recordings_of(QID)) > count)
    await h.settle()
    return service.visit(uuid).recordings_of(QID)[-1]


def players(h: FletHarness) -> list[Audio]:
    return [i for i in h.session.index.values() if isinstance(i, Audio)]


async def tap_play(h: FletHarness, sha: str) -> Audio:
    """Tap play; the client has the sound (it says its length): the player."""
    known = set(map(id, players(h)))
    tap = asyncio.ensure_future(h.click(h.by_key(f"recording-play-{QID}-{sha}")))  # it waits for the sound
    await until(lambda: [p for p in players(h) if id(p) not in known])
    [player] = [p for p in players(h) if id(p) not in known]
    await h.settle()
    assert not [i for i in h.conn.invocations if i.control_id == player._i]  # not before the sound is there
    await h.session.dispatch_event(player._i, "duration_change", {"duration": 2000})
    await tap
    return player


async def test_a_recording_plays_back_and_a_second_tap_stops_it(service, start):
    uuid = audio_visit(service)
    mic = FakeRecorder()
    h = await start(uuid, mic)
    ref = await record(h, mic, service, uuid, 2.0)
    play = h.by_key(f"recording-play-{QID}-{ref.sha256}")
    assert play.tooltip == "Прослушать запись" and play.icon == ft.Icons.PLAY_CIRCLE_OUTLINE

    player = await tap_play(h, ref.sha256)
    assert player.src == service.recording_path(ref.sha256).read_bytes()  # the file, as the client gets it
    assert [i.name for i in h.conn.invocations if i.control_id == player._i] == ["play"]
    play = h.by_key(f"recording-play-{QID}-{ref.sha256}")
    assert play.tooltip == "Остановить прослушивание" and play.icon == ft.Icons.STOP_CIRCLE_OUTLINED

    # It plays to its end: the button is "play" again.
    await h.session.dispatch_event(player._i, "state_change", {"state": "completed"})
    await h.settle()
    assert h.by_key(f"recording-play-{QID}-{ref.sha256}").tooltip == "Прослушать запись"

    again = await tap_play(h, ref.sha256)
    await h.click(h.by_key(f"recording-play-{QID}-{ref.sha256}"))  # a tap while it plays stops it
    assert [i.name for i in h.conn.invocations if i.control_id == again._i][-1] == "release"
    assert h.by_key(f"recording-play-{QID}-{ref.sha256}").tooltip == "Прослушать запись"


async def test_recording_stops_the_playback_first(service, start):
    uuid = audio_visit(service)
    mic = FakeRecorder()
    h = await start(uuid, mic)
    ref = await record(h, mic, service, uuid, 1.0)
    player = await tap_play(h, ref.sha256)
    await h.click(h.by_key(f"recording-start-{QID}"))
    assert [i.name for i in h.conn.invocations if i.control_id == player._i] == ["play", "release"]
    assert mic.recording


async def test_a_call_cut_off_by_a_crash_is_kept_when_its_question_shows_again(service, start, clock):
    uuid = audio_visit(service)
    working = service.photos_dir.parent / "calls" / f"{uuid}-{QID}.wav"
    working.parent.mkdir(parents=True, exist_ok=True)
    # What the card had written when the phone died: the header as opened, 2.5 s of sound.
    working.write_bytes(wav_header(0, 16_000, 1) + b"\x10\x00" * 40_000)

    h = await start(uuid, FakeRecorder())
    await until(lambda: service.visit(uuid).recordings_of(QID))
    await h.settle()
    [ref] = service.visit(uuid).recordings_of(QID)
    assert frames_of(service.recording_path(ref.sha256)) == (40_000, 16_000)
    assert not working.exists()
    assert snacks(h) == ["Запись, прерванная закрытием приложения, сохранена: 0:02."]
    assert h.by_key(f"recording-{QID}-{ref.sha256}").value == "Запись 1 · 0:02"


async def test_a_cut_off_call_that_cannot_be_attached_stays_on_the_phone(service, start):
    uuid = audio_visit(service, recordings={"min": 1, "max": 1})
    mic = FakeRecorder()
    h = await start(uuid, mic)
    await record(h, mic, service, uuid, 1.0)  # the one recording the question takes
    h.close()
    working = service.photos_dir.parent / "calls" / f"{uuid}-{QID}.wav"
    working.write_bytes(wav_header(0, 16_000, 1) + b"\x11\x00" * 16_000)  # not the same sound

    h = await start(uuid, FakeRecorder())
    await until(lambda: snacks(h))
    assert snacks(h) == ["Запись, прерванная закрытием приложения, не добавлена к вопросу, но осталась на "
                         "телефоне: Такой ответ здесь не подходит."]
    assert working.exists() and len(service.visit(uuid).recordings_of(QID)) == 1


async def test_english(service, start):
    uuid = audio_visit(service, required=False)
    mic = FakeRecorder(refuse="denied")
    h = await start(uuid, mic, language="en")
    assert h.by_key(f"recording-count-{QID}").value == "Recordings: 0"
    assert h.by_key(f"recording-start-{QID}").content.value == "Record"
    await h.click(h.by_key(f"recording-start-{QID}"))
    assert h.by_key(f"recording-problem-{QID}").value.startswith("No access to the microphone")
    mic.refuse = None
    await h.click(h.by_key(f"recording-start-{QID}"))
    mic.send_seconds(1)
    await h.settle()
    assert h.by_key(f"recording-time-{QID}").value == "Recording: 0:01 of 15:00"
    assert h.by_key(f"recording-stop-{QID}").content.value == "Stop"


async def test_a_finalized_visit_lists_its_recordings_and_changes_nothing(service, start):
    uuid = audio_visit(service)
    answer_all(service, uuid, skip=("front_photo", QID))
    service.add_photo(uuid, "front_photo", jpeg())
    ref = service.add_recording(uuid, QID, wav(3, rate=16_000))
    service.finalize(uuid)
    mic = FakeRecorder()
    h = await start(uuid, mic)
    assert h.by_key(f"recording-{QID}-{ref.sha256}").value == "Запись 1 · 0:03"
    assert h.by_key(f"recording-delete-{QID}-{ref.sha256}").disabled
    assert h.by_key(f"recording-start-{QID}").disabled
    await h.click(h.by_key(f"recording-start-{QID}"))  # a late tap
    assert mic.starts == 0


async def test_a_recording_the_phone_cannot_play_is_said_and_kept(service, start):
    uuid = audio_visit(service)
    mic = FakeRecorder()
    h = await start(uuid, mic)
    ref = await record(h, mic, service, uuid, 1.0)

    def no_sound(args):
        raise RuntimeError("TimeoutException after 0:00:30.000000: Future not completed")

    h.conn.method_results["play"] = no_sound
    await tap_play(h, ref.sha256)
    await until(lambda: snacks(h))
    assert snacks(h) == ["Не удалось воспроизвести запись: проверьте звук телефона. Запись сохранена."]
    assert h.by_key(f"recording-play-{QID}-{ref.sha256}").tooltip == "Прослушать запись"
    assert service.visit(uuid).recordings_of(QID) == [ref]


async def test_a_client_that_never_says_the_length_is_asked_to_play_all_the_same(service, start, monkeypatch):
    monkeypatch.setattr("field_app.screens.call_recorder.LOAD_WAIT_S", 0.05)
    uuid = audio_visit(service)
    mic = FakeRecorder()
    h = await start(uuid, mic)
    ref = await record(h, mic, service, uuid, 1.0)
    await h.click(h.by_key(f"recording-play-{QID}-{ref.sha256}"))
    [player] = [p for p in players(h) if p.src]
    assert [i.name for i in h.conn.invocations if i.control_id == player._i] == ["play"]


async def test_a_required_recording_that_may_be_na_says_how_to_finish_without_it(service, start):
    uuid = audio_visit(service, na_allowed=True)
    h = await start(uuid, FakeRecorder(refuse="denied"))
    await h.click(h.by_key(f"recording-start-{QID}"))
    assert h.by_key(f"recording-problem-{QID}").value == (
        RU("visit.recording_denied") + " Если записать звонок не получится, отметьте «Неприменимо» и напишите"
        " в комментарии почему.")
