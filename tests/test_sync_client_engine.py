"""The sync client's push: finalized revisions and their photos reach the server once, a
cut upload resumes where the server's copy ends, refusals and network failures are told
apart, and progress never goes backwards."""

from __future__ import annotations

import io
import json
import random
import tracemalloc

import httpx
import pytest
from PIL import Image

from field_app.domain.records import VisitStatus
from field_app.services import FieldService
from field_app.sync import NotPairedError, RetryPolicy, SyncProgress, SyncService
from field_app.sync.uploads import CHUNK_BYTES

from samples import answer_all
from fake_sync_server import TOKEN, FakeServer, pair_directly


def noisy_jpeg(seed: int, size: tuple[int, int] = (900, 700)) -> bytes:
    """A photo that compresses badly: several hundred KB, so an upload has many chunks."""
    pixels = random.Random(seed).randbytes(size[0] * size[1] * 3)
    buffer = io.BytesIO()
    Image.frombytes("RGB", size, pixels).save(buffer, "JPEG", quality=90)
    return buffer.getvalue()


def finalized_showroom(service: FieldService, *, big_photos: int = 0) -> str:
    """Today's showroom visit, answered, with `big_photos` extra large photos, finalized."""
    stop = next(s for s in service.overview().today if s.assignment.checklist_id == "showroom_visit")
    uuid = service.open_stop(stop.assignment.id)
    answer_all(service, uuid)
    for i in range(big_photos):
        service.add_photo(uuid, "photo_facade", noisy_jpeg(i))
    service.finalize(uuid)
    return uuid


@pytest.fixture
def fake() -> FakeServer:
    return FakeServer()


@pytest.fixture
def waits() -> list[float]:
    return []


@pytest.fixture
def sync(service: FieldService, fake: FakeServer, waits: list[float]) -> SyncService:
    pair_directly(service.store)
    return SyncService(service.store, service.photos_dir, clock=service.clock, transport=fake,
                       sleep=waits.append, random=lambda: 1.0, policy=RetryPolicy(max_failures=4))


def photo_bytes(service: FieldService, sha256: str) -> bytes:
    return service.photo_path(sha256).read_bytes()


def queued_photos(service: FieldService) -> list[str]:
    return [i.photo_sha256 for i in service.store.pending_outbox() if i.kind == "photo"]


def sent(fake: FakeServer, method: str) -> list[str]:
    return [path for m, path in fake.requests if m == method]


# --- one run, once -----------------------------------------------------------------------


def test_a_finalized_visit_with_photos_reaches_the_server_exactly_once(service, fake, sync):
    uuid = finalized_showroom(service, big_photos=1)
    photos = queued_photos(service)
    assert len(photos) == 3  # the demo visit's photo, answer_all's, the big one

    report = sync.sync_now()

    assert report.complete and report.sent_revisions == 2 and report.sent_photos == 3
    assert fake.stored(uuid, 1) == service.store.revision_payload(uuid, 1)
    for sha256 in photos:
        assert bytes(fake.blobs[sha256]) == photo_bytes(service, sha256)
    assert service.store.pending_outbox() == []
    assert service.visit(uuid).status == VisitStatus.SYNCED
    assert fake.patch_offsets == [0, 0, 0]

    fake.requests.clear()
    again = sync.sync_now()
    assert (again.sent_revisions, again.sent_photos, again.bytes_sent) == (0, 0, 0)
    assert [m for m, _ in fake.requests] == ["GET"]  # the pull only


def test_bytes_sent_are_the_payloads_and_the_photos(service, fake, sync):
    uuid = finalized_showroom(service)
    sizes = [len(service.store.revision_payload(i.visit_uuid, i.revision))
             for i in service.store.pending_outbox() if i.kind == "visit_revision"]
    sizes += [len(photo_bytes(service, sha256)) for sha256 in queued_photos(service)]
    report = sync.sync_now()
    assert report.bytes_sent == sum(sizes)
    assert fake.stored(uuid, 1) is not None


def test_an_answer_lost_on_the_way_back_is_sent_again_and_taken_as_the_same_revision(service, fake, sync, waits):
    uuid = finalized_showroom(service)
    fake.fail("PUT", f"/visits/{uuid}", lose_answer=True)

    report = sync.sync_now()

    assert report.complete and report.refused == ()
    assert sent(fake, "PUT").count(f"/visits/{uuid}") == 2
    assert fake.visits[uuid] == {1: service.store.revision_payload(uuid, 1)}
    assert len(waits) == 1


def test_photos_the_server_already_has_are_marked_done_without_uploading(service, fake, sync):
    uuid = finalized_showroom(service)
    for sha256 in queued_photos(service):
        fake.complete.add(sha256)
    report = sync.sync_now()
    assert report.complete and report.sent_photos == 0
    assert sent(fake, "PATCH") == [] and sent(fake, "HEAD") == []
    assert fake.stored(uuid, 1) is not None


def test_a_photo_never_sent_goes_in_one_request_without_asking_first(service, fake, sync):
    finalized_showroom(service, big_photos=1)
    photos = queued_photos(service)

    report = sync.sync_now()

    assert report.complete and report.sent_photos == 3
    assert sent(fake, "HEAD") == []
    assert sorted(sent(fake, "PATCH")) == sorted(f"/blobs/{sha}" for sha in photos)
    assert fake.patch_offsets == [0, 0, 0]


def test_a_photo_whose_revision_went_in_an_earlier_run_is_sent_without_asking_when_nothing_went(
        service, fake, sync):
    finalized_showroom(service, big_photos=1)
    fake.fail("PATCH", error=httpx.ConnectError, times=100)
    first = sync.sync_now()
    assert first.network_failed and first.sent_revisions == 2
    fake.faults.clear()
    fake.requests.clear()

    second = sync.sync_now()

    assert second.complete and second.sent_photos == 3
    assert sent(fake, "PUT") == []
    assert sent(fake, "HEAD") == []  # not a byte went: the server holds nothing of them


def test_a_photo_cut_in_an_earlier_run_is_resumed_after_asking_the_server(service, fake, sync):
    finalized_showroom(service, big_photos=1)
    photos = queued_photos(service)
    big = max(photos, key=lambda sha: len(photo_bytes(service, sha)))
    fake.fail("PATCH", f"/blobs/{big}", cut_after=100_000)
    fake.fail("HEAD", error=httpx.ConnectError, times=100)  # the link is gone after the cut
    first = sync.sync_now()
    assert first.network_failed and queued_photos(service) == [big]
    fake.faults.clear()
    fake.requests.clear()
    fake.patch_offsets.clear()

    second = sync.sync_now()

    assert second.complete and bytes(fake.blobs[big]) == photo_bytes(service, big)
    assert sent(fake, "HEAD") == [f"/blobs/{big}"]
    assert fake.patch_offsets == [100_000]


def test_a_photo_whose_last_known_offset_is_midway_is_asked_about_after_a_restart(service, fake, sync):
    finalized_showroom(service, big_photos=1)
    photos = queued_photos(service)
    big = max(photos, key=lambda sha: len(photo_bytes(service, sha)))
    fake.fail("PATCH", f"/blobs/{big}", cut_after=100_000)
    fake.fail("HEAD", f"/blobs/{big}", error=httpx.ConnectError, times=100)
    sync.sync_now()
    fake.faults.clear()
    fake.requests.clear()
    fake.patch_offsets.clear()
    # The app restarts: what this process knew is gone; the store keeps an offset midway.
    service.store.record_upload_offset(big, 50_000, len(photo_bytes(service, big)))
    restarted = SyncService(service.store, service.photos_dir, clock=service.clock, transport=fake,
                            sleep=lambda seconds: None)

    assert restarted.sync_now().complete
    assert sent(fake, "HEAD") == [f"/blobs/{big}"] and fake.patch_offsets == [100_000]


def test_a_photo_two_visits_hold_goes_once_though_photos_go_several_at_a_time(service, fake, sync):
    # answer_all's photo is the same bytes in every visit: its two outbox items must not
    # go side by side, and the second needs no upload once the first is whole.
    first = finalized_showroom(service)
    second = service.store.start_visit("showroom_visit", 1, at=service.now()).uuid
    answer_all(service, second)
    service.finalize(second)
    shared = {p.sha256 for p in service.visit(first).photos} & {p.sha256 for p in service.visit(second).photos}
    assert shared

    report = sync.sync_now()

    assert report.complete and service.store.pending_outbox() == []
    patches = sent(fake, "PATCH")
    assert all(f"/blobs/{sha256}" in patches for sha256 in shared)
    assert len(patches) == len(set(patches)) and sent(fake, "HEAD") == []  # each photo once, no 409


# --- cuts, resumes and backoff ----------------------------------------------------------


def test_an_upload_cut_again_and_again_resumes_from_the_servers_offset(service, fake, sync, waits):
    finalized_showroom(service, big_photos=1)
    sizes = {sha: len(photo_bytes(service, sha)) for sha in queued_photos(service)}
    big = max(sizes, key=sizes.get)
    assert sizes[big] > 300_000
    cuts = 6  # more cuts than the policy's 4 failures in a row: each one moved the offset
    fake.fail("PATCH", f"/blobs/{big}", cut_after=sizes[big] // (cuts + 2), times=cuts)

    report = sync.sync_now()

    assert report.complete
    assert bytes(fake.blobs[big]) == photo_bytes(service, big)
    patches = [path for method, path in fake.requests if method == "PATCH"]
    offsets = [offset for offset, path in zip(fake.patch_offsets, patches) if path.endswith(big)]
    assert offsets[0] == 0 and offsets == sorted(offsets) and len(set(offsets)) == cuts + 1
    # Never resent from 0: what went twice is at most what was in flight at each cut.
    revisions = sum(len(p) for held in fake.visits.values() for p in held.values())
    photo_sent = report.bytes_sent - revisions - (sum(sizes.values()) - sizes[big])
    assert sizes[big] <= photo_sent <= sizes[big] + cuts * CHUNK_BYTES
    assert waits == [RetryPolicy().base_s] * cuts  # each cut is a first failure again


def test_a_link_that_moves_nothing_gives_up_after_the_policys_failures_in_a_row(service, fake, sync, waits):
    finalized_showroom(service, big_photos=1)
    fake.fail("PATCH", cut_after=0, times=1000)

    report = sync.sync_now()

    assert report.network_failed and not report.refused and report.sent_revisions == 2
    assert waits == [0.5, 1.0, 2.0]  # 4 failures in a row: 3 waits, doubling, then give up
    assert report.left_to_send == 3
    first = service.store.pending_outbox()[0]
    assert first.last_error.startswith("network ")
    problem = sync.status().last_problem
    assert problem.kind == "network" and problem.code == "remote_protocol_error"


def test_connect_errors_and_503_are_retried_with_growing_waits(service, fake, sync, waits):
    finalized_showroom(service)
    fake.fail("PUT", error=httpx.ConnectError, times=2)
    fake.fail("PUT", status=503, code="internal_error")
    report = sync.sync_now()
    assert report.complete and waits == [0.5, 1.0, 2.0]


def test_a_server_busy_with_retry_after_is_waited_for(service, fake, sync, waits):
    fake.fail("GET", "/sync/pull", status=429, headers={"Retry-After": "7"})
    assert sync.sync_now().complete
    assert waits == [7.0]


def test_an_offset_mismatch_resumes_from_the_offset_the_server_gives(service, fake, sync):
    finalized_showroom(service, big_photos=1)
    big = max(queued_photos(service), key=lambda sha: len(photo_bytes(service, sha)))
    data = photo_bytes(service, big)
    fake.photo_sizes[big] = len(data)
    fake.blobs[big] = bytearray(data[:50_000])
    service.store.record_upload_offset(big, 20_000, len(data))  # sent before: asked about
    # A stale HEAD (a cache on the way): it says 0, the server's copy has 50 000 bytes.
    fake.fail("HEAD", f"/blobs/{big}", status=200, headers={"Upload-Offset": "0"})

    report = sync.sync_now()

    assert report.complete and bytes(fake.blobs[big]) == data
    assert sent(fake, "HEAD") == [f"/blobs/{big}"]
    assert fake.patch_offsets.count(0) == 3 and 50_000 in fake.patch_offsets


def test_a_revoked_token_stops_the_run_and_unpairs_the_phone(service, fake, sync):
    finalized_showroom(service)
    before = service.store.pending_outbox()
    fake.revoked.add(TOKEN)

    report = sync.sync_now()

    assert report.unpaired and not report.network_failed and report.sent_revisions == 0
    assert [(r.subject, r.code) for r in report.refused] == [("device", "token_revoked")]
    assert service.store.pending_outbox() == before
    status = sync.status()
    assert not status.paired and status.server_url == "http://sync.test"
    assert (status.last_problem.kind, status.last_problem.code) == ("unpaired", "token_revoked")
    with pytest.raises(NotPairedError):
        sync.sync_now()


# --- refusals ----------------------------------------------------------------------------


def test_a_revision_conflict_is_refused_and_the_next_visit_still_goes(service, fake, sync):
    demo = service.store.pending_outbox()[0].visit_uuid
    fake.visits[demo] = {1: b'{"revision": 1, "other": "content"}'}
    uuid = finalized_showroom(service)

    report = sync.sync_now()

    assert [(r.subject, r.code) for r in report.refused] == [(f"visit {demo} r1", "revision_conflict")]
    assert not report.network_failed and report.sent_revisions == 1
    assert fake.stored(uuid, 1) == service.store.revision_payload(uuid, 1)
    assert service.visit(demo).status == VisitStatus.FINALIZED
    status = sync.status()
    assert [(p.kind, p.code, p.subject) for p in status.refused] == [
        ("refused", "revision_conflict", f"visit {demo} r1")]
    assert status.last_problem.kind == "refused" and status.last_success_at is None


def test_a_refused_photo_does_not_block_the_others(service, fake, sync):
    finalized_showroom(service, big_photos=1)
    first, *others = queued_photos(service)
    fake.refuse_photos[first] = (422, "image_corrupt")

    report = sync.sync_now()

    assert [(r.subject, r.code) for r in report.refused] == [(f"photo {first}", "image_corrupt")]
    assert all(sha in fake.complete for sha in others) and first not in fake.complete
    assert queued_photos(service) == [first]
    assert report.left_to_send == 1 and not report.complete
    assert sent(fake, "PATCH").count(f"/blobs/{first}") == 1  # refused, not retried in a loop


def test_a_photo_file_damaged_on_the_phone_is_refused_without_uploading(service, fake, sync):
    finalized_showroom(service)
    first = queued_photos(service)[0]
    path = service.photo_path(first)
    path.write_bytes(path.read_bytes()[:-10])

    report = sync.sync_now()

    assert [(r.subject, r.code) for r in report.refused] == [(f"photo {first}", "photo_damaged")]
    assert f"/blobs/{first}" not in sent(fake, "PATCH")


def test_network_failure_and_refusal_are_reported_apart(service, fake, sync):
    demo = service.store.pending_outbox()[0].visit_uuid
    fake.foreign_visits.add(demo)
    finalized_showroom(service)
    fake.fail("PATCH", error=httpx.ConnectTimeout, times=100)

    report = sync.sync_now()

    assert [r.code for r in report.refused] == ["not_found"]
    assert report.network_failed and "timed out" in report.network_error
    status = sync.status()
    assert status.last_problem.kind == "network"
    assert [p.code for p in status.refused] == ["not_found"]


# --- progress ----------------------------------------------------------------------------


def test_progress_is_monotonic_in_bytes_and_reaches_the_total(service, fake, sync):
    finalized_showroom(service, big_photos=2)
    photos = queued_photos(service)
    big = max(photos, key=lambda sha: len(photo_bytes(service, sha)))
    fake.fail("PATCH", f"/blobs/{big}", cut_after=200_000, times=2)
    seen: list[SyncProgress] = []

    report = sync.sync_now(on_progress=seen.append)

    assert report.complete
    phases = [p.phase for p in seen]
    assert phases[0] == "pull" and phases[-1] == "done"
    assert phases.index("visits") < phases.index("photos") < phases.index("done")
    done = [p.bytes_done for p in seen]
    assert done == sorted(done) and seen[-1].bytes_done == seen[-1].bytes_total
    assert len({p.bytes_total for p in seen}) == 1
    for sha256 in photos:
        per_photo = [p.photo_bytes_done for p in seen if p.photo_sha256 == sha256]
        assert per_photo == sorted(per_photo)
    big_progress = [p for p in seen if p.photo_sha256 == big]
    assert big_progress[-1].photo_bytes_done == big_progress[-1].photo_bytes_total
    assert len(big_progress) >= len(photo_bytes(service, big)) // CHUNK_BYTES  # reported while sending


def test_a_failing_progress_callback_does_not_stop_the_sync(service, fake, sync):
    finalized_showroom(service)

    def broken(progress: SyncProgress) -> None:
        raise RuntimeError("the screen is gone")

    assert sync.sync_now(on_progress=broken).complete


def test_status_shows_how_far_a_cut_photo_has_got_on_the_server(service, fake, sync):
    finalized_showroom(service, big_photos=1)
    big = max(queued_photos(service), key=lambda sha: len(photo_bytes(service, sha)))
    fake.fail("PATCH", f"/blobs/{big}", cut_after=100_000)
    fake.fail("PATCH", f"/blobs/{big}", error=httpx.WriteError, times=100)

    sync.sync_now()

    waiting = {p.sha256: p for p in sync.status().waiting_photos}
    assert waiting[big].sent == 100_000 and waiting[big].bytes == len(photo_bytes(service, big))
    status = sync.status()
    assert status.waiting_revisions == 0
    assert status.waiting_bytes == sum(p.bytes - p.sent for p in status.waiting_photos)


def test_the_payload_on_the_wire_is_the_frozen_json(service, fake, sync):
    uuid = finalized_showroom(service)
    sync.sync_now()
    payload = json.loads(fake.stored(uuid, 1))
    assert payload["revision"] == 1 and payload["checklist"]["id"] == "showroom_visit"


def test_a_photo_the_server_holds_part_of_goes_on_from_the_offset_its_409_names(service, fake, sync):
    finalized_showroom(service, big_photos=1)
    big = max(queued_photos(service), key=lambda sha: len(photo_bytes(service, sha)))
    data = photo_bytes(service, big)
    fake.photo_sizes[big] = len(data)
    fake.blobs[big] = bytearray(data[:100_000])
    seen: list[SyncProgress] = []

    report = sync.sync_now(on_progress=seen.append)

    assert report.complete and bytes(fake.blobs[big]) == data
    patches = [path for method, path in fake.requests if method == "PATCH"]
    # Never sent by this phone, so not asked about: the 409 says where the copy ends.
    assert [o for o, p in zip(fake.patch_offsets, patches) if p.endswith(big)] == [0, 100_000]
    first = next(p for p in seen if p.photo_sha256 == big and p.photo_bytes_done)
    assert first.photo_bytes_done == 100_000  # the bar starts where the server's copy ends


def test_a_token_revoked_between_pull_and_push_leaves_the_outbox_as_it_was(service, fake, sync):
    fake.fail("PUT", status=401, code="token_revoked")
    report = sync.sync_now()
    assert report.pulled and report.unpaired and report.sent_revisions == 0
    assert all(item.last_error is None for item in service.store.pending_outbox())
    assert not sync.status().paired


# --- memory ------------------------------------------------------------------------------


class _Forgetful(FakeServer):
    """Takes photo bodies chunk by chunk and keeps none of them, so that the heap measured
    is the client's."""

    def _patch(self, request: httpx.Request, sha256: str) -> httpx.Response:
        size = self.photo_sizes[sha256]
        received = int(request.headers["Upload-Offset"]) + sum(len(chunk) for chunk in request.stream)
        if received == size:
            self.complete.add(sha256)
        return httpx.Response(204, headers={"Upload-Offset": str(received), "Tus-Resumable": "1.0.0"})


def test_photos_in_flight_cost_a_few_chunks_of_memory_not_the_photos(service):
    stop = next(s for s in service.overview().today if s.assignment.checklist_id == "showroom_visit")
    uuid = service.open_stop(stop.assignment.id)
    answer_all(service, uuid)
    for i in range(2):  # 1600x1200 of noise: about 1.5 MB each
        service.add_photo(uuid, "photo_facade", noisy_jpeg(i, (1600, 1200)))
    service.finalize(uuid)
    sizes = [len(photo_bytes(service, sha)) for sha in queued_photos(service)]
    pair_directly(service.store)
    sync = SyncService(service.store, service.photos_dir, clock=service.clock, transport=_Forgetful())
    tracemalloc.start()
    try:
        base = tracemalloc.get_traced_memory()[0]
        report = sync.sync_now()
        peak = tracemalloc.get_traced_memory()[1] - base
    finally:
        tracemalloc.stop()
    assert report.complete and report.sent_photos == len(sizes)
    # Three photos in flight, a chunk or two each (and the file check's block): well under
    # one photo of these (about 300 KB measured, against 1.5 MB photos).
    assert peak < 12 * CHUNK_BYTES < sum(sorted(sizes)[-3:]), peak
