"""The phone's sync against a server process killed (SIGKILL) halfway through a photo, then
started again on the same data and port: the next sync finishes, the visit's revision and
every photo arrive whole and exactly once, and the cut photo goes on from the bytes the
server kept, not from its first byte."""

from __future__ import annotations

import signal
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from field_app.domain.clock import ManualClock, SystemClock
from field_app.sync import state
from field_app.sync.api import ApiClient
from field_app.sync.engine import UPLOADS_IN_FLIGHT
from server_stub.settings import Settings
from server_stub.store import open_store

from cutting_proxy import READ_BYTES, CuttingProxy
from server_support import free_port, start_server, stop_server, wait_for
from sync_support import assert_arrived_once, pair_phone, set_up_showroom, sync_until_done, visit_with_photos

PHOTOS = 20
# Each read of the phone's bytes (16 KB) waits this long in the proxy, about half a second
# a photo: slow enough to catch a photo halfway on any machine, and to kill the server
# before the proxy can pass on the photo's last bytes.
SLOW_LINK_DELAY = 0.05
# Photos already stored at the kill: the phone must not send them again after the restart.
STORED_BEFORE_THE_KILL = 2
# More than the headers of every request after the restart, so that the bytes sent then
# can tell a photo resumed from a photo sent again from its start.
HELD_AT_THE_KILL = 64 * 1024
# Short of the end by this much, the photo needs more reads than the one the proxy may
# be passing on and the one the server may not have written yet.
SHORT_AT_THE_KILL = 3 * READ_BYTES


@pytest.fixture
def clock() -> ManualClock:
    # The server process keeps real time: the route it sends is around its today, and the
    # pairing code expires by it. The phone's "today" must be the same day.
    return ManualClock(SystemClock().now().replace(microsecond=0))


def photo_halfway(uploads: Path, blobs: Path, sizes: dict[str, int]) -> str | None:
    """The sha256 of a photo the server holds part of, within the bounds above, once
    enough photos are stored before it."""
    if sum(1 for _ in blobs.rglob("*.jpg")) < STORED_BEFORE_THE_KILL:
        return None
    for part in uploads.glob("*.part"):
        try:
            held = part.stat().st_size
        except FileNotFoundError:
            continue  # completed and moved into place since the listing
        if HELD_AT_THE_KILL <= held <= sizes[part.stem] - SHORT_AT_THE_KILL:
            return part.stem
    return None


def test_a_visit_arrives_whole_and_once_when_its_server_is_killed_mid_photo_and_restarted(
        tmp_path, server_db, folder, clock):
    settings = Settings(data_dir=tmp_path / "server", db_url=server_db)
    uploads, blobs = settings.data_dir / "uploads", settings.data_dir / "blobs"
    log = tmp_path / "server.log"
    port = free_port()
    with open_store(settings) as store:
        set_up_showroom(store)  # before the process starts: it loads the checklists once
    server = start_server(settings.data_dir, server_db, port, log)
    try:
        with CuttingProxy(port) as proxy:
            with open_store(settings) as store:
                service, sync = pair_phone(store, proxy.url, folder, clock)
            uuid = visit_with_photos(service, PHOTOS)
            sizes = {photo.sha256: photo.bytes for photo in service.visit(uuid).photos}

            cut = ""

            def found_halfway() -> bool:
                nonlocal cut
                cut = photo_halfway(uploads, blobs, sizes) or ""
                return bool(cut)

            proxy.set_delay(SLOW_LINK_DELAY)
            with ThreadPoolExecutor(1) as pool:
                cut_run = pool.submit(sync.sync_now)
                wait_for(found_halfway, timeout=60, what="a photo halfway on the server")
                server.send_signal(signal.SIGKILL)
                server.wait(10)
                # The cut connections then drain at once, long before the count of bytes
                # sent after the restart begins.
                proxy.set_delay(0)
                cut_report = cut_run.result(timeout=60)
            assert cut_report.network_failed and cut_report.left_to_send > 0, cut_report
            # Photos go a few at a time: the others in flight were cut too.
            held = {part.stem: part.stat().st_size for part in uploads.glob("*.part")}
            assert cut in held and len(held) <= UPLOADS_IN_FLIGHT, held
            assert HELD_AT_THE_KILL <= held[cut] < sizes[cut]
            assert all(size < sizes[sha256] for sha256, size in held.items())
            stored = {path.stem for path in blobs.rglob("*.jpg")}
            assert len(stored) >= STORED_BEFORE_THE_KILL

            server = start_server(settings.data_dir, server_db, port, log)
            with ApiClient(f"http://127.0.0.1:{port}", state.pairing(service.store, sync.vault).token) as api:
                assert {sha256: api.blob_state(sha256).offset for sha256 in held} == held
            sent_before = proxy.counts.bytes_up
            sync_until_done(sync)
            sent = proxy.counts.bytes_up - sent_before
        stop_server(server)

        # The other photos the server lacked go whole; what is left of `sent` is the rest
        # of the cut photos and every request's headers: short of it by less than
        # HELD_AT_THE_KILL, which `cut` alone would add were it sent again from its start.
        sent_whole = sum(size for sha256, size in sizes.items() if sha256 not in stored | set(held))
        rest = sum(sizes[sha256] - size for sha256, size in held.items())
        sent_for_cut = sent - sent_whole
        assert rest <= sent_for_cut < rest + HELD_AT_THE_KILL, (
            f"{sent_for_cut} bytes sent for the rest of the cut photos, {rest} bytes; held {held}")
        with open_store(settings) as store:
            assert_arrived_once(store, service, uuid, PHOTOS)
    finally:
        stop_server(server)
