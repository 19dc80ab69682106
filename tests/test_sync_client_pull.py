"""The sync client's pull: the route and the checklists it needs reach the store, checked
by sha256 first; withdrawn stops go unless begun; returned visits are marked with the
coordinator's comment; the cursor is kept only once everything is saved."""

from __future__ import annotations

import json
from datetime import date, timedelta

import httpx
import pytest

from field_app.domain.canonical import checklist_json, checklist_sha256
from field_app.domain.records import VisitStatus
from field_app.services import FieldService
from field_app.sync import RetryPolicy, SyncService
from field_app.sync import state

from samples import checklist
from fake_sync_server import FakeServer, pair_directly, pull_body

MINI = checklist()
DAY = date(2026, 11, 22)
DEALER = {"code": "N1", "name": "Автоцентр Север", "city": "Москва"}


def assignment(id_: str, day: date = DAY, position: int = 1) -> dict:
    return {"id": id_, "day": day.isoformat(), "position": position, "dealer_code": "N1",
            "checklist_id": MINI.id, "checklist_version": MINI.version}


def stamp(sha256: str | None = None) -> dict:
    return {"id": MINI.id, "version": MINI.version, "sha256": sha256 or checklist_sha256(MINI)}


@pytest.fixture
def fake() -> FakeServer:
    server = FakeServer()
    server.checklists[(MINI.id, MINI.version)] = checklist_json(MINI).decode()
    return server


@pytest.fixture
def sync(service: FieldService, fake: FakeServer) -> SyncService:
    pair_directly(service.store)
    return SyncService(service.store, service.photos_dir, clock=service.clock, transport=fake,
                       sleep=lambda s: None, random=lambda: 0.5, policy=RetryPolicy(max_failures=3))


def ids(service: FieldService) -> set[str]:
    return {s.assignment.id for s in service.store.stops(DAY - timedelta(days=30), DAY + timedelta(days=30))}


def test_a_first_pull_saves_dealerships_assignments_and_checklists_then_the_cursor(service, fake, sync):
    fake.pull_body = pull_body(cursor="c1", dealerships=[DEALER], checklists=[stamp()],
                               assignments=[assignment("a1"), assignment("a2", position=2)])

    report = sync.sync_now()

    assert report.pulled and report.refused == ()
    assert fake.pulls == [None]
    assert {"a1", "a2"} <= ids(service)
    stop = service.store.stop("a1")
    assert stop.dealership.name == "Автоцентр Север" and stop.assignment.checklist_id == MINI.id
    assert service.store.checklist(MINI.id, 1) == MINI
    assert state.cursor(service.store) == "c1"
    # The stop opens: its checklist is on the phone.
    assert service.visit(service.open_stop("a1")).checklist == MINI


def test_the_next_pull_sends_the_cursor_and_fetches_no_checklist_the_phone_has(service, fake, sync):
    fake.pull_body = pull_body(cursor="c1", dealerships=[DEALER], checklists=[stamp()], assignments=[assignment("a1")])
    sync.sync_now()
    fake.pull_body = pull_body(cursor="c2", checklists=[stamp()])
    fake.requests.clear()

    sync.sync_now()

    assert fake.pulls == [None, "c1"]
    assert [path for _, path in fake.requests] == ["/sync/pull"]
    assert state.cursor(service.store) == "c2"


def test_a_checklist_with_the_wrong_sha256_is_refused_and_nothing_of_the_pull_is_saved(service, fake, sync):
    tampered = MINI.model_copy(update={"title": "Другое"})
    fake.checklists[(MINI.id, MINI.version)] = checklist_json(tampered).decode()
    fake.pull_body = pull_body(cursor="c1", dealerships=[DEALER], checklists=[stamp()], assignments=[assignment("a1")])
    before = ids(service)

    report = sync.sync_now()

    assert [(r.subject, r.code) for r in report.refused] == [("pull", "checklist_mismatch")]
    assert not report.pulled
    assert ids(service) == before and service.store.stored_checklist_sha256(MINI.id, 1) is None
    assert state.cursor(service.store) is None
    # The finished visit still went out: a bad route does not hold the outbox back.
    assert report.sent_revisions == 1 and report.left_to_send == 0


def test_a_stamp_that_differs_from_the_checklist_the_phone_holds_is_refused(service, fake, sync):
    service.store.save_checklist(MINI)
    fake.pull_body = pull_body(cursor="c1", checklists=[stamp("0" * 64)], dealerships=[DEALER],
                               assignments=[assignment("a1")])
    report = sync.sync_now()
    assert [r.code for r in report.refused] == ["checklist_mismatch"]
    assert "a1" not in ids(service) and state.cursor(service.store) is None


def test_a_checklist_the_server_lacks_refuses_the_pull(service, fake, sync):
    fake.checklists.clear()
    fake.pull_body = pull_body(checklists=[stamp()], dealerships=[DEALER], assignments=[assignment("a1")])
    report = sync.sync_now()
    assert [r.code for r in report.refused] == ["checklist_not_found"]
    assert state.cursor(service.store) is None


def test_withdrawn_assignments_go_unless_their_visit_has_begun(service, fake, sync):
    fake.pull_body = pull_body(cursor="c1", dealerships=[DEALER], checklists=[stamp()],
                               assignments=[assignment("a1"), assignment("a2", position=2)])
    sync.sync_now()
    started = service.open_stop("a2")
    fake.pull_body = pull_body(cursor="c2", removed_assignments=["a1", "a2", "never-had-it"])

    sync.sync_now()

    assert "a1" not in ids(service) and "a2" in ids(service)
    assert service.visit(started).assignment_id == "a2"


def test_a_returned_visit_is_marked_returned_with_the_coordinators_comment(service, fake, sync):
    demo = service.store.pending_outbox()[0].visit_uuid
    sync.sync_now()
    assert service.visit(demo).status == VisitStatus.SYNCED
    returned = {"visit_uuid": demo, "revision": 1, "comment": "Добавьте фото визитки",
                "returned_at": "2026-11-22T08:30:00Z"}
    fake.pull_body = pull_body(cursor="c2", returned=[returned])

    sync.sync_now()

    assert service.visit(demo).status == VisitStatus.RETURNED
    assert sync.returned_comment(demo) == "Добавьте фото визитки"
    note = service.store.return_note(demo)
    assert note.revision == 1 and note.returned_at.isoformat() == "2026-11-22T08:30:00+00:00"
    # The same answer again (a pull cut before its cursor was kept) changes nothing.
    sync.sync_now()
    assert service.visit(demo).status == VisitStatus.RETURNED


def test_a_return_of_a_revision_already_corrected_is_ignored(service, fake, sync):
    demo = service.store.pending_outbox()[0].visit_uuid
    sync.sync_now()
    fake.pull_body = pull_body(returned=[{"visit_uuid": demo, "revision": 2, "comment": "",
                                          "returned_at": "2026-11-22T08:30:00Z"},
                                         {"visit_uuid": "00000000-0000-4000-8000-00000000dead", "revision": 1,
                                          "comment": "", "returned_at": "2026-11-22T08:30:00Z"}])
    report = sync.sync_now()
    assert report.pulled and service.visit(demo).status == VisitStatus.SYNCED
    assert sync.returned_comment(demo) is None


def test_the_cursor_is_not_kept_when_saving_the_pull_fails_half_way(service, fake, sync, monkeypatch):
    fake.pull_body = pull_body(cursor="c1", dealerships=[DEALER], checklists=[stamp()],
                               assignments=[assignment("a1")], removed_assignments=["x"])

    def broken(ids: list[str]) -> list[str]:
        raise RuntimeError("disk full")

    monkeypatch.setattr(service.store, "drop_assignments", broken)
    with pytest.raises(RuntimeError):
        sync.sync_now()
    assert state.cursor(service.store) is None
    monkeypatch.undo()
    assert sync.sync_now().pulled and state.cursor(service.store) == "c1"
    assert fake.pulls == [None, None]


def test_a_pull_the_network_cuts_is_retried_then_given_up_keeping_nothing(service, fake, sync):
    fake.pull_body = pull_body(cursor="c1", dealerships=[DEALER], checklists=[stamp()], assignments=[assignment("a1")])
    fake.fail("GET", "/checklists/", error=httpx.ReadTimeout, times=100)

    report = sync.sync_now()

    assert report.network_failed and not report.pulled and report.sent_revisions == 0
    assert "a1" not in ids(service) and state.cursor(service.store) is None
    assert sync.status().last_problem.kind == "network"


def test_a_503_on_pull_is_retried(service, fake, sync):
    fake.pull_body = pull_body(cursor="c9")
    fake.fail("GET", "/sync/pull", status=503, times=2)
    assert sync.sync_now().complete and state.cursor(service.store) == "c9"


def test_a_route_naming_an_unknown_dealership_is_refused_and_not_saved(service, fake, sync):
    fake.pull_body = pull_body(cursor="c1", checklists=[stamp()], assignments=[assignment("a1")])
    report = sync.sync_now()
    assert [(r.subject, r.code) for r in report.refused] == [("pull", "unexpected_response")]
    assert "a1" not in ids(service) and state.cursor(service.store) is None


def test_fields_a_newer_server_adds_are_ignored_at_every_level(service, fake, sync):
    # The server is upgraded before the phones in the field: its answers may grow.
    body = pull_body(cursor="c1", dealerships=[DEALER | {"rating": 4.5}], checklists=[stamp() | {"size": 10}],
                     assignments=[assignment("a1") | {"priority": "high"}])
    fake.pull_body = body | {"announcement": "Новая версия приложения"}
    report = sync.sync_now()
    assert report.pulled and report.refused == ()
    assert "a1" in ids(service)
    assert service.store.stop("a1").dealership.name == "Автоцентр Север"
    assert state.cursor(service.store) == "c1"


DECREE_2027 = {"year": 2027, "source": "Постановление (тест)",
               "transfers": [{"from": "2027-03-13", "to": "2027-03-05"}]}


def test_the_calendar_years_of_a_pull_are_kept_and_the_dealerships_time_zone_too(service, fake, sync):
    fake.pull_body = pull_body(cursor="c1", dealerships=[DEALER | {"timezone": "Asia/Vladivostok"}],
                               checklists=[stamp()], assignments=[assignment("a1")], calendar=[DECREE_2027])
    assert sync.sync_now().pulled
    calendar = service.store.calendar()
    assert calendar.has_decree(2027) and not calendar.is_working_day(date(2027, 3, 5))
    assert calendar.has_decree(2026)  # the shipped years stay
    assert service.store.stop("a1").dealership.timezone == "Asia/Vladivostok"
    assert service.visit(service.open_stop("a1")).timezone == "Asia/Vladivostok"
    kept = service.store.db.execute("SELECT year, received_at FROM calendar_years").fetchall()

    fake.pull_body = pull_body(cursor="c2", calendar=[DECREE_2027])  # every pull sends every year
    assert sync.sync_now().pulled
    assert service.store.db.execute("SELECT year, received_at FROM calendar_years").fetchall() == kept


def test_a_calendar_year_the_phone_cannot_read_is_left_out_and_the_route_still_arrives(service, fake, sync):
    unreadable = {"year": 2028, "transfers": [{"from": "2028-03-11", "to": "2028-03-10", "reason": "new"}]}
    fake.pull_body = pull_body(cursor="c1", dealerships=[DEALER], checklists=[stamp()], assignments=[assignment("a1")],
                               calendar=[unreadable, DECREE_2027])
    report = sync.sync_now()
    assert report.pulled and report.refused == ()
    assert "a1" in ids(service) and state.cursor(service.store) == "c1"
    assert service.store.calendar().has_decree(2027) and not service.store.calendar().has_decree(2028)


def test_a_checklist_newer_than_the_app_is_left_out_and_the_rest_of_the_route_arrives(service, fake, sync):
    """A coordinator published a version with a question type this app does not know: the
    route still arrives, the stop waits for an updated app, and every pull offers the
    checklist again (the cursor stays) until the phone can take it."""
    newer = json.loads(checklist_json(MINI.model_copy(update={"version": 2})))
    newer["sections"][0]["questions"].append({"id": "call_recording", "text": "Запишите звонок", "type": "hologram"})
    fake.checklists[(MINI.id, 2)] = json.dumps(newer, ensure_ascii=False)
    newer_stamp = {"id": MINI.id, "version": 2, "sha256": "f" * 64}
    on_v2 = dict(assignment("a2", position=2), checklist_version=2)
    fake.pull_body = pull_body(cursor="c1", dealerships=[DEALER], checklists=[stamp(), newer_stamp],
                               assignments=[assignment("a1"), on_v2])

    report = sync.sync_now()

    assert report.pulled and report.refused == ()
    assert {"a1", "a2"} <= ids(service)
    assert service.store.checklist(MINI.id, 1) == MINI
    assert service.store.stored_checklist_sha256(MINI.id, 2) is None
    assert state.cursor(service.store) is None  # not "c1": the next pull offers v2 again

    fake.requests.clear()
    sync.sync_now()
    assert fake.pulls == [None, None]
    assert ("GET", f"/checklists/{MINI.id}/2") in fake.requests

    # The updated app reads it (here: the server's v2 is one this app can read).
    readable = MINI.model_copy(update={"version": 2})
    fake.checklists[(MINI.id, 2)] = checklist_json(readable).decode()
    fake.pull_body = pull_body(cursor="c2", checklists=[stamp(), {**newer_stamp, "sha256": checklist_sha256(readable)}],
                               assignments=[on_v2])
    sync.sync_now()
    assert service.store.checklist(MINI.id, 2) == readable
    assert state.cursor(service.store) == "c2"
    assert service.visit(service.open_stop("a2")).checklist == readable
