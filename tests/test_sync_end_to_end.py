"""The phone's sync engine against the real server on loopback, through a link that drops.

Each test counts what arrived on the server: the visit's revision exactly once, and every
photo whole (its bytes hash to its name) and exactly once.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from field_app.app import open_service
from field_app.clock import ManualClock
from field_app.services import FieldService
from field_app.sync.service import SyncService
from server_stub import admin
from server_stub.visits import review_visit
from server_stub.queries import visits as server_visits

from cutting_proxy import CuttingProxy
from doubling_transport import DoublingTransport
from samples import answer_all, evidence_checklist
from server_support import LiveServer, noisy_photo

PHOTOS = 20


@pytest.fixture
def server(server_settings) -> Iterator[LiveServer]:
    """A real server publishing the repository's checklists, with one dealership."""
    from field_app.demo import DEALERSHIPS

    with LiveServer.start(server_settings) as live:
        admin.save_dealers(live.store, DEALERSHIPS[:1])
        live.store.catalog.publish(evidence_checklist(), live.store.now())
        yield live


@pytest.fixture
def proxy(server: LiveServer) -> Iterator[CuttingProxy]:
    with CuttingProxy(server.port, seed=7) as proxy:
        yield proxy


def pair_phone(server: LiveServer, url: str, folder: Path, clock: ManualClock) -> tuple[FieldService, SyncService]:
    """A phone with an empty store, paired to a new shopper who has today's showroom visit."""
    code = admin.create_shopper(server.store, "Анна Петрова")
    admin.assign(server.store, code.shopper_id, clock.now().date(), "DEMO-N", "mini_evidence")
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


def sync_until_done(sync: SyncService, runs: int = 30):
    for _ in range(runs):
        report = sync.sync_now()
        assert not report.refused, report.refused
        if report.complete:
            return report
    raise AssertionError(f"still not done after {runs} runs: {report}")


def assert_arrived_once(server: LiveServer, service: FieldService, uuid: str) -> None:
    visit = service.visit(uuid)
    with server.store.db.read() as conn:
        assert server_visits.revisions(conn, uuid) == [visit.revision]
        stored = server_visits.revision_payload(conn, uuid, visit.revision)
    assert stored.encode() == service.store.revision_payload(uuid, visit.revision)
    files = server.store.files
    for photo in visit.photos:
        path = files.blob_path(photo.sha256)
        assert hashlib.sha256(path.read_bytes()).hexdigest() == photo.sha256
    blobs = sorted(p.name for p in (server.settings.data_dir / "blobs").rglob("*") if p.is_file())
    assert len(blobs) == len({p.sha256 for p in visit.photos}) == PHOTOS
    assert not service.store.pending_outbox()


def test_a_visit_with_20_photos_arrives_whole_and_once_through_a_link_that_keeps_dropping(
        server, proxy, folder, clock):
    service, sync = pair_phone(server, proxy.url, folder, clock)
    uuid = visit_with_photos(service, PHOTOS)
    payload = sum(p.bytes for p in service.visit(uuid).photos)
    proxy.set_cut_every((20_000, 60_000))

    sync_until_done(sync)

    assert proxy.counts.cuts >= payload // 60_000 - 1
    assert_arrived_once(server, service, uuid)
    # Resuming from the server's offset, a cut costs only the bytes in flight (the proxy
    # counts a whole 16 KB read as sent), not the photo from its start again.
    assert (proxy.counts.bytes_up - payload) / proxy.counts.cuts < 24_000


def test_every_request_sent_twice_changes_nothing_twice(server, folder, clock):
    # Pairing is left out: a pairing code is single use, so a doubled pairing is refused.
    service, _ = pair_phone(server, server.url, folder, clock)
    uuid = visit_with_photos(service, PHOTOS)
    doubling = DoublingTransport()
    sync = SyncService(service.store, service.photos_dir, clock=clock, transport=doubling, sleep=lambda s: None)

    sync_until_done(sync)

    assert ("PUT", f"/api/v1/visits/{uuid}") in doubling.sent
    assert sum(1 for method, _ in doubling.sent if method == "PATCH") >= 2 * PHOTOS
    assert_arrived_once(server, service, uuid)
    assert sync.status().last_problem is None


def test_a_second_revision_after_a_return_arrives_beside_the_first(server, proxy, folder, clock):
    service, sync = pair_phone(server, proxy.url, folder, clock)
    uuid = visit_with_photos(service, PHOTOS)
    sync_until_done(sync)
    review_visit(server.store, uuid, "return", "Добавьте фото визитки", by="coordinator")

    sync_until_done(sync)  # the pull brings the return
    assert sync.returned_comment(uuid) == "Добавьте фото визитки"
    service.reopen(uuid)
    clock.advance(timedelta(minutes=5).total_seconds())
    service.finalize(uuid)
    sync_until_done(sync)

    with server.store.db.read() as conn:
        assert server_visits.revisions(conn, uuid) == [1, 2]
