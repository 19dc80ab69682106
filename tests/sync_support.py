"""Helpers of the end-to-end sync tests: a phone paired to a real server, a finalized visit
with photos in its outbox, and the check that everything arrived exactly once.

The server may run in the test's process (`LiveServer`) or as a process of its own
(`start_server`): these helpers need only its URL and a store opened on its data.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from field_app.app import open_service
from field_app.domain.clock import ManualClock
from field_app.demo import DEALERSHIPS
from field_app.services import FieldService
from field_app.sync.service import SyncReport, SyncService
from server_stub import admin
from server_stub.queries import visits as server_visits
from server_stub.store import ServerStore

from samples import answer_all, evidence_checklist
from server_support import noisy_photo


def set_up_showroom(store: ServerStore) -> None:
    """One dealership and the evidence checklist (room for 20 photos), which `pair_phone`
    assigns. A server process loads its checklists when it starts: call this before."""
    admin.save_dealers(store, DEALERSHIPS[:1])
    store.catalog.publish(evidence_checklist(), store.now())


def pair_phone(store: ServerStore, url: str, folder: Path, clock: ManualClock) -> tuple[FieldService, SyncService]:
    """A phone with an empty store, paired to a new shopper who has today's showroom visit."""
    code = admin.create_shopper(store, "Анна Петрова")
    admin.assign(store, code.shopper_id, clock.now().date(), "DEMO-N", "mini_evidence")
    service = open_service(folder, clock)
    sync = SyncService(service.store, service.photos_dir, clock=clock, sleep=lambda seconds: None)
    assert sync.pair(url, code.pairing_code, "Pixel 8") == "Анна Петрова"
    assert sync.sync_now().pulled
    return service, sync


def visit_with_photos(service: FieldService, count: int) -> str:
    """Today's visit, answered, with `count` distinct photos spread over the questions that
    take them, and finalized: what the outbox then holds."""
    stop = service.overview().today[0]
    uuid = service.open_stop(stop.assignment.id)
    answer_all(service, uuid, skip=("front_photo", "stand_photo"))
    visit = service.visit(uuid)
    room = [(q.id, q.photo_range()[1] - len(visit.photos_of(q.id)))
            for q in visit.checklist.questions() if q.id in visit.visible(service.now())]
    seed = 0
    while len(service.visit(uuid).photos) < count:
        question_id, free = next((qid, n) for qid, n in room if n > 0)
        room = [(qid, n - 1 if qid == question_id else n) for qid, n in room]
        seed += 1
        service.add_photo(uuid, question_id, noisy_photo((480, 360), seed=seed))
    service.clock.advance(60)
    service.finalize(uuid)
    return uuid


def sync_until_done(sync: SyncService, runs: int = 30) -> SyncReport:
    for _ in range(runs):
        report = sync.sync_now()
        assert not report.refused, report.refused
        if report.complete:
            return report
    raise AssertionError(f"still not done after {runs} runs: {report}")


def assert_arrived_once(store: ServerStore, service: FieldService, uuid: str, photos: int) -> None:
    """The visit's revision stored once with the phone's bytes, its `photos` photos stored
    whole and once each, and nothing left in the phone's outbox. `store` may be the live
    server's or one opened on its data after the server process stopped."""
    visit = service.visit(uuid)
    with store.db.read() as conn:
        assert server_visits.revisions(conn, uuid) == [visit.revision]
        stored = server_visits.revision_payload(conn, uuid, visit.revision)
    assert stored.encode() == service.store.revision_payload(uuid, visit.revision)
    for photo in visit.photos:
        path = store.files.blob_path(photo.sha256)
        assert hashlib.sha256(path.read_bytes()).hexdigest() == photo.sha256
    blobs = sorted(p.name for p in (store.settings.data_dir / "blobs").rglob("*") if p.is_file())
    assert len(blobs) == len({p.sha256 for p in visit.photos}) == photos
    assert not service.store.pending_outbox()
