"""Stopwatch arithmetic over stored wall-clock events.

The phone may be closed, killed or out of battery while a stopwatch runs, so the elapsed
time is never counted by ticks: it is recomputed from the start/stop/reset events.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Iterable

from .records import TimerEvent


@dataclass(frozen=True)
class StopwatchState:
    """What a stopwatch shows at a moment."""

    elapsed_seconds: float
    running: bool
    started: bool  # at least one start since the last reset


def stopwatch_state(events: Iterable[TimerEvent], now: datetime) -> StopwatchState:
    """Replay the events in order: a start while running and a stop while stopped are
    ignored (a double tap), a reset clears everything, and time that runs backwards
    (a clock corrected on the phone) counts as zero rather than negative."""
    elapsed = 0.0
    running_since: datetime | None = None
    started = False
    for event in events:
        if event.event == "reset":
            elapsed, running_since, started = 0.0, None, False
        elif event.event == "start":
            if running_since is None:
                running_since, started = event.at, True
        elif running_since is not None:  # stop
            elapsed += max(0.0, (event.at - running_since).total_seconds())
            running_since = None
    if running_since is not None:
        elapsed += max(0.0, (now - running_since).total_seconds())
    return StopwatchState(elapsed, running_since is not None, started)


def is_meaningful(events: list[TimerEvent], event: str) -> bool:
    """Whether appending `event` changes the stopwatch (so a double tap stores nothing)."""
    running = False
    started = False
    for e in events:
        if e.event == "reset":
            running = started = False
        elif e.event == "start":
            running = started = True
        else:
            running = False
    if event == "start":
        return not running
    if event == "stop":
        return running
    return started
