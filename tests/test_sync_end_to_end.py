"""The phone's sync engine against the real server on loopback, through a link that drops.

Each test counts what arrived on the server: the visit's revision exactly once, and every
photo whole (its bytes hash to its name) and exactly once.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest

from field_app.sync.service import SyncService
from server_stub.visits import review_visit
from server_stub.queries import visits as server_visits

from cutting_proxy import CuttingProxy
from doubling_transport import DoublingTransport
from server_support import LiveServer
from sync_support import assert_arrived_once, pair_phone, set_up_showroom, sync_until_done, visit_with_photos

PHOTOS = 20


@pytest.fixture
def server(server_settings) -> Iterator[LiveServer]:
    """A real server publishing the repository's checklists, with one dealership."""
    with LiveServer.start(server_settings) as live:
        set_up_showroom(live.store)
        yield live


@pytest.fixture
def proxy(server: LiveServer) -> Iterator[CuttingProxy]:
    with CuttingProxy(server.port, seed=7) as proxy:
        yield proxy


def test_a_visit_with_20_photos_arrives_whole_and_once_through_a_link_that_keeps_dropping(
        server, proxy, folder, clock):
    service, sync = pair_phone(server.store, proxy.url, folder, clock)
    uuid = visit_with_photos(service, PHOTOS)
    payload = sum(p.bytes for p in service.visit(uuid).photos)
    proxy.set_cut_every((20_000, 60_000))

    sync_until_done(sync)

    assert proxy.counts.cuts >= payload // 60_000 - 1
    assert_arrived_once(server.store, service, uuid, PHOTOS)
    # Resuming from the server's offset, a cut costs only the bytes in flight (the proxy
    # counts a whole 16 KB read as sent), not the photo from its start again.
    assert (proxy.counts.bytes_up - payload) / proxy.counts.cuts < 24_000


def test_every_request_sent_twice_changes_nothing_twice(server, folder, clock):
    # Pairing is left out: a pairing code is single use, so a doubled pairing is refused.
    service, _ = pair_phone(server.store, server.url, folder, clock)
    uuid = visit_with_photos(service, PHOTOS)
    doubling = DoublingTransport()
    sync = SyncService(service.store, service.photos_dir, clock=clock, transport=doubling, sleep=lambda s: None)

    sync_until_done(sync)

    assert ("PUT", f"/api/v1/visits/{uuid}") in doubling.sent
    assert sum(1 for method, _ in doubling.sent if method == "PATCH") >= 2 * PHOTOS
    assert_arrived_once(server.store, service, uuid, PHOTOS)
    assert sync.status().last_problem is None


def test_a_second_revision_after_a_return_arrives_beside_the_first(server, proxy, folder, clock):
    service, sync = pair_phone(server.store, proxy.url, folder, clock)
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
