"""The sync client and a server that answers 5xx: one item the server fails on does not keep
the others from going out, two in a row stop the run, and a lost connection stops it at once."""

from __future__ import annotations

import httpx

from field_app.services import FieldService

from samples import answer_all
from test_sync_client_engine import fake, finalized_showroom, queued_photos, sent, sync, waits  # noqa: F401 (fixtures)


def demo_items(service: FieldService) -> tuple[str, str]:
    """The demo route's finalized visit, first in the outbox, and its one photo."""
    revision, photo = service.store.pending_outbox()
    assert (revision.kind, photo.kind) == ("visit_revision", "photo")
    return revision.visit_uuid, photo.photo_sha256


def finalized_call(service: FieldService) -> str:
    stop = next(s for s in service.overview().today if s.assignment.checklist_id == "dealer_call")
    uuid = service.open_stop(stop.assignment.id)
    answer_all(service, uuid)
    service.finalize(uuid)
    return uuid


def test_a_visit_the_server_fails_on_does_not_keep_the_next_ones_and_their_photos_back(service, fake, sync):
    demo, demo_photo = demo_items(service)
    uuid = finalized_showroom(service, big_photos=1)
    others = [sha for sha in queued_photos(service) if sha != demo_photo]
    fake.fail("PUT", f"/visits/{demo}", status=500, times=1000)

    report = sync.sync_now()

    assert fake.stored(uuid, 1) == service.store.revision_payload(uuid, 1)
    assert len(others) == 2 and all(sha in fake.complete for sha in others)
    assert (report.sent_revisions, report.sent_photos) == (1, 2) and not report.refused
    assert report.network_failed and report.left_to_send == 2
    assert sent(fake, "PUT").count(f"/visits/{demo}") == 4  # the policy's 4 attempts, then the next item
    assert f"/blobs/{demo_photo}" not in sent(fake, "HEAD") + sent(fake, "PATCH")  # waits for its visit
    revision, photo = service.store.pending_outbox()
    assert (revision.visit_uuid, revision.failure_kind, photo.photo_sha256) == (demo, "network", demo_photo)
    assert sync.status().last_problem.kind == "network" and sync.status().refused == []

    fake.faults.clear()  # the server is fixed
    later = sync.sync_now(automatic=True)

    assert later.complete and later.sent_revisions == 1 and later.sent_photos == 1
    assert fake.stored(demo, 1) == service.store.revision_payload(demo, 1) and demo_photo in fake.complete


def test_two_visits_in_a_row_answering_503_stop_the_run(service, fake, sync):
    demo, _ = demo_items(service)
    showroom = finalized_showroom(service)
    call = finalized_call(service)
    fake.fail("PUT", status=503, times=1000)

    report = sync.sync_now()

    # The second gets one attempt: the backoff's failures in a row run on from the first.
    assert sent(fake, "PUT") == [f"/visits/{demo}"] * 4 + [f"/visits/{showroom}"]
    assert f"/visits/{call}" not in sent(fake, "PUT")
    assert sent(fake, "HEAD") == sent(fake, "PATCH") == []
    assert report.network_failed and report.left_to_send == len(service.store.pending_outbox()) == 6  # the call's recording among them


def test_two_photos_in_a_row_answering_503_stop_the_run(service, fake, sync):
    finalized_showroom(service, big_photos=1)
    photos = queued_photos(service)
    fake.fail("PATCH", status=503, times=1000)

    report = sync.sync_now()

    # The three go at once and share the run's count of failures in a row: the policy's 4
    # attempts in all, then one more for each photo still in flight, and the run stops.
    patches = sent(fake, "PATCH")
    assert set(patches) == {f"/blobs/{sha}" for sha in photos} and len(patches) <= 4 + 2
    assert report.sent_revisions == 2 and report.network_failed and report.left_to_send == 3


def test_a_lost_connection_still_stops_the_run_at_once(service, fake, sync):
    demo, _ = demo_items(service)
    showroom = finalized_showroom(service)
    fake.fail("PUT", f"/visits/{demo}", error=httpx.ConnectError, times=1000)

    report = sync.sync_now()

    assert sent(fake, "PUT") == [f"/visits/{demo}"] * 4
    assert fake.stored(showroom, 1) is None and sent(fake, "HEAD") == []
    assert report.network_failed and report.left_to_send == 4


def test_an_item_the_server_answers_gives_the_next_one_its_retries_again(service, fake, sync):
    demo, _ = demo_items(service)
    showroom = finalized_showroom(service)
    call = finalized_call(service)
    fake.fail("PUT", f"/visits/{demo}", status=500, times=1000)
    fake.visits[showroom] = {1: b'{"revision": 1, "other": "content"}'}
    fake.fail("PUT", f"/visits/{call}", status=503)

    report = sync.sync_now()

    assert [r.code for r in report.refused] == ["revision_conflict"]
    assert fake.stored(call, 1) == service.store.revision_payload(call, 1)
    assert sent(fake, "PUT").count(f"/visits/{call}") == 2
