"""Location fixes in the phone's store (issue 17, point 1): each outcome is its own
transaction, the latest of each slot counts, the finalized revision carries the fixes and
names the events without one, a fix that comes after the freeze is refused, and a fix kept
before the app died is in the revision finalized after it restarts."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from field_app.app import open_service
from field_app.domain.errors import VisitFrozenError
from field_app.domain.locations import DENIED, TIMEOUT, LocationOutcome
from field_app.domain.records import VisitRevision
from field_app.domain.revision_check import revision_problems
from field_app.services import FieldService

from samples import answer_all, jpeg

ROOT = Path(__file__).resolve().parents[1]


def today_stop(service: FieldService, checklist_id: str) -> str:
    stop = next(s for s in service.overview().today if s.assignment.checklist_id == checklist_id)
    return service.open_stop(stop.assignment.id)


def sent(service: FieldService, uuid: str) -> dict:
    """The finalized revision's frozen payload, as the server receives it."""
    visit = service.visit(uuid)
    return json.loads(service.store.revision_payload(uuid, visit.revision))


def found(service: FieldService, event: str, lat: float = 55.7558, lon: float = 37.6173,
          accuracy_m: float = 25.0, sha256: str | None = None) -> LocationOutcome:
    return LocationOutcome.found(event, service.now(), lat, lon, accuracy_m, photo_sha256=sha256)


def test_the_start_and_finish_fixes_go_out_with_the_revision(service):
    uuid = today_stop(service, "dealer_call")
    service.clock.advance(4)
    service.record_location(uuid, found(service, "start"))
    answer_all(service, uuid)
    service.record_location(uuid, found(service, "finish", lat=55.7560, accuracy_m=12.5))
    service.clock.advance(30)
    service.finalize(uuid)

    payload = sent(service, uuid)
    assert payload["locations"] == [
        {"event": "start", "at": "2026-11-22T09:00:04Z", "lat": 55.7558, "lon": 37.6173, "accuracy_m": 25.0,
         "photo_sha256": None},
        {"event": "finish", "at": payload["locations"][1]["at"], "lat": 55.756, "lon": 37.6173,
         "accuracy_m": 12.5, "photo_sha256": None},
    ]
    assert "location_unavailable" not in payload  # left out while empty
    revision = VisitRevision.model_validate(payload)
    assert revision_problems(service.visit(uuid).checklist, revision) == []


def test_denied_and_missing_fixes_are_named_unavailable(service):
    uuid = today_stop(service, "dealer_call")
    service.record_location(uuid, LocationOutcome.unavailable("start", service.now(), DENIED))
    answer_all(service, uuid)
    # No finish outcome at all: the request was still running at the freeze.
    service.finalize(uuid)

    payload = sent(service, uuid)
    assert "locations" not in payload
    assert payload["location_unavailable"] == ["start", "finish"]


def test_the_latest_outcome_of_an_event_counts(service):
    uuid = today_stop(service, "dealer_call")
    service.record_location(uuid, found(service, "start"))
    answer_all(service, uuid)
    service.record_location(uuid, found(service, "finish", lat=55.0))
    service.clock.advance(300)
    # The shopper went back to the review later: asked again, and no fix this time.
    service.record_location(uuid, LocationOutcome.unavailable("finish", service.now(), TIMEOUT))
    service.finalize(uuid)

    payload = sent(service, uuid)
    assert [fix["event"] for fix in payload["locations"]] == ["start"]
    assert payload["location_unavailable"] == ["finish"]


def test_a_photo_fix_names_its_photo_and_leaves_with_it(service):
    uuid = today_stop(service, "service_visit")
    answer_all(service, uuid)  # the same picture for each photo question: one sha256
    photos = service.visit(uuid).photos
    shared = photos[0].sha256
    assert len(photos) >= 2 and {p.sha256 for p in photos} == {shared}
    other_question = photos[1].question_id
    service.record_location(uuid, found(service, "start"))
    service.record_location(uuid, found(service, "photo", lat=55.7561, sha256=shared))
    # In one question the picture is replaced by another, which gets its fix, and that one
    # by a third, whose fix never came.
    service.remove_photo(uuid, other_question, shared)
    gone = service.add_photo(uuid, other_question, jpeg((1, 2, 3)))
    service.record_location(uuid, found(service, "photo", lat=55.7562, sha256=gone.sha256))
    service.remove_photo(uuid, other_question, gone.sha256)
    last = service.add_photo(uuid, other_question, jpeg((4, 5, 6)))
    service.record_location(uuid, found(service, "finish"))
    service.finalize(uuid)

    payload = sent(service, uuid)
    photo_fixes = [fix for fix in payload["locations"] if fix["event"] == "photo"]
    assert [(fix["photo_sha256"], fix["lat"]) for fix in photo_fixes] == [(shared, 55.7561)]  # once
    assert payload["location_unavailable"] == ["photo"]  # the last picture has none
    assert {p["sha256"] for p in payload["photos"]} == {shared, last.sha256}
    revision = VisitRevision.model_validate(payload)
    assert revision_problems(service.visit(uuid).checklist, revision) == []


def test_a_fix_that_comes_after_the_freeze_is_refused_and_kept_nowhere(service):
    uuid = today_stop(service, "dealer_call")
    answer_all(service, uuid)
    service.finalize(uuid)
    before = service.store.revision_payload(uuid, 1)

    with pytest.raises(VisitFrozenError):
        service.record_location(uuid, found(service, "finish"))
    assert service.store.db.execute("SELECT count(*) FROM location_outcomes").fetchone()[0] == 0
    assert service.store.revision_payload(uuid, 1) == before


def test_a_returned_visit_keeps_its_start_fix_and_takes_a_new_finish(service):
    uuid = today_stop(service, "dealer_call")
    service.record_location(uuid, found(service, "start"))
    answer_all(service, uuid)
    service.record_location(uuid, found(service, "finish", lat=55.1))
    service.finalize(uuid)
    service.store.mark_returned(uuid, comment="check the answers")
    service.reopen(uuid)
    service.clock.advance(3600)
    service.record_location(uuid, found(service, "finish", lat=55.2))
    service.finalize(uuid)

    payload = json.loads(service.store.revision_payload(uuid, 2))
    assert [(fix["event"], fix["lat"]) for fix in payload["locations"]] == [("start", 55.7558), ("finish", 55.2)]


def test_each_outcome_is_written_as_it_comes(service, folder):
    uuid = today_stop(service, "dealer_call")
    service.record_location(uuid, found(service, "start"))
    # Another connection (the app after a restart) reads it at once.
    other = open_service(folder, service.clock)
    try:
        [outcome] = other.visit(uuid).locations
        assert outcome.fix is not None and outcome.fix.lat == 55.7558
    finally:
        other.store.close()


CHILD = textwrap.dedent("""
    import os, signal, sys
    from datetime import datetime
    from pathlib import Path
    from field_app.app import open_service
    from field_app.domain.clock import ManualClock
    from field_app.domain.locations import LocationOutcome

    folder, uuid, now = Path(sys.argv[1]), sys.argv[2], datetime.fromisoformat(sys.argv[3])
    service = open_service(folder, ManualClock(now))
    service.record_location(uuid, LocationOutcome.found("start", now, 59.9386, 30.3141, 8.0))
    print("kept", flush=True)
    os.kill(os.getpid(), signal.SIGKILL)  # the phone dies: no close, no checkpoint
""")


def test_a_fix_kept_before_the_app_died_is_in_the_revision_finalized_after(service, folder):
    uuid = today_stop(service, "dealer_call")
    service.store.close()

    child = subprocess.run([sys.executable, "-c", CHILD, str(folder), uuid, service.now().isoformat()],
                           capture_output=True, text=True, cwd=ROOT, timeout=60,
                           env=dict(os.environ, PYTHONPATH=str(ROOT)))
    assert child.returncode == -signal.SIGKILL, child.stderr
    assert child.stdout.strip() == "kept"

    after = open_service(folder, service.clock)  # the app starts again
    try:
        answer_all(after, uuid)
        after.finalize(uuid)
        payload = sent(after, uuid)
        assert [(fix["event"], fix["lat"], fix["accuracy_m"]) for fix in payload["locations"]] == [
            ("start", 59.9386, 8.0)]
        assert payload["location_unavailable"] == ["finish"]
    finally:
        after.store.close()


def test_a_store_made_before_location_fixes_keeps_its_revisions_and_takes_fixes(service, folder):
    finalized = today_stop(service, "dealer_call")
    answer_all(service, finalized)
    service.finalize(finalized)
    open_one = today_stop(service, "service_visit")
    before = service.store.revision_payload(finalized, 1)
    # As the phone was before migration 9: no table, no record of it.
    service.store.db.execute("DROP TABLE location_outcomes")
    service.store.db.execute("DELETE FROM _sqlite_migrations WHERE name = 'm009_location_fixes'")
    service.store.db.conn.commit()
    service.store.close()

    after = open_service(folder, service.clock)  # the new app opens the old store
    try:
        assert after.store.revision_payload(finalized, 1) == before  # the same bytes, the same sha256
        assert after.visit(open_one).locations == []
        after.record_location(open_one, found(after, "start"))
        answer_all(after, open_one)
        after.finalize(open_one)
        assert [fix["event"] for fix in sent(after, open_one)["locations"]] == ["start"]
    finally:
        after.store.close()
