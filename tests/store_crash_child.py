"""The child of the crash test: records answers and timer events as fast as it can and,
after each store call returns, prints one JSON line saying what it has saved.

    python tests/store_crash_child.py DBPATH SEED [--report-first]

The actions are a pure function of SEED (`actions`), so the parent can replay exactly
what the child did. `--report-first` prints each line before saving it: a deliberately
wrong child that the crash test must catch.
"""

from __future__ import annotations

import json
import random
import sys
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone

from field_app.domain.checklist import Checklist
from field_app.domain.visit import Visit
from field_app.store import Store

VISIT_UUID = "0b7e7f39-8f0e-4c59-a6c4-7e4d5b0e2c01"
T0 = datetime(2026, 11, 22, 9, 0, tzinfo=timezone.utc)

CHECKLIST = Checklist.model_validate({
    "id": "crash_call",
    "version": 1,
    "title": "Звонок в дилерский центр",
    "channel": "call",
    "sections": [
        {
            "id": "call",
            "title": "Звонок",
            "questions": [
                {"id": "introduced", "text": "Представился", "type": "yes_no", "na_allowed": True},
                {"id": "asked_name", "text": "Спросил имя", "type": "yes_no"},
                {
                    "id": "offered", "text": "Предложил", "type": "choice",
                    "options": [
                        {"id": "test_drive", "label": "Тест-драйв", "score": 1},
                        {"id": "visit", "label": "Визит", "score": 1},
                        {"id": "nothing", "label": "Ничего", "score": 0},
                    ],
                },
                {
                    "id": "rings", "text": "Гудки", "type": "counter",
                    "bands": [{"max": 3, "label": "до 3", "score": 1}, {"label": "больше", "score": 0}],
                },
                {"id": "price", "text": "Цена", "type": "number", "na_allowed": True},
                {"id": "notes", "text": "Заметки", "type": "text", "required": False},
                {
                    "id": "pickup_wait", "text": "До ответа", "type": "timer",
                    "bands": [{"max": 20, "label": "до 20 с", "score": 1}, {"label": "дольше", "score": 0}],
                },
                {
                    "id": "hold_wait", "text": "На удержании", "type": "timer",
                    "bands": [{"max": 60, "label": "до минуты", "score": 1}, {"label": "дольше", "score": 0}],
                },
            ],
        }
    ],
})

TIMERS = ["pickup_wait", "hold_wait"]
NA_ALLOWED = ["introduced", "price"]
WORDS = ["вежливо", "быстро", "перезвонил", "ok", "нет ответа", "Иван", "«скидка»", "🚗"]


def _value(rng: random.Random, question_id: str) -> object:
    if question_id in ("introduced", "asked_name"):
        return rng.random() < 0.5
    if question_id == "offered":
        return rng.choice(["test_drive", "visit", "nothing"])
    if question_id == "rings":
        return rng.randrange(0, 30)
    if question_id == "price":
        return round(rng.uniform(500_000, 5_000_000), 2)
    return " ".join(rng.choice(WORDS) for _ in range(rng.randrange(1, 6)))


def actions(seed: int) -> Iterator[dict]:
    """The endless, reproducible stream of actions of the child with this seed."""
    rng = random.Random(seed)
    valued = ["introduced", "asked_name", "offered", "rings", "price", "notes"]
    for i in range(sys.maxsize):
        at = T0 + timedelta(hours=seed, seconds=i, microseconds=rng.randrange(1_000_000))
        action: dict = {"seed": seed, "i": i, "at": at.isoformat()}
        roll = rng.random()
        if roll < 0.40:
            question_id = rng.choice(valued)
            action.update(kind="answer", question=question_id, value=_value(rng, question_id))
        elif roll < 0.75:
            action.update(kind="timer", question=rng.choice(TIMERS), event=rng.choice(["start", "stop", "stop", "reset"]))
        elif roll < 0.85:
            action.update(kind="comment", question=rng.choice(valued), text=rng.choice(WORDS))
        elif roll < 0.93:
            action.update(kind="mark_na", question=rng.choice(NA_ALLOWED))
        else:
            action.update(kind="clear", question=rng.choice(valued))
        yield action


def perform(store: Store, action: dict) -> None:
    uuid, question_id, at = VISIT_UUID, action["question"], datetime.fromisoformat(action["at"])
    kind = action["kind"]
    if kind == "answer":
        store.answer(uuid, question_id, action["value"], at)
    elif kind == "timer":
        store.timer(uuid, question_id, action["event"], at)
    elif kind == "comment":
        store.comment(uuid, question_id, action["text"], at)
    elif kind == "mark_na":
        store.mark_na(uuid, question_id, at)
    else:
        store.clear(uuid, question_id, at)


def replay(visit: Visit, action: dict) -> None:
    """What `perform` does, applied to a visit in memory: the parent's model."""
    question_id, at = action["question"], datetime.fromisoformat(action["at"])
    kind = action["kind"]
    if kind == "answer":
        visit.answer(question_id, action["value"], at)
    elif kind == "timer":
        visit.timer(question_id, action["event"], at)
    elif kind == "comment":
        visit.comment(question_id, action["text"], at)
    elif kind == "mark_na":
        visit.mark_na(question_id, at)
    else:
        visit.clear(question_id, at)


def report(action: dict) -> None:
    # One write per line: a kill cannot leave half a line that looks whole.
    sys.stdout.write(json.dumps(action, ensure_ascii=False) + "\n")
    sys.stdout.flush()


def main(argv: list[str]) -> None:
    path, seed = argv[0], int(argv[1])
    report_first = "--report-first" in argv[2:]
    store = Store(path)
    for action in actions(seed):
        if report_first:
            report(action)
        perform(store, action)
        if not report_first:
            report(action)


if __name__ == "__main__":
    main(sys.argv[1:])
