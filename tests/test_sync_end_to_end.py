"""The phone's sync engine against the real server on loopback, through a link that drops.

Each test counts what arrived on the server: the visit's revision exactly once, and every
photo whole (its bytes hash to its name) and exactly once.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import httpx
import pytest

from field_app.app import open_service
from field_app.sync.service import SyncService
from server_stub import admin
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
    code = admin.create_shopper(server.store, "Анна Петрова")
    admin.assign(server.store, code.shopper_id, clock.now().date(), "DEMO-N", "mini_evidence")
    service = open_service(folder, clock)
    doubling = DoublingTransport()
    sync = SyncService(service.store, service.photos_dir, clock=clock, transport=doubling, sleep=lambda s: None)
    # The pairing too: the second request carries the same attempt id, so it pairs the
    # same device again (a new token) instead of finding the code used.
    assert sync.pair(server.url, code.pairing_code, "Pixel 8") == "Анна Петрова"
    assert len(admin.list_devices(server.store, code.shopper_id)) == 1
    assert sync.sync_now().pulled
    uuid = visit_with_photos(service, PHOTOS)

    sync_until_done(sync)

    assert doubling.sent.count(("POST", "/api/v1/devices/pair")) == 2
    assert ("PUT", f"/api/v1/visits/{uuid}") in doubling.sent
    assert sum(1 for method, _ in doubling.sent if method == "PATCH") >= 2 * PHOTOS
    assert_arrived_once(server.store, service, uuid, PHOTOS)
    assert sync.status().last_problem is None


class LosingFirstAnswer(httpx.BaseTransport):
    """The server handles the first request, and its answer is lost on the way back."""

    def __init__(self) -> None:
        self.inner = httpx.HTTPTransport()
        self.lost = 0

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = self.inner.handle_request(request)
        if self.lost == 0:
            self.lost += 1
            response.read()
            raise httpx.ReadError("the answer was lost", request=request)
        return response


def test_a_pairing_whose_answer_was_lost_is_retried_and_pairs(server, folder, clock):
    code = admin.create_shopper(server.store, "Анна Петрова")
    service = open_service(folder, clock)
    losing = LosingFirstAnswer()
    sync = SyncService(service.store, service.photos_dir, clock=clock, transport=losing, sleep=lambda s: None)

    assert sync.pair(server.url, code.pairing_code, "Pixel 8") == "Анна Петрова"

    assert losing.lost == 1
    (device,) = admin.list_devices(server.store, code.shopper_id)
    assert not device.revoked
    assert sync.sync_now().pulled  # the token the retry got is the one that works


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
