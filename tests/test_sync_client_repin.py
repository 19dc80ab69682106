"""A pull after the coordinator moved planned stops to a newer checklist version (a re-pin):
a stop the shopper has not begun shows and opens on the new version; a visit begun on the
phone before (offline, not yet sent) keeps the version it was begun on, and so does its
stop on Today; that visit then arrives on the server as it was filled."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date

import pytest

from field_app.app import open_service
from field_app.domain.canonical import checklist_json, checklist_sha256
from field_app.domain.checklist import Checklist
from field_app.services import FieldService
from field_app.sync import RetryPolicy, SyncService
from server_stub import admin
from server_stub.queries import visits as server_visits

from fake_sync_server import FakeServer, pair_directly, pull_body
from samples import SHOWROOM, answer_all, checklist
from server_support import LiveServer, publish_mini, seed_dealers
from sync_support import sync_until_done

MINI = checklist()
MINI_2 = checklist(SHOWROOM | {"version": 2, "title": "Мини-визит, версия 2"})
DAY = date(2026, 11, 22)  # the clock's day: the stops are on Today
DEALER = {"code": "N1", "name": "Автоцентр Север", "city": "Москва"}


def assignment(id_: str, version: int, position: int) -> dict:
    return {"id": id_, "day": DAY.isoformat(), "position": position, "dealer_code": "N1",
            "checklist_id": MINI.id, "checklist_version": version}


def stamp(of: Checklist) -> dict:
    return {"id": of.id, "version": of.version, "sha256": checklist_sha256(of)}


def shown_versions(service: FieldService, *ids: str) -> dict[str, int]:
    """The checklist version of each of these stops as Today lists them."""
    return {s.assignment.id: s.assignment.checklist_version for s in service.overview().today if s.assignment.id in ids}


@pytest.fixture
def fake() -> FakeServer:
    server = FakeServer()
    for c in (MINI, MINI_2):
        server.checklists[(c.id, c.version)] = checklist_json(c).decode()
    return server


@pytest.fixture
def sync(service: FieldService, fake: FakeServer) -> SyncService:
    pair_directly(service.store)
    return SyncService(service.store, service.photos_dir, clock=service.clock, transport=fake,
                       sleep=lambda s: None, random=lambda: 0.5, policy=RetryPolicy(max_failures=3))


def test_a_moved_stop_not_begun_opens_on_the_new_version_and_a_begun_visit_keeps_its_own(service, fake, sync):
    fake.pull_body = pull_body(cursor="c1", dealerships=[DEALER], checklists=[stamp(MINI)],
                               assignments=[assignment("a1", 1, 1), assignment("a2", 1, 2)])
    assert sync.sync_now().pulled
    begun = service.open_stop("a1")
    service.answer(begun, "greeted", True)

    fake.pull_body = pull_body(cursor="c2", dealerships=[DEALER], checklists=[stamp(MINI_2)],
                               assignments=[assignment("a1", 2, 1), assignment("a2", 2, 2)])
    report = sync.sync_now()

    assert report.pulled and report.refused == ()
    assert service.store.checklist(MINI.id, 2) == MINI_2
    # Today: the begun stop shows its visit's version, the other the new one.
    assert shown_versions(service, "a1", "a2") == {"a1": 1, "a2": 2}
    assert service.store.stop("a1").visit_uuid == begun
    # The begun visit goes on as it was, with its answer.
    assert service.open_stop("a1") == begun
    visit = service.visit(begun)
    assert visit.checklist == MINI and visit.answers["greeted"].value is True
    # The stop not begun opens on version 2.
    assert service.visit(service.open_stop("a2")).checklist == MINI_2
    assert shown_versions(service, "a1", "a2") == {"a1": 1, "a2": 2}


@pytest.fixture
def server(server_settings) -> Iterator[LiveServer]:
    """A real server with the mini checklist in versions 1 and 2 and one dealership."""
    with LiveServer.start(server_settings) as live:
        publish_mini(live.store)
        live.store.catalog.publish(MINI_2, live.store.now())
        seed_dealers(live.store, "N1")
        yield live


def test_against_the_server_a_visit_begun_offline_before_the_move_arrives_on_its_version(server, folder, clock):
    store = server.store
    code = admin.create_shopper(store, "Анна Петрова")
    begun_stop = admin.assign(store, code.shopper_id, DAY, "N1", "mini_showroom@1").assignment_id
    other_stop = admin.assign(store, code.shopper_id, DAY, "N1", "mini_showroom@1").assignment_id
    service = open_service(folder, clock)
    sync = SyncService(service.store, service.photos_dir, clock=clock, sleep=lambda seconds: None)
    assert sync.pair(server.url, code.pairing_code, "Pixel 8") == "Анна Петрова"
    assert sync.sync_now().pulled
    uuid = service.open_stop(begun_stop)
    answer_all(service, uuid)  # offline: the server knows nothing of it yet

    moved = admin.repin(store, "mini_showroom", 2)
    assert sorted(moved.assignment_ids) == sorted([begun_stop, other_stop])
    report = sync.sync_now()

    assert report.pulled and report.refused == ()
    assert shown_versions(service, begun_stop, other_stop) == {begun_stop: 1, other_stop: 2}
    assert service.visit(uuid).checklist == MINI
    clock.advance(60)
    service.finalize(uuid)
    sync_until_done(sync)
    with store.db.read() as conn:
        sent = json.loads(server_visits.revision_payload(conn, uuid, 1))
    assert (sent["assignment_id"], sent["checklist"]["version"]) == (begun_stop, 1)
