"""The phone tells its server which checklists it cannot open (written for a newer app):
once when that set changes, not again while it stays, `[]` once the updated app reads
them; a server without the route, a network failure or a busy server never fails the
sync run, and the report goes with a later pull. Against the fake server, and against the
real one on loopback."""

from __future__ import annotations

import json
from collections.abc import Iterator

import httpx
import pytest

from field_app.app import open_service
from field_app.demo import DEALERSHIPS
from field_app.domain.canonical import checklist_json, checklist_sha256
from field_app.domain.sync_messages import API_PREFIX
from field_app.services import FieldService
from field_app.sync import RetryPolicy, SyncService, state
from server_stub import admin

from fake_sync_server import FakeServer, pair_directly, pull_body
from samples import checklist

MINI = checklist()
NEWER = MINI.model_copy(update={"version": 2})
ROUTE = "/devices/current/unreadable-checklists"
DEALER = {"code": "N1", "name": "Автоцентр Север", "city": "Москва"}


def unreadable(body: str) -> str:
    """The checklist with a question of a type this app does not know, as a newer app's."""
    data = json.loads(body)
    data["sections"][0]["questions"].append({"id": "call_recording", "text": "Запишите звонок", "type": "hologram"})
    return json.dumps(data, ensure_ascii=False)


class ReportingServer(FakeServer):
    """The fake server, knowing the report: what each one said."""

    def __init__(self) -> None:
        super().__init__()
        self.reports: list[list[str]] = []

    def _route(self, request: httpx.Request, path: str) -> httpx.Response:
        if (request.method, path) != ("PUT", ROUTE):
            return super()._route(request, path)
        shopper = self._shopper(request)
        if isinstance(shopper, httpx.Response):
            return shopper
        self.reports.append(json.loads(request.read())["checklists"])
        return httpx.Response(204)


def offer_newer(fake: FakeServer, readable: bool = False) -> None:
    """A route with a stop on MINI@1 and one on MINI@2, which this app reads only when
    `readable` (the app was updated)."""
    body = checklist_json(NEWER).decode()
    fake.checklists[(MINI.id, 1)] = checklist_json(MINI).decode()
    fake.checklists[(MINI.id, 2)] = body if readable else unreadable(body)
    stamps = [{"id": MINI.id, "version": 1, "sha256": checklist_sha256(MINI)},
              {"id": MINI.id, "version": 2, "sha256": checklist_sha256(NEWER)}]
    stops = [{"id": f"a{v}", "day": "2026-11-22", "position": v, "dealer_code": "N1", "checklist_id": MINI.id,
              "checklist_version": v} for v in (1, 2)]
    fake.pull_body = pull_body(cursor="c1", dealerships=[DEALER], checklists=stamps, assignments=stops)


def puts(fake: FakeServer) -> int:
    return fake.requests.count(("PUT", ROUTE))


def syncing(service: FieldService, fake: FakeServer) -> SyncService:
    pair_directly(service.store)
    return SyncService(service.store, service.photos_dir, clock=service.clock, transport=fake,
                       sleep=lambda s: None, random=lambda: 0.5, policy=RetryPolicy(max_failures=3))


@pytest.fixture
def fake() -> ReportingServer:
    return ReportingServer()


def assert_clean(report) -> None:
    assert report.pulled and report.refused == () and not report.network_failed and not report.unpaired


def test_a_checklist_the_app_cannot_open_is_reported_once_while_it_stays_so(service, fake):
    sync = syncing(service, fake)
    offer_newer(fake)

    assert_clean(sync.sync_now())
    assert fake.reports == [[f"{MINI.id}@2"]]

    assert_clean(sync.sync_now())
    assert_clean(sync.sync_now())
    assert fake.reports == [[f"{MINI.id}@2"]]
    assert fake.pulls == [None, None, None]  # the cursor stays: the checklist is offered again


def test_the_updated_app_reports_that_it_reads_everything_once(service, fake):
    sync = syncing(service, fake)
    offer_newer(fake)
    sync.sync_now()

    offer_newer(fake, readable=True)
    assert_clean(sync.sync_now())
    assert service.store.checklist(MINI.id, 2) == NEWER
    fake.pull_body = pull_body(cursor="c2")
    assert_clean(sync.sync_now())

    assert fake.reports == [[f"{MINI.id}@2"], []]
    assert state.unreadable_reported(service.store) == []


def test_a_phone_that_always_read_everything_reports_nothing(service, fake):
    sync = syncing(service, fake)
    offer_newer(fake, readable=True)

    assert_clean(sync.sync_now())
    assert_clean(sync.sync_now())

    assert puts(fake) == 0


def test_a_server_without_the_route_fails_nothing_and_is_asked_again_next_pull(service):
    old_server = FakeServer()  # answers 404 not_found to the report
    sync = syncing(service, old_server)
    offer_newer(old_server)

    first = sync.sync_now()
    second = sync.sync_now()

    assert_clean(first)
    assert_clean(second)
    assert puts(old_server) == 2
    assert state.unreadable_reported(service.store) == []
    assert state.last_problem(service.store) is None
    assert service.store.checklist(MINI.id, 1) == MINI


@pytest.mark.parametrize("failure", [
    {"error": httpx.ConnectError},
    {"status": 503, "code": "internal_error"},
    {"status": 405, "code": "method_not_allowed"},
])
def test_a_report_that_does_not_get_through_goes_with_the_next_pull(service, fake, failure):
    sync = syncing(service, fake)
    offer_newer(fake)
    fake.fail("PUT", ROUTE, **failure)

    assert_clean(sync.sync_now())
    assert fake.reports == []

    assert_clean(sync.sync_now())
    assert fake.reports == [[f"{MINI.id}@2"]]


def test_a_phone_paired_again_reports_again_as_the_new_device_it_is(service, fake):
    sync = syncing(service, fake)
    offer_newer(fake)
    sync.sync_now()

    assert sync.pair("http://sync.test", "PAIR-1234", "Pixel 9") == "Анна Петрова"
    assert_clean(sync.sync_now())

    assert fake.reports == [[f"{MINI.id}@2"], [f"{MINI.id}@2"]]
    assert fake.requests[-1] == ("PUT", ROUTE)


def test_a_revoked_phone_is_unpaired_by_its_report_as_by_any_request(service, fake):
    sync = syncing(service, fake)
    offer_newer(fake)
    fake.fail("PUT", ROUTE, status=401, code="token_revoked")

    report = sync.sync_now()

    assert report.unpaired
    assert not state.pairing(service.store, sync.vault).paired


# --- against the real server -----------------------------------------------------------

class NewerChecklists(httpx.BaseTransport):
    """The real server's answers, but each checklist as a newer app's while `newer`."""

    def __init__(self) -> None:
        self.inner = httpx.HTTPTransport()
        self.newer = True

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = self.inner.handle_request(request)
        if not (self.newer and request.url.path.startswith(API_PREFIX + "/checklists/")):
            return response
        body = response.read().decode()
        response.close()
        return httpx.Response(response.status_code, content=unreadable(body).encode(),
                              headers={"Content-Type": "application/json"})

    def close(self) -> None:
        self.inner.close()


@pytest.fixture
def link() -> Iterator[NewerChecklists]:
    transport = NewerChecklists()
    yield transport
    transport.close()


def test_the_real_server_keeps_what_the_phone_reports_until_the_app_is_updated(live_server, folder, clock, link):
    store = live_server.store
    admin.save_dealers(store, DEALERSHIPS[:1])
    code = admin.create_shopper(store, "Анна Петрова")
    admin.assign(store, code.shopper_id, clock.now().date(), "DEMO-N", MINI.id)
    service = open_service(folder, clock)
    try:
        sync = SyncService(service.store, service.photos_dir, clock=clock, transport=link, sleep=lambda s: None)
        sync.pair(live_server.url, code.pairing_code, "Pixel 8")

        assert_clean(sync.sync_now())
        (phone,) = admin.list_devices(store, code.shopper_id)
        assert phone.unreadable_checklists == (f"{MINI.id}@{MINI.version}",)
        assert phone.unreadable_reported_at == store.now()
        assert admin.shopper_overview(store, code.shopper_id).unreadable_checklists == phone.unreadable_checklists

        link.newer = False  # the app was updated
        assert_clean(sync.sync_now())
        (phone,) = admin.list_devices(store, code.shopper_id)
        assert phone.unreadable_checklists == () and not phone.outdated
        assert service.store.checklist(MINI.id, MINI.version) == MINI
    finally:
        service.store.close()
