"""What the screens and the CLI use of sync: status, pairing, unpairing, one run at a time,
the reachability probe, the background loop, and `fieldaudit sync` / `fieldaudit pair`."""

from __future__ import annotations

import asyncio
import threading

import httpx
import pytest
from click.testing import CliRunner

from fieldaudit.cli import cli
from field_app.domain.sync_messages import PairRequest
from field_app.services import FieldService
from field_app.store import Store
from field_app.sync import (
    InvalidServerUrlError,
    NetworkError,
    NotPairedError,
    RetryPolicy,
    ServerRefusedError,
    SyncReport,
    SyncService,
    auto_sync,
)
from field_app.sync import state
from field_app.sync.vault import SettingsVault

from fake_sync_server import SHOPPER, TOKEN, FakeServer, pair_directly


@pytest.fixture
def fake() -> FakeServer:
    return FakeServer()


def make_sync(service: FieldService, transport: httpx.BaseTransport, **kwargs) -> SyncService:
    return SyncService(service.store, service.photos_dir, clock=service.clock, transport=transport,
                       sleep=lambda s: None, random=lambda: 0.5, **kwargs)


@pytest.fixture
def sync(service: FieldService, fake: FakeServer) -> SyncService:
    return make_sync(service, fake)


# --- status ------------------------------------------------------------------------------


def test_an_unpaired_phone_shows_what_waits_and_no_server(service, sync):
    status = sync.status()
    assert not status.paired and status.server_url is None and status.shopper_name is None
    assert status.waiting_revisions == 1 and len(status.waiting_photos) == 1
    photo = status.waiting_photos[0]
    assert photo.bytes == service.photo_path(photo.sha256).stat().st_size and photo.sent == 0
    payload = service.store.pending_outbox()[0]
    assert status.waiting_bytes == photo.bytes + len(service.store.revision_payload(payload.visit_uuid, 1))
    assert status.last_success_at is None and status.last_problem is None and status.refused == []
    assert not status.running


def test_a_clean_run_records_its_time_and_clears_the_waiting(service, sync):
    pair_directly(service.store)
    assert sync.sync_now().complete
    status = sync.status()
    assert status.paired and status.shopper_name == SHOPPER["name"]
    assert (status.waiting_revisions, status.waiting_photos, status.waiting_bytes) == (0, [], 0)
    assert status.last_success_at == service.clock.now() and status.last_problem is None


# --- pairing -----------------------------------------------------------------------------


def test_pairing_keeps_the_token_and_says_whose_phone_it_is(service, fake, sync):
    assert sync.pair("http://sync.test/", " PAIR-1234 ", "Pixel 7") == SHOPPER["name"]
    pairing = state.pairing(service.store, sync.vault)
    assert pairing.paired and pairing.token in fake.tokens and pairing.device_name == "Pixel 7"
    assert pairing.server_url == "http://sync.test"
    assert sync.sync_now().complete  # the new token works


def test_a_bad_code_is_refused_and_nothing_is_kept(service, sync):
    with pytest.raises(ServerRefusedError) as caught:
        sync.pair("http://sync.test", "WRONG-CODE", "Pixel 7")
    assert caught.value.code == "pairing_code_unknown"
    assert not sync.status().paired


def test_pairing_without_a_network_is_a_network_error(service, fake, sync):
    fake.fail("POST", error=httpx.ConnectError, times=3)
    with pytest.raises(NetworkError):
        sync.pair("http://sync.test", "PAIR-1234", "Pixel 7")
    assert fake.requests.count(("POST", "/devices/pair")) == 3  # retried, then given up
    with pytest.raises(InvalidServerUrlError):
        sync.pair("sync.test", "PAIR-1234", "Pixel 7")
    assert not sync.status().paired


def test_pairing_again_starts_from_a_full_pull(service, fake, sync):
    pair_directly(service.store)
    sync.sync_now()
    assert state.cursor(service.store) == "c1"
    sync.pair("http://sync.test", "PAIR-1234", "Pixel 7")
    assert state.cursor(service.store) is None


def test_unpairing_tells_the_server_and_forgets_the_token_but_keeps_the_outbox(service, fake, sync):
    pair_directly(service.store)
    fake.fail("PUT", error=httpx.ConnectError, times=100)
    sync.sync_now()
    queued = service.store.pending_outbox()

    sync.unpair()

    assert TOKEN in fake.revoked
    status = sync.status()
    assert not status.paired and status.server_url == "http://sync.test" and status.shopper_name is None
    assert state.cursor(service.store) is None
    assert [i.id for i in service.store.pending_outbox()] == [i.id for i in queued]
    with pytest.raises(NotPairedError):
        sync.sync_now()


def test_unpairing_offline_still_forgets_the_token(service, fake, sync):
    pair_directly(service.store)
    fake.fail("DELETE", error=httpx.ConnectError)
    sync.unpair()
    assert not sync.status().paired and TOKEN not in fake.revoked


# --- one run at a time ---------------------------------------------------------------------


class GatedTransport(httpx.BaseTransport):
    """Holds the first request until the test opens the gate."""

    def __init__(self, inner: httpx.BaseTransport) -> None:
        self.inner = inner
        self.entered = threading.Event()
        self.gate = threading.Event()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self.entered.set()
        assert self.gate.wait(10)
        return self.inner.handle_request(request)


def test_a_second_sync_now_waits_for_the_running_one_and_gets_its_report(service, fake):
    pair_directly(service.store)
    gated = GatedTransport(fake)
    sync = make_sync(service, gated)
    reports: list[SyncReport] = []
    first = threading.Thread(target=lambda: reports.append(sync.sync_now()))
    first.start()
    assert gated.entered.wait(10)
    assert sync.status().running
    second = threading.Thread(target=lambda: reports.append(sync.sync_now()))
    second.start()
    gated.gate.set()
    first.join(10)
    second.join(10)
    assert len(reports) == 2 and reports[0] is reports[1]
    assert [m for m, _ in fake.requests].count("PUT") == 1
    assert not sync.status().running


def test_sync_now_on_an_unpaired_phone_says_so(sync):
    with pytest.raises(NotPairedError):
        sync.sync_now()
    assert not sync.status().running


# --- reachability and the background loop -----------------------------------------------------


def test_the_server_is_reachable_only_when_paired_and_answering(service, fake, sync):
    assert not sync.server_reachable()
    pair_directly(service.store)
    assert sync.server_reachable()
    fake.fail("GET", "/health", error=httpx.ConnectTimeout)
    assert not sync.server_reachable()
    fake.fail("GET", "/health", status=503)
    assert not sync.server_reachable()


def test_a_sync_is_due_when_something_waits_or_the_route_is_stale(service, sync):
    assert not sync.sync_due()  # not paired
    pair_directly(service.store)
    assert sync.sync_due()
    sync.sync_now()
    assert not sync.sync_due()
    service.clock.advance(16 * 60)
    assert sync.sync_due()


async def first_automatic_run(sync: SyncService) -> list[SyncReport]:
    """The background loop's reports until its first run, after which it is told to stop."""
    stop = asyncio.Event()
    finished: list[SyncReport] = []

    def on_finish(report: SyncReport) -> None:
        finished.append(report)
        stop.set()

    await asyncio.wait_for(auto_sync(sync, interval_s=0.01, on_finish=on_finish, stop=stop), 10)
    return finished


async def test_auto_sync_sends_when_the_server_answers_and_stops_when_told(service, fake):
    pair_directly(service.store)
    fake.fail("GET", "/health", error=httpx.ConnectError, times=2)
    sync = make_sync(service, fake)

    finished = await first_automatic_run(sync)

    assert len(finished) == 1 and finished[0].complete
    assert [p for m, p in fake.requests].count("/health") == 3
    assert service.store.pending_outbox() == []


async def test_auto_sync_waits_longer_after_runs_the_network_cut(service, fake, monkeypatch):
    pair_directly(service.store)
    fake.fail("PUT", error=httpx.ConnectError, times=1000)
    sync = make_sync(service, fake, policy=RetryPolicy(max_failures=1))
    stop = asyncio.Event()
    waits: list[float] = []
    real_wait_for = asyncio.wait_for

    async def recording_wait_for(awaitable, timeout):
        waits.append(timeout)
        if len(waits) == 4:
            stop.set()
        return await real_wait_for(awaitable, 0)

    monkeypatch.setattr(asyncio, "wait_for", recording_wait_for)
    await auto_sync(sync, interval_s=1, stop=stop, random=lambda: 1.0)

    assert waits == [1 + 1, 1 + 2, 1 + 4, 1 + 8]


async def test_auto_sync_does_nothing_while_unpaired(service, fake):
    sync = make_sync(service, fake)
    stop = asyncio.Event()
    task = asyncio.create_task(auto_sync(sync, interval_s=0.01, stop=stop))
    await asyncio.sleep(0.1)
    stop.set()
    await asyncio.wait_for(task, 5)
    assert fake.requests == []


# --- the command line -----------------------------------------------------------------------


def run(folder, fake, *args: str):
    return CliRunner().invoke(cli, [*args, "--data", str(folder)],
                              obj={"transport": fake, "sleep": lambda s: None})


def test_fieldaudit_sync_exits_0_when_everything_went(service, folder, fake):
    pair_directly(service.store)
    result = run(folder, fake, "sync")
    assert result.exit_code == 0, result.output
    assert "sent 1 visit revision(s) and 1 photo(s)" in result.output
    assert "left to send: 0" in result.output
    assert service.store.pending_outbox() == []


def test_fieldaudit_sync_exits_1_when_something_was_refused(service, folder, fake):
    pair_directly(service.store)
    fake.foreign_visits.add(service.store.pending_outbox()[0].visit_uuid)
    result = run(folder, fake, "sync")
    assert result.exit_code == 1
    assert "refused: visit" in result.output and "not_found" in result.output


def test_fieldaudit_sync_exits_1_when_the_network_failed(service, folder, fake):
    pair_directly(service.store)
    fake.fail("GET", error=httpx.ConnectError, times=1000)
    result = run(folder, fake, "sync")
    assert result.exit_code == 1
    assert "not everything went, what is left goes next time" in result.output and "left to send: 2" in result.output


def test_fieldaudit_sync_exits_2_when_not_paired_or_unpaired_by_the_server(service, folder, fake):
    result = run(folder, fake, "sync")
    assert result.exit_code == 2 and "not paired" in result.output
    pair_directly(service.store)
    fake.revoked.add(TOKEN)
    result = run(folder, fake, "sync")
    assert result.exit_code == 2 and "pair it again" in result.output


def test_fieldaudit_pair_then_sync(folder, fake):
    result = run(folder, fake, "pair", "--server", "http://sync.test", "--code", "PAIR-1234",
                 "--device-name", "laptop")
    assert result.exit_code == 0 and SHOPPER["name"] in result.output
    with Store(folder / "field.db") as store:
        assert state.pairing(store, SettingsVault(store)).device_name == "laptop"
    assert run(folder, fake, "sync").exit_code == 0


def test_fieldaudit_pair_with_a_bad_code_exits_1_with_the_reason(folder, fake):
    result = run(folder, fake, "pair", "--server", "http://sync.test", "--code", "NOPE-0000")
    assert result.exit_code == 1 and "pairing_code_unknown" in result.output
    result = run(folder, fake, "pair", "--server", "sync.test", "--code", "PAIR-1234")
    assert result.exit_code == 2 and "--server" in result.output


def test_a_pairing_attempt_id_is_the_same_on_every_retry_and_differs_elsewhere(service, tmp_path, clock):
    from field_app.app import open_service

    first = state.pairing_attempt(service.store, "http://sync.test", "ABCD-EFGH")
    assert state.pairing_attempt(service.store, "http://sync.test", " abcdefgh ") == first  # as the server reads codes
    assert state.pairing_attempt(service.store, "http://sync.test", "ABCD-EFGJ") != first
    assert state.pairing_attempt(service.store, "http://other.test", "ABCD-EFGH") != first
    another_phone = open_service(tmp_path / "other", clock)
    assert state.pairing_attempt(another_phone.store, "http://sync.test", "ABCD-EFGH") != first
    another_phone.store.close()
    # What the server accepts as an attempt id (PairRequest).
    assert PairRequest(code="ABCD-EFGH", device_name="Pixel", attempt=first).attempt == first
