"""How long the shopper's tap waits for an answer to be durably saved.

A file-backed store (WAL, synchronous=FULL, as on the phone) in a temporary folder next
to the repository (same disk, not a RAM disk); one visit on a checklist shaped like the
real showroom checklist; 2000 answers saved one by one through `Store.answer`, each its
own transaction. Prints one JSON object; the target is p99_us <= 5000.

    .venv/bin/python benchmarks/store.py
"""

from __future__ import annotations

import json
import math
import statistics
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

from field_app.domain.checklist import AnswerValue, Checklist
from field_app.store import Store

ANSWERS = 2000
REPO = Path(__file__).resolve().parent.parent
T0 = datetime(2026, 11, 22, 10, 0, tzinfo=timezone.utc)


def showroom_like() -> Checklist:
    """Six sections of seven questions, with the real checklist's mix of answer types."""
    kinds = ["yes_no", "yes_no", "choice", "yes_no", "counter", "number", "text"]
    sections = []
    for s in range(6):
        questions = []
        for q, kind in enumerate(kinds):
            question: dict = {"id": f"s{s}_q{q}", "text": f"Пункт {s + 1}.{q + 1}", "type": kind}
            if kind == "choice":
                question["options"] = [
                    {"id": "yes", "label": "Да", "score": 1},
                    {"id": "no", "label": "Нет", "score": 0},
                    {"id": "none", "label": "Не было"},
                ]
            if kind == "counter":
                question["bands"] = [{"max": 3, "label": "до 3", "score": 1}, {"label": "больше", "score": 0}]
            questions.append(question)
        sections.append({"id": f"section_{s}", "title": f"Раздел {s + 1}", "questions": questions})
    return Checklist.model_validate(
        {"id": "showroom_like", "version": 1, "title": "Визит в автосалон", "channel": "visit", "sections": sections}
    )


def value_for(kind: str, i: int) -> AnswerValue:
    return {
        "yes_no": i % 2 == 0,
        "choice": ["yes", "no", "none"][i % 3],
        "counter": i % 10,
        "number": i * 1.5,
        "text": f"заметка {i}: консультант ответил вежливо",
    }[kind]


def percentile(ordered: list[float], share: float) -> float:
    """Nearest-rank percentile of an ordered list."""
    return ordered[math.ceil(share * len(ordered)) - 1]


def main() -> None:
    checklist = showroom_like()
    questions = checklist.questions()
    timings_ns: list[int] = []
    with tempfile.TemporaryDirectory(dir=REPO, prefix=".bench-store-") as folder:
        with Store(Path(folder) / "field.db") as store:
            store.save_checklist(checklist)
            visit = store.start_visit(checklist.id, checklist.version, at=T0)
            for i in range(ANSWERS):
                question = questions[i % len(questions)]
                value = value_for(question.type, i)
                at = T0 + timedelta(seconds=i)
                began = time.perf_counter_ns()
                store.answer(visit.uuid, question.id, value, at)
                timings_ns.append(time.perf_counter_ns() - began)
            journal_mode = store.db.execute("PRAGMA journal_mode").fetchone()[0]
            synchronous = store.db.execute("PRAGMA synchronous").fetchone()[0]
    micros = sorted(t / 1000 for t in timings_ns)
    print(json.dumps({
        "p50_us": round(percentile(micros, 0.50), 1),
        "p99_us": round(percentile(micros, 0.99), 1),
        "mean_us": round(statistics.fmean(micros), 1),
        "max_us": round(micros[-1], 1),
        "count": len(micros),
        "synchronous": synchronous,
        "journal_mode": journal_mode,
    }))


if __name__ == "__main__":
    main()
