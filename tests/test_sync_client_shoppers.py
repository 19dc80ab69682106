"""A phone handed from one shopper to another: each visit goes to the server only under
the account it was made under (or under whoever pairs next, when it was made unpaired);
pairing as someone else takes the last shopper's unstarted stops off the phone."""

from __future__ import annotations

from datetime import timedelta

import pytest

from field_app.domain.route import Assignment
from field_app.services import FieldService
from field_app.sync import SyncService, state

from fake_sync_server import FakeServer, pair_directly
from samples import answer_all
from test_sync_client_engine import noisy_jpeg
from test_sync_client_service import run

ANNA = {"id": "shopper-anna", "name": "Анна Петрова"}
BORIS = {"id": "shopper-boris", "name": "Борис Ильин"}
CODES = {ANNA["id"]: "PAIR-ANNA", BORIS["id"]: "PAIR-BORIS"}
SHOWROOM = "showroom_visit"


@pytest.fixture
def fake() -> FakeServer:
    return FakeServer()


@pytest.fixture
def sync(service: FieldService, fake: FakeServer) -> SyncService:
    return SyncService(service.store, service.photos_dir, clock=service.clock, transport=fake,
                       sleep=lambda s: None, random=lambda: 0.5)


def pair_as(sync: SyncService, fake: FakeServer, shopper: dict) -> None:
    """Pair with a fresh one-time code of `shopper`, unpairing first if paired."""
    if sync.status().paired:
        sync.unpair()
    fake.pairing_codes[CODES[shopper["id"]]] = shopper
    assert sync.pair("http://sync.test", CODES[shopper["id"]], "Pixel 7") == shopper["name"]


def finalized(service: FieldService, uuid: str, seed: int) -> str:
    """Answer the visit, add a photo no other visit has, finalize; returns that photo's sha256."""
    answer_all(service, uuid)
    photo = service.add_photo(uuid, "photo_facade", noisy_jpeg(seed, (64, 48)))
    service.finalize(uuid)
    return photo.sha256


def planned(service: FieldService, seed: int) -> tuple[str, str]:
    stop = next(s for s in service.overview().today if s.assignment.checklist_id == SHOWROOM)
    uuid = service.open_stop(stop.assignment.id)
    return uuid, finalized(service, uuid, seed)


def unplanned(service: FieldService, seed: int) -> tuple[str, str]:
    uuid = service.store.start_visit(SHOWROOM, 1, at=service.now()).uuid
    return uuid, finalized(service, uuid, seed)


def asked_about(fake: FakeServer, *names: str) -> list[tuple[str, str]]:
    return [(method, path) for method, path in fake.requests if any(name in path for name in names)]


def annas_unsent_visits(service: FieldService, sync: SyncService, fake: FakeServer) -> list[str]:
    """Anna pairs, syncs, then makes a planned and an unplanned visit and unpairs before they
    go; returns their uuids and photos' sha256."""
    pair_as(sync, fake, ANNA)
    assert sync.sync_now().complete  # the demo's visit, made before any pairing
    made = [*planned(service, 1), *unplanned(service, 2)]
    sync.unpair()
    return made


def test_each_visit_records_the_shopper_paired_when_it_started(service, sync, fake):
    before = service.store.start_visit(SHOWROOM, 1, at=service.now()).uuid
    pair_as(sync, fake, ANNA)
    uuid, _ = planned(service, 1)
    unplanned_uuid = service.store.start_visit(SHOWROOM, 1, at=service.now()).uuid
    sync.unpair()
    after = service.store.start_visit(SHOWROOM, 1, at=service.now()).uuid
    shoppers = {v.uuid: v.shopper_id for v in service.store.visits()}
    assert [shoppers[u] for u in (before, uuid, unplanned_uuid, after)] == [None, ANNA["id"], ANNA["id"], None]


def test_another_shoppers_visits_and_photos_stay_queued_while_the_new_shoppers_go(service, sync, fake):
    annas = annas_unsent_visits(service, sync, fake)
    pair_as(sync, fake, BORIS)
    boris_uuid, boris_photo = unplanned(service, 3)
    # answer_all's photo is the same bytes in every visit: queued by Anna's, Boris's needs it too.
    shared = {p.sha256 for p in service.visit(boris_uuid).photos} - {boris_photo}
    annas_items = [i for i in service.store.pending_outbox()
                   if i.visit_uuid in annas[::2] and i.photo_sha256 not in shared]
    fake.requests.clear()

    report = sync.sync_now()

    assert asked_about(fake, *annas) == []
    assert fake.stored(boris_uuid, 1) == service.store.revision_payload(boris_uuid, 1)
    assert {boris_photo, *shared} <= fake.complete
    assert (report.refused, report.network_failed, report.held_visits) == ((), False, 2)
    assert not report.complete and report.left_to_send == len(annas_items) == 4
    assert service.store.pending_outbox() == annas_items  # untouched: no attempt, no failure
    assert all((i.attempts, i.last_error, i.failure_kind) == (0, None, None) for i in annas_items)
    status = sync.status()
    assert (status.waiting_revisions, status.waiting_photos, status.held_visits) == (0, [], 2)
    assert status.last_problem is None


def test_pairing_again_as_the_shopper_sends_their_visits_and_photos(service, sync, fake):
    annas = annas_unsent_visits(service, sync, fake)
    pair_as(sync, fake, BORIS)
    sync.sync_now()
    pair_as(sync, fake, ANNA)

    report = sync.sync_now()

    assert report.complete and report.held_visits == 0
    for uuid, photo in zip(annas[::2], annas[1::2]):
        assert fake.stored(uuid, 1) == service.store.revision_payload(uuid, 1)
        assert photo in fake.complete
    assert service.store.pending_outbox() == []


def test_a_visit_made_while_unpaired_goes_with_whoever_pairs_next(service, sync, fake):
    pair_as(sync, fake, ANNA)
    sync.sync_now()
    sync.unpair()
    uuid, photo = unplanned(service, 4)
    pair_as(sync, fake, BORIS)
    assert sync.sync_now().complete
    assert fake.stored(uuid, 1) is not None and photo in fake.complete


def test_only_another_shoppers_items_do_not_make_a_sync_due(service, sync, fake):
    annas_unsent_visits(service, sync, fake)
    pair_as(sync, fake, BORIS)
    sync.sync_now()
    service.clock.advance(60)  # the route was pulled a minute ago
    assert not sync.sync_due()
    unplanned(service, 5)
    assert sync.sync_due()


def test_fieldaudit_sync_exits_1_and_says_why_another_shoppers_visits_are_left(service, folder, sync, fake):
    annas_unsent_visits(service, sync, fake)
    pair_as(sync, fake, BORIS)
    result = run(folder, fake, "sync")
    assert result.exit_code == 1, result.output
    assert ("2 visit(s) made under another shopper's account wait for that account to be paired again"
            in result.output)


# --- the route of the last shopper ------------------------------------------------------------


def route_ids(service: FieldService) -> set[str]:
    today = service.today()
    return {s.assignment.id for s in service.store.stops(today - timedelta(days=30), today + timedelta(days=30))}


@pytest.mark.parametrize("ended", ["unpaired", "revoked", "unpaired, paired before the last shopper was kept"])
def test_pairing_as_another_shopper_removes_the_last_ones_unstarted_stops(service, sync, fake, ended):
    if ended.endswith("kept"):
        pair_directly(service.store)  # only `sync.shopper_id`, as such a phone has it
    else:
        pair_as(sync, fake, ANNA)
    started = next(s for s in service.overview().today if s.assignment.checklist_id == SHOWROOM)
    uuid = service.open_stop(started.assignment.id)
    demo_started = {s.assignment.id for s in service.store.stops(service.today() - timedelta(days=30),
                                                                 service.today()) if s.visit_uuid}
    assert len(route_ids(service)) == 5 and len(demo_started) == 2
    if ended == "revoked":
        fake.revoked.add(state.pairing(service.store, sync.vault).token or "")
        assert sync.sync_now().unpaired
    else:
        sync.unpair()
    assert state.pairing(service.store, sync.vault).shopper_id is None

    pair_as(sync, fake, BORIS)

    assert route_ids(service) == demo_started
    assert service.store.stop(started.assignment.id).visit_uuid == uuid


def test_pairing_again_as_the_same_shopper_removes_nothing(service, sync, fake):
    pair_as(sync, fake, ANNA)
    before = route_ids(service)
    pair_as(sync, fake, ANNA)
    assert route_ids(service) == before
    stop = service.store.stops(service.today(), service.today())[0].assignment
    pair_as(sync, fake, BORIS)
    borises = Assignment.model_validate({**stop.model_dump(), "id": "boris-1"})
    service.store.save_route([], [borises])  # as Boris's pull brings it
    kept = route_ids(service)
    pair_as(sync, fake, BORIS)
    assert route_ids(service) == kept and "boris-1" in kept
