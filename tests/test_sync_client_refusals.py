"""Refused items and automatic runs: a refused photo is not uploaded again by every run in
the background, but once its wait (1 h, doubling per refusal in a row, at most 24 h) is
over; a run the shopper asks for sends it at once; and nothing is due only because of it."""

from __future__ import annotations

from datetime import timedelta

import httpx
from click.testing import CliRunner

from fieldaudit.cli import cli
from field_app.services import FieldService
from field_app.sync import SyncService

from fake_sync_server import FakeServer
from test_sync_client_service import first_automatic_run
from test_sync_client_engine import (  # noqa: F401 (fixtures)
    fake,
    finalized_showroom,
    photo_bytes,
    queued_photos,
    sent,
    sync,
    waits,
)


def refuse_big_photo(service: FieldService, fake: FakeServer, sync: SyncService) -> str:
    """A visit with a large photo that the server refuses as corrupt, after a first run
    (a manual one) that sent everything else."""
    finalized_showroom(service, big_photos=1)
    big = max(queued_photos(service), key=lambda sha: len(photo_bytes(service, sha)))
    fake.refuse_photos[big] = (422, "image_corrupt")
    report = sync.sync_now()
    assert [(r.subject, r.code) for r in report.refused] == [(f"photo {big}", "image_corrupt")]
    assert queued_photos(service) == [big]
    return big


def uploads_of(fake: FakeServer, sha256: str) -> int:
    return sent(fake, "PATCH").count(f"/blobs/{sha256}")


def test_automatic_runs_leave_a_refused_photo_alone_for_an_hour(service, fake, sync):
    big = refuse_big_photo(service, fake, sync)
    refused_at = service.clock.now()
    uploaded = fake.patch_bytes

    service.clock.advance(59 * 60)
    report = sync.sync_now(automatic=True)

    assert uploads_of(fake, big) == 1 and fake.patch_bytes == uploaded
    assert report.refused == () and not report.network_failed and report.left_to_send == 1
    [problem] = sync.status().refused
    assert (problem.code, problem.subject, problem.at) == ("image_corrupt", f"photo {big}", refused_at)
    assert problem.retry_at == refused_at + timedelta(hours=1)
    assert sync.status().last_problem.code == "image_corrupt"  # not a clean run: it is still refused

    service.clock.advance(60)
    report = sync.sync_now(automatic=True)

    assert uploads_of(fake, big) == 2 and fake.patch_bytes == uploaded + len(photo_bytes(service, big))
    assert [r.code for r in report.refused] == ["image_corrupt"]


def test_a_run_the_shopper_asks_for_sends_a_refused_photo_at_once(service, folder, fake, sync):
    big = refuse_big_photo(service, fake, sync)
    sync.sync_now()
    assert uploads_of(fake, big) == 2
    result = CliRunner().invoke(cli, ["sync", "--data", str(folder)], obj={"transport": fake, "sleep": lambda s: None})
    assert result.exit_code == 1 and "image_corrupt" in result.output
    assert uploads_of(fake, big) == 3


def test_the_wait_doubles_with_each_refusal_in_a_row_up_to_a_day(service, fake, sync):
    big = refuse_big_photo(service, fake, sync)
    for hours in (1, 2, 4, 8, 16, 24, 24):
        [problem] = sync.status().refused
        assert problem.retry_at - problem.at == timedelta(hours=hours)
        uploads = uploads_of(fake, big)
        service.clock.advance(hours * 3600 - 1)
        sync.sync_now(automatic=True)
        assert uploads_of(fake, big) == uploads
        service.clock.advance(1)
        sync.sync_now(automatic=True)
        assert uploads_of(fake, big) == uploads + 1


def test_a_network_failure_starts_the_count_of_refusals_again(service, fake, sync):
    big = refuse_big_photo(service, fake, sync)
    sync.sync_now()
    assert sync.status().refused[0].retry_at - service.clock.now() == timedelta(hours=2)
    fake.fail("PATCH", error=httpx.ConnectError, times=4)
    assert sync.sync_now().network_failed
    item = service.store.pending_outbox()[0]
    assert (item.failure_kind, item.refusals) == ("network", 0)
    assert sync.status().refused == []

    uploads = uploads_of(fake, big)
    sync.sync_now(automatic=True)  # a network failure does not wait

    assert uploads_of(fake, big) == uploads + 1
    [problem] = sync.status().refused
    assert problem.retry_at - problem.at == timedelta(hours=1)


def test_an_item_that_goes_through_starts_the_count_again(service):
    item = service.store.pending_outbox()[0]
    service.store.mark_outbox_failed(item.id, "refused", "refused image_corrupt: no")
    service.store.mark_outbox_failed(item.id, "refused", "refused image_corrupt: no")
    assert service.store.pending_outbox()[0].refusals == 2
    service.store.mark_outbox_done(item.id)
    assert service.store.db.execute("SELECT refusals FROM outbox WHERE id = ?", [item.id]).fetchone() == (0,)


def test_a_refused_visit_and_its_photos_wait_together(service, fake, sync):
    revision, photo = service.store.pending_outbox()
    fake.foreign_visits.add(revision.visit_uuid)
    finalized_showroom(service)
    assert [r.code for r in sync.sync_now().refused] == ["not_found"]
    fake.requests.clear()

    report = sync.sync_now(automatic=True)

    assert fake.requests == [("GET", "/sync/pull")]
    assert report.left_to_send == 2
    assert service.store.pending_outbox()[1].failure_kind is None  # the photo was not tried


def test_no_sync_is_due_only_for_refused_items_still_waiting(service, fake, sync):
    refuse_big_photo(service, fake, sync)
    assert not sync.sync_due()
    service.clock.advance(16 * 60)
    assert sync.sync_due()  # the route is due for a pull
    sync.sync_now(automatic=True)
    assert not sync.sync_due()
    service.clock.advance(45 * 60)
    assert sync.sync_due()  # the hour is over


async def test_the_background_loop_leaves_a_refused_photo_alone(service, fake, sync):
    big = refuse_big_photo(service, fake, sync)
    service.clock.advance(16 * 60)  # due for a pull

    finished = await first_automatic_run(sync)

    assert len(finished) == 1 and finished[0].pulled
    assert uploads_of(fake, big) == 1
