"""Version 3 of the call checklists asks for the call on record (issue 17, point 3): version
2 word for word plus one `audio` question, `call_recording`, first in the first section;
required, with N/A allowed, so a phone that refuses the microphone still finishes its call
(docs/checklist-v2-format.md, "Calls on record"). Versions 1 and 2 stay as published."""

from __future__ import annotations

import dataclasses
from datetime import timedelta
from pathlib import Path

import pytest

from field_app.app import open_service
from field_app.domain.checklist_diff import diff_checklists
from field_app.domain.errors import IncompleteVisitError
from field_app.domain.loader import load_checklist
from field_app.domain.registry import Registry
from field_app.domain.resources import shipped_checklists
from field_app.domain.route import Assignment
from field_app.domain.visit import Missing
from field_app.sync import SyncService
from server_stub import admin
from server_stub.queries import recordings as server_recordings, visits as server_visits

from samples import answer_all
from server_support import LiveServer
from sync_support import DEALERSHIPS, sync_until_done

SHIPPED = Path(str(shipped_checklists()))
CALLS = ("dealer_call", "roadside_assistance_call")
QID = "call_recording"


def shipped(name: str, version: int) -> dict:
    return load_checklist(SHIPPED / name / f"{version}.yaml").model_dump()


@pytest.mark.parametrize("name", CALLS)
def test_version_3_is_version_2_with_the_call_recording_first_and_nothing_else(name):
    v2, v3 = shipped(name, 2), shipped(name, 3)
    assert v3.pop("version") == 3 and v2.pop("version") == 2
    first = v3["sections"][0]["questions"].pop(0)
    assert first["id"] == QID
    assert v3 == v2  # scoring, refs, ranks, show_if, hints and follow-ups as they were


@pytest.mark.parametrize("name", CALLS)
def test_the_recording_is_asked_of_every_call_and_may_be_answered_na(name):
    checklist = Registry.shipped().get(name).checklist
    assert checklist.version == 3
    q = checklist.question(QID)
    assert (q.type, q.required, q.na_allowed, q.show_if) == ("audio", True, True, None)
    assert q.recording_range() == (1, 3) and q.recording_seconds() == 900
    assert (q.ref, q.benchmark, q.weight, q.options, q.bands) == (None, None, 1, None, None)
    for words in ("громкой связи", "«Записать»", "«Неприменимо»", "координатор", "другого телефона"):
        assert words in q.hint, words


@pytest.mark.parametrize("name", CALLS)
def test_versions_1_and_2_ask_for_no_recording(name):
    registry = Registry.shipped()
    assert registry.versions(name) == [1, 2, 3]
    for version in (1, 2):
        assert not [q.id for q in registry.get(name, version).checklist.questions() if q.type == "audio"]


@pytest.mark.parametrize("name", CALLS)
def test_the_diff_from_version_2_is_the_added_recording(name):
    diff = diff_checklists(Registry.shipped().get(name, 2).checklist, Registry.shipped().get(name, 3).checklist)
    assert [q.id for q in diff.added] == [QID]
    assert (diff.removed, diff.reworded, diff.rescored, diff.moved, diff.evidence) == ((), (), (), (), ())


# --- on the phone ---------------------------------------------------------------------


def call_on(service, name: str, version: int) -> str:
    """A call with checklist `name`@`version` today, beside the demo route: its visit's uuid."""
    assignment = Assignment(id=f"test-{name}-{version}", day=service.today(), position=9, dealer_code="DEMO-N",
                            checklist_id=name, checklist_version=version)
    service.store.save_route([], [assignment])
    uuid = service.open_stop(assignment.id)
    assert service.visit(uuid).checklist.version == version
    return uuid


def test_the_demo_s_calls_ask_for_their_recording(service):
    today = service.today()
    calls = {s.assignment.checklist_id: s.assignment.checklist_version
             for s in service.store.stops(today, today + timedelta(days=1)) if s.assignment.checklist_id in CALLS}
    assert calls == {name: 3 for name in CALLS}


@pytest.mark.parametrize("name", CALLS)
def test_a_call_is_not_finished_until_it_has_its_recording(service, name):
    uuid = call_on(service, name, 3)
    answer_all(service, uuid, skip=(QID,))
    section = Registry.shipped().get(name).checklist.sections[0].id
    assert service.review(uuid).missing == [Missing(section, QID, "recordings", 1)]
    with pytest.raises(IncompleteVisitError):
        service.finalize(uuid)


@pytest.mark.parametrize("good", [True, False], ids=["met", "not_met"])
@pytest.mark.parametrize("name", CALLS)
def test_a_call_is_finished_with_its_recording_and_scores_as_on_version_2(service, clock, name, good):
    scores = {}
    for version in (2, 3):
        uuid = call_on(service, name, version)
        answer_all(service, uuid, good=good)
        clock.advance(60)
        revision = service.finalize(uuid)
        assert [r.question_id for r in revision.recordings] == ([QID] if version == 3 else [])
        scores[version] = service.visit(uuid).score(service.now())
    assert scores[3] == scores[2]
    assert scores[3].total.out_of > 0


@pytest.mark.parametrize("name", CALLS)
def test_a_phone_without_a_microphone_finishes_the_call_with_na(service, clock, name):
    uuid = call_on(service, name, 3)
    answer_all(service, uuid, skip=(QID,))
    service.mark_na(uuid, QID)
    service.comment(uuid, QID, "Телефон не дал доступа к микрофону")
    clock.advance(60)
    revision = service.finalize(uuid)
    assert revision.recordings == [] and revision.answers[QID].na


# --- through the server -----------------------------------------------------------------


@pytest.mark.parametrize("recorded", [True, False], ids=["recorded", "na"])
def test_a_call_on_version_3_syncs_with_its_recording_or_its_na(server_settings, folder, clock, recorded):
    with LiveServer.start(dataclasses.replace(server_settings, checklists_dir=shipped_checklists())) as server:
        admin.save_dealers(server.store, DEALERSHIPS[:1])
        code = admin.create_shopper(server.store, "Анна Петрова")
        admin.assign(server.store, code.shopper_id, clock.now().date(), "DEMO-N", "roadside_assistance_call")
        service = open_service(folder, clock)
        sync = SyncService(service.store, service.photos_dir, clock=clock, sleep=lambda seconds: None)
        assert sync.pair(server.url, code.pairing_code, "Pixel 8") == "Анна Петрова"
        assert sync.sync_now().pulled
        uuid = service.open_stop(service.overview().today[0].assignment.id)
        assert service.visit(uuid).checklist.version == 3
        answer_all(service, uuid, skip=() if recorded else (QID,))
        if not recorded:
            service.mark_na(uuid, QID)
        clock.advance(60)
        revision = service.finalize(uuid)

        sync_until_done(sync)

        with server.store.db.read() as conn:
            assert server_visits.revisions(conn, uuid) == [1]
            assert server_recordings.of_visit(conn, uuid) == [r.sha256 for r in revision.recordings]
        assert len(revision.recordings) == (1 if recorded else 0)
        for r in revision.recordings:
            assert server.store.files.blob_path(r.sha256).read_bytes() == service.recording_path(r.sha256).read_bytes()
        assert not service.store.pending_outbox()
        service.store.close()
