"""The recordings of an audio question: record a call on speaker, stop, list, delete.

«Записать» asks for the microphone (the system's prompt, the first time) and starts; while
it records, the length of what has arrived so far is shown beside «Стоп». The sound comes
as raw PCM chunks (`field_app.audio.recorder`) and goes straight into a WAV file the app
owns (`field_app.audio.wav`); «Стоп» fixes the file and hands it to
`FieldService.add_recording`, and the card lists it with its length and «Удалить» (asked
first, only before finalizing). At the question's `recording_seconds()` the recording
stops by itself: the server refuses a longer one.

Each recording plays on the phone (flet-audio's `Audio`, given the file's bytes: a web
client cannot read the phone's files by path); a tap again stops it. A recording cut off
by a crash (the app killed, the battery flat) is still in its working file: the next time
its question is shown it is fixed (`wav.recover`) and attached, with a word to the shopper.

A refused microphone is said plainly and the visit goes on (an optional question may be
left, a required one is named when finalizing, as a missing photo is).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import wave
from datetime import datetime
from pathlib import Path

import flet as ft
from flet_audio import Audio, AudioDurationChangeEvent, AudioState, AudioStateChangeEvent, ReleaseMode

from field_app.audio.recorder import DENIED, Recorder, RecorderError
from field_app.audio.wav import WavWriter, recover
from field_app.domain.checklist import Question
from field_app.domain.records import RecordingRef
from field_app.domain.visit import EDITABLE, Visit

from .context import TOUCH
from .visit_widgets import VisitActions, big_button, tagged, update_if_mounted

log = logging.getLogger(__name__)

IDLE, STARTING, RECORDING, SAVING = "idle", "starting", "recording", "saving"
UNAVAILABLE = "unavailable"  # no recorder in this session
LOAD_WAIT_S = 10.0  # for the client to have the sound before it is asked to play it


def clock_text(seconds: float) -> str:
    whole = int(seconds)
    return f"{whole // 60}:{whole % 60:02d}"


def recording_seconds(path: Path) -> float | None:
    """A stored recording's length, from its WAV header (None: not readable as one)."""
    try:
        with wave.open(str(path), "rb") as file:
            return file.getnframes() / file.getframerate()
    except (OSError, EOFError, wave.Error):
        return None


class CallRecorder:
    """One per audio question on the shown section; it keeps its recorder and the file
    being written across rebuilds of the card."""

    def __init__(self, actions: VisitActions, question: Question) -> None:
        self.actions = actions
        self.q = question
        self.state = IDLE
        self.reason: str | None = None  # why the last start failed
        self.recorder: Recorder | None = None
        self.writer: WavWriter | None = None
        self.started_at: datetime | None = None
        self.shown_second = -1
        self.time_text: ft.Text | None = None
        self.player: Audio | None = None
        self.playing: str | None = None  # the sha256 of the recording being played
        self.recovery_checked = False

    # --- building ------------------------------------------------------------------

    def build(self, visit: Visit) -> ft.Control:
        t = self.actions.ctx.t
        qid = self.q.id
        if not self.recovery_checked and self.state == IDLE:
            self.recovery_checked = True
            if visit.status in EDITABLE and self._working_path().exists():
                self.actions.ctx.page.run_task(self._recover)
        recordings = visit.recordings_of(qid)
        low, high = self.q.recording_range()
        count = (t("visit.recording_count_min", count=len(recordings), min=low) if low
                 else t("visit.recording_count", count=len(recordings)))
        editable = visit.status in EDITABLE
        rows: list[ft.Control] = [
            ft.Text(count, key=f"recording-count-{qid}", weight=ft.FontWeight.W_500,
                    color=None if len(recordings) >= low else ft.Colors.RED_700),
            *[self._row(n, r, editable) for n, r in enumerate(recordings, 1)],
        ]
        if self.state in (RECORDING, SAVING):
            self.time_text = ft.Text(self._time_value(), key=f"recording-time-{qid}", size=20,
                                     weight=ft.FontWeight.BOLD, color=ft.Colors.RED_800)
            rows.append(ft.Row(vertical_alignment=ft.CrossAxisAlignment.CENTER, controls=[
                ft.Icon(ft.Icons.FIBER_MANUAL_RECORD, color=ft.Colors.RED_700),
                tagged(self.time_text, f"recording-time-{qid}"),
            ]))
            rows.append(ft.Row(controls=[big_button(
                t("visit.recording_stop"), key=f"recording-stop-{qid}", icon=ft.Icons.STOP, filled=True,
                expand=True, disabled=self.state == SAVING, on_click=self._stop_tapped)]))
        else:
            rows.append(ft.Row(controls=[big_button(
                t("visit.recording_start"), key=f"recording-start-{qid}", icon=ft.Icons.MIC, expand=True,
                disabled=not editable or len(recordings) >= high or self.state != IDLE,
                on_click=self._start)]))
        rows.append(ft.Text(t("visit.recording_limit_note", time=clock_text(self.q.recording_seconds())),
                            key=f"recording-limit-{qid}", size=13, color=ft.Colors.GREY_700))
        if self.reason is not None and self.state == IDLE:
            rows.append(ft.Text(self._reason_text(), key=f"recording-problem-{qid}", color=ft.Colors.RED_800))
        return ft.Column(spacing=8, controls=rows)

    def _row(self, number: int, recording: RecordingRef, editable: bool) -> ft.Control:
        t = self.actions.ctx.t
        qid, sha = self.q.id, recording.sha256
        seconds = recording_seconds(self.actions.ctx.service.recording_path(sha))
        length = clock_text(seconds) if seconds is not None else "—"
        playing = self.playing == sha

        async def play_or_stop() -> None:  # a handler that is a coroutine function, awaited
            await self._play(recording)

        play_label = t("visit.recording_stop_playing" if playing else "visit.recording_play")
        play = ft.IconButton(
            icon=ft.Icons.STOP_CIRCLE_OUTLINED if playing else ft.Icons.PLAY_CIRCLE_OUTLINE,
            key=f"recording-play-{qid}-{sha}", tooltip=play_label, width=TOUCH, height=TOUCH,
            disabled=self.state != IDLE, on_click=play_or_stop,
        )
        delete = ft.IconButton(
            icon=ft.Icons.DELETE_OUTLINE, key=f"recording-delete-{qid}-{sha}", tooltip=t("visit.recording_delete"),
            width=TOUCH, height=TOUCH, disabled=not editable, on_click=lambda: self._ask_delete(recording),
        )
        return ft.Row(vertical_alignment=ft.CrossAxisAlignment.CENTER, controls=[
            ft.Icon(ft.Icons.MIC, color=ft.Colors.GREY_700),
            ft.Text(t("visit.recording_item", number=number, length=length), key=f"recording-{qid}-{sha}",
                    expand=True),
            tagged(play, f"recording-play-{qid}-{sha}", label=play_label),
            tagged(delete, f"recording-delete-{qid}-{sha}", label=t("visit.recording_delete")),
        ])

    def _time_value(self) -> str:
        seconds = self.writer.seconds if self.writer is not None else 0.0
        return self.actions.ctx.t("visit.recording_time", time=clock_text(seconds),
                                  limit=clock_text(self.q.recording_seconds()))

    def _reason_text(self) -> str:
        t = self.actions.ctx.t
        if self.reason == DENIED:
            text = t("visit.recording_denied")
        elif self.reason == UNAVAILABLE:
            text = t("visit.recording_unavailable")
        else:
            text = t("visit.recording_failed")
        if self.q.required and self.q.na_allowed:  # the way to finish without a recording
            text += " " + t("visit.recording_na_hint", na=t("visit.na"))
        return text

    def _redraw(self) -> None:
        self.actions.photos_changed(self.q.id)

    # --- recording -----------------------------------------------------------------

    async def _start(self) -> None:
        ctx = self.actions.ctx
        if self.state != IDLE:
            return
        visit = ctx.service.visit(self.actions.uuid)
        if visit.status not in EDITABLE or len(visit.recordings_of(self.q.id)) >= self.q.recording_range()[1]:
            return  # the button is disabled then; a late tap changes nothing
        self.state, self.reason = STARTING, None
        self._redraw()
        if self.recorder is None:
            make = ctx.make_recorder
            try:
                self.recorder = make() if make is not None else None
            except Exception:
                log.exception("no recorder in this session")
        if self.recorder is None:
            self.state, self.reason = IDLE, UNAVAILABLE
            self._redraw()
            return
        await self.stop_playing()  # not into the microphone
        path = self._working_path()
        path.parent.mkdir(parents=True, exist_ok=True)
        self.writer = WavWriter(path, self.recorder.rate, max_seconds=self.q.recording_seconds())
        self.started_at, self.shown_second = ctx.service.now(), 0
        try:
            await self.recorder.start(self._chunk)
        except RecorderError as error:
            log.warning("no recording: %s", error)
            self.writer.discard()
            self.writer, self.state, self.reason = None, IDLE, error.reason
            self._redraw()
            return
        self.state = RECORDING
        self._redraw()

    def _chunk(self, chunk: bytes) -> None:
        writer = self.writer
        # Chunks still coming while the client stops are the call's last words: kept.
        if writer is None or self.state not in (RECORDING, SAVING) or self.recorder is None:
            return
        writer.set_rate(self.recorder.rate)  # a web client's is measured as the chunks come
        writer.append(chunk)
        second = int(writer.seconds)
        if second != self.shown_second and self.time_text is not None:
            self.shown_second = second
            self.time_text.value = self._time_value()
            update_if_mounted(self.time_text)
        if writer.full:
            self.actions.ctx.page.run_task(self.stop, True)

    async def _stop_tapped(self) -> None:
        await self.stop()

    async def stop(self, limit: bool = False) -> None:
        """Stop and keep what was recorded (the screen calls this when it goes too)."""
        if self.state != RECORDING or self.recorder is None or self.writer is None:
            return
        ctx = self.actions.ctx
        self.state = SAVING
        self._redraw()
        await self.recorder.stop()
        writer, self.writer = self.writer, None
        writer.set_rate(self.recorder.rate)
        path = await asyncio.to_thread(writer.finish)
        try:
            if writer.data_bytes == 0:
                ctx.notify(ctx.t("visit.recording_empty"))
            else:
                await asyncio.to_thread(ctx.service.add_recording, self.actions.uuid, self.q.id, path,
                                        self.started_at)
                if limit:
                    ctx.notify(ctx.t("visit.recording_limit", time=clock_text(self.q.recording_seconds())))
        except Exception as error:  # refused by the store or the visit: nothing attached
            ctx.show_error(error)
        finally:
            with contextlib.suppress(OSError):
                path.unlink()
            self.state = IDLE
            self._redraw()

    def _working_path(self) -> Path:
        """Where the call is written while it is recorded; it stays there after a crash."""
        return self.actions.ctx.service.photos_dir.parent / "calls" / f"{self.actions.uuid}-{self.q.id}.wav"

    async def _recover(self) -> None:
        ctx = self.actions.ctx
        path = self._working_path()
        try:
            seconds = await asyncio.to_thread(recover, path)
            if seconds > 0:
                started = datetime.fromtimestamp(path.stat().st_mtime - seconds).astimezone()
                await asyncio.to_thread(ctx.service.add_recording, self.actions.uuid, self.q.id, path, started)
                ctx.notify(ctx.t("visit.recording_recovered", time=clock_text(seconds)))
        except Exception as error:  # the file is kept: nothing recorded is thrown away here
            log.exception("the cut-off recording %s could not be kept", path)
            ctx.notify(ctx.t("visit.recording_not_recovered", error=ctx.error_message(error)))
            return
        with contextlib.suppress(OSError):
            path.unlink()
        self._redraw()

    # --- playing -------------------------------------------------------------------

    async def _play(self, recording: RecordingRef) -> None:
        if self.playing == recording.sha256:
            await self.stop_playing()
            return
        await self.stop_playing()
        path = self.actions.ctx.service.recording_path(recording.sha256)
        try:
            sound = await asyncio.to_thread(path.read_bytes)
        except OSError as error:
            self.actions.ctx.show_error(error)
            return
        # A player per recording: Flet sends the bytes with the service, and drops the
        # service when nothing refers to it any more.
        # ReleaseMode.STOP: with the default RELEASE, flet-audio 1.0's play() never
        # completes in a browser (flet-dev/flet#6536, #6184). And play() only once the
        # client has the sound (its length is the sign): asked before, it never completed
        # in Chromium, 5 times in 5.
        loaded = asyncio.Event()

        async def on_length(_: AudioDurationChangeEvent) -> None:
            loaded.set()

        player = self.player = Audio(src=sound, release_mode=ReleaseMode.STOP, on_state_change=self._player_state,
                                     on_duration_change=on_length)
        self.playing = recording.sha256
        self._redraw()
        try:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(loaded.wait(), LOAD_WAIT_S)
            if self.player is not player:  # stopped, or another one asked for, meanwhile
                return
            await player.play()
        except Exception:  # the client could not play it (no sound output, a timeout)
            log.exception("could not play %s", recording.sha256)
            if self.player is player:
                self.player, self.playing = None, None
                self._redraw()
            self.actions.ctx.notify(self.actions.ctx.t("visit.recording_cannot_play"))

    async def stop_playing(self) -> None:
        player, self.player = self.player, None
        if player is None:
            return
        self.playing = None
        try:
            await player.release()
        except Exception:  # the session may be gone; there is nothing left to stop then
            log.exception("could not stop playing")
        self._redraw()

    def _player_state(self, e: AudioStateChangeEvent) -> None:
        if e.control is self.player and e.state in (AudioState.COMPLETED, AudioState.STOPPED):
            self.player, self.playing = None, None
            self._redraw()

    # --- deleting ------------------------------------------------------------------

    def _ask_delete(self, recording: RecordingRef) -> None:
        ctx = self.actions.ctx
        t = ctx.t
        ctx.confirm(t("visit.recording_delete_title"), t("visit.recording_delete_message"),
                    t("visit.recording_delete_confirm"), lambda: self._delete(recording))

    def _delete(self, recording: RecordingRef) -> None:
        ctx = self.actions.ctx
        if self.playing == recording.sha256:
            ctx.page.run_task(self.stop_playing)
        try:
            ctx.service.remove_recording(self.actions.uuid, self.q.id, recording.sha256)
        except Exception as error:
            ctx.show_error(error)
        self._redraw()
