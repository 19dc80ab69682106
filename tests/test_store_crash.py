"""Killing the app mid-write loses nothing it had reported as saved.

A child process (`store_crash_child.py`) records answers and timer events as fast as it
can and prints a line after each store call returns; it is killed with SIGKILL at a random
moment, again and again on the same database file. After each kill the database must pass
`PRAGMA integrity_check` and hold exactly the reported actions, plus at most the one
action that was under way (saved but not yet reported).

SIGKILL is the death of the app, not of the phone: the operating system still writes out
what the process handed it. Surviving power loss rests on synchronous=FULL, which
`test_store.py` checks is in force.
"""

from __future__ import annotations

import copy
import json
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

from field_app.domain.visit import Visit
from field_app.store import Store
from store_crash_child import CHECKLIST, T0, VISIT_UUID, actions, replay

CHILD = Path(__file__).with_name("store_crash_child.py")
KILLS = 35
MAX_LINES_BEFORE_KILL = 40


def start_visit(path: Path) -> Visit:
    with Store(path) as store:
        store.save_checklist(CHECKLIST)
        return store.start_visit(CHECKLIST.id, CHECKLIST.version, at=T0, uuid=VISIT_UUID)


def run_and_kill(path: Path, seed: int, rng: random.Random, log: Path, *, report_first: bool = False) -> list[dict]:
    """Run a child, kill it at a random moment, and return the actions it reported."""
    command = [sys.executable, str(CHILD), str(path), str(seed)] + (["--report-first"] if report_first else [])
    with log.open("w") as stderr:
        child = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=stderr, text=True, encoding="utf-8")
        assert child.stdout is not None
        lines: list[str] = []
        wanted = rng.randint(1, MAX_LINES_BEFORE_KILL)
        while len(lines) < wanted:
            line = child.stdout.readline()
            assert line, f"the child stopped by itself:\n{log.read_text()}"
            lines.append(line)
        if not report_first:
            time.sleep(rng.uniform(0, 0.002))
        child.send_signal(signal.SIGKILL)
        rest, _ = child.communicate()
    assert child.returncode == -signal.SIGKILL
    lines.extend(rest.splitlines(keepends=True))
    # A line cut short by the kill was never reported.
    return [json.loads(line) for line in lines if line.endswith("\n")]


def content(visit: Visit) -> tuple:
    # The domain keeps an empty event list after a double tap on a fresh stopwatch; rows cannot.
    return visit.answers, {question_id: events for question_id, events in visit.timers.items() if events}


def check_after_kill(path: Path, before: Visit, seed: int, reported: list[dict]) -> Visit:
    """Assert the store holds the reported actions (and at most the next one) on top of
    `before`; return the visit as the store now holds it."""
    stream = actions(seed)
    expected = copy.deepcopy(before)
    for line in reported:
        action = next(stream)
        assert line == action, "the child reported something other than what it did"
        replay(expected, action)
    under_way = copy.deepcopy(expected)
    replay(under_way, next(stream))

    with Store(path) as store:
        assert store.db.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        stored = store.visit(VISIT_UUID)
    if content(stored) == content(expected):
        return expected
    assert content(stored) == content(under_way), (
        f"seed {seed}: after {len(reported)} reported actions the store holds neither them "
        "nor them and the next one"
    )
    return under_way


def test_no_reported_action_is_lost_when_the_app_is_killed(tmp_path: Path) -> None:
    path = tmp_path / "crash.db"
    visit = start_visit(path)
    rng = random.Random(20261122)
    kills = reported_total = 0
    began = time.monotonic()
    for seed in range(1, KILLS + 1):
        reported = run_and_kill(path, seed, rng, tmp_path / "child.log")
        kills += 1
        reported_total += len(reported)
        visit = check_after_kill(path, visit, seed, reported)
    assert kills == KILLS
    assert reported_total >= KILLS
    assert visit.timers and visit.answers
    assert time.monotonic() - began < 60


def test_the_check_catches_a_child_that_reports_before_saving(tmp_path: Path) -> None:
    rng = random.Random(7)
    caught = 0
    for seed in range(1, 16):
        path = tmp_path / f"lying-{seed}.db"
        visit = start_visit(path)
        reported = run_and_kill(path, seed, rng, tmp_path / "child.log", report_first=True)
        try:
            check_after_kill(path, visit, seed, reported)
        except AssertionError:
            caught += 1
            break
    assert caught == 1
