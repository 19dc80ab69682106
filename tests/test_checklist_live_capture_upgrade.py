"""The upgrade that brought `source: camera` (issue 17, point 2) leaves what was recorded
before it valid. A server that published versions 1 and 2 of the shipped checklists starts
with the new files (version 3 added, nothing else changed: no ChecklistConflictError), and
a phone that finalized a visit on version 1 before the upgrade, its photos from the
gallery, still syncs it: the revision's sha256 is the one the server holds, and it is
stored with the bytes the phone froze. Version 3 is version 2 with its evidence photos
taken live; versions 1 and 2 stay as published. The call checklists' versions 3 (calls on
record, tests/test_checklist_call_recording.py) came later and are added the same way."""

from __future__ import annotations

import dataclasses
import shutil
from pathlib import Path

import pytest

from field_app.app import open_service
from field_app.domain.loader import load_checklist
from field_app.domain.registry import Registry
from field_app.domain.resources import shipped_checklists
from field_app.sync import SyncService
from field_app.sync.state import SERVER_URL
from server_stub import admin
from server_stub.queries import visits as server_visits
from server_stub.store import open_store

from samples import answer_all
from server_support import LiveServer
from sync_support import DEALERSHIPS, sync_until_done

SHIPPED = Path(str(shipped_checklists()))
EVIDENCE = {
    "showroom_visit": {"photo_facade", "photo_parking", "photo_business_card"},
    "service_visit": {"photo_facade", "photo_covers", "photo_invoice"},
}


LIVE_CAPTURE = {("showroom_visit", 3), ("service_visit", 3)}
CALLS_ON_RECORD = {("dealer_call", 3), ("roadside_assistance_call", 3)}  # issue 17, point 3


def before_the_upgrade(folder: Path, added: set[tuple[str, int]] = LIVE_CAPTURE | CALLS_ON_RECORD) -> Path:
    """The shipped checklists as they were before the versions `added` came: every other
    file, unchanged (by default versions 1 and 2 only)."""
    for path in SHIPPED.glob("*/*.yaml"):
        if (path.parent.name, int(path.stem)) not in added:
            (folder / path.parent.name).mkdir(parents=True, exist_ok=True)
            shutil.copy(path, folder / path.parent.name / path.name)
    return folder


def test_a_visit_finalized_on_version_1_before_the_upgrade_still_syncs(server_settings, tmp_path, folder, clock):
    old = dataclasses.replace(server_settings, checklists_dir=before_the_upgrade(tmp_path / "old"))
    with LiveServer.start(old) as server:
        admin.save_dealers(server.store, DEALERSHIPS[:1])
        code = admin.create_shopper(server.store, "Анна Петрова")
        admin.assign(server.store, code.shopper_id, clock.now().date(), "DEMO-N", "showroom_visit@1")
        v1_sha = server.store.catalog.get("showroom_visit", 1).sha256
        service = open_service(folder, clock)
        sync = SyncService(service.store, service.photos_dir, clock=clock, sleep=lambda seconds: None)
        assert sync.pair(server.url, code.pairing_code, "Pixel 8") == "Анна Петрова"
        assert sync.sync_now().pulled

    # offline: the shopper fills the visit, photos picked from the gallery, and finalizes it
    stop = service.overview().today[0]
    uuid = service.open_stop(stop.assignment.id)
    assert (service.visit(uuid).checklist.version, service.visit(uuid).checklist_sha256) == (1, v1_sha)
    answer_all(service, uuid)
    clock.advance(60)
    service.finalize(uuid)
    frozen = service.store.revision_payload(uuid, 1)

    # the server is upgraded: the same data, the new shipped files (version 3 among them)
    new = dataclasses.replace(server_settings, checklists_dir=shipped_checklists())
    with LiveServer.start(new) as server:
        catalog = server.store.catalog
        assert catalog.get("showroom_visit", 1).sha256 == v1_sha
        assert catalog.newest("showroom_visit").checklist.version == 3
        for entry in Registry.shipped():
            assert catalog.get(entry.checklist.id, entry.checklist.version).sha256 == entry.sha256
        service.store.set_settings({SERVER_URL: server.url})  # the new process listens elsewhere

        sync_until_done(sync)

        with server.store.db.read() as conn:
            assert server_visits.revisions(conn, uuid) == [1]
            assert server_visits.revision_payload(conn, uuid, 1).encode() == frozen
    assert not service.store.pending_outbox()
    service.store.close()


@pytest.mark.parametrize("added", [LIVE_CAPTURE | CALLS_ON_RECORD, CALLS_ON_RECORD],
                         ids=["versions_1_and_2", "before_calls_on_record"])
def test_the_upgraded_files_start_a_server_that_held_the_old_ones(server_settings, tmp_path, added):
    old = dataclasses.replace(server_settings, checklists_dir=before_the_upgrade(tmp_path / "old", added))
    with open_store(old) as store:
        before = {(v.id, v.version): v.sha256 for v in store.catalog.versions()}
    assert not set(before) & added
    with open_store(dataclasses.replace(server_settings, checklists_dir=shipped_checklists())) as store:
        after = {(v.id, v.version): v.sha256 for v in store.catalog.versions()}
    assert {key: after[key] for key in before} == before
    assert set(after) - set(before) == added


# --- the shipped versions ------------------------------------------------------------


def test_versions_1_and_2_offer_the_gallery_and_version_3_takes_evidence_live():
    registry = Registry.shipped()
    for checklist_id, evidence in EVIDENCE.items():
        for version in (1, 2):
            assert not [q.id for q in registry.get(checklist_id, version).checklist.questions() if q.camera_only]
        newest = registry.get(checklist_id).checklist
        assert newest.version == 3
        assert {q.id for q in newest.questions() if q.camera_only} == evidence
        photos = {q.id for q in newest.questions() if q.type == "photo"}
        assert evidence == photos  # every evidence photo of the study checklists


@pytest.mark.parametrize("name", sorted(EVIDENCE))
def test_version_3_is_version_2_with_live_capture_and_nothing_else(name):
    v2 = load_checklist(SHIPPED / name / "2.yaml").model_dump()
    v3 = load_checklist(SHIPPED / name / "3.yaml").model_dump()
    assert v3.pop("version") == 3 and v2.pop("version") == 2
    for section in v3["sections"]:
        for q in section["questions"]:
            if q["id"] in EVIDENCE[name]:
                assert q["source"] == "camera"
                q["source"] = "any"
    assert v3 == v2
