"""Today's due follow-ups come from the store's index of open ones (written with each
frozen revision), not from rebuilding every visit done: the same list as the domain's
rule gives visit by visit, at any moment, and for the visits of a phone that had them
before the index existed."""

from __future__ import annotations

import copy
from datetime import date, datetime, timedelta
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlite_utils import Database

from field_app.domain.canonical import canonical_json, checklist_sha256
from field_app.domain.checklist import Checklist
from field_app.domain.clock import ManualClock
from field_app.domain.records import PhotoRef, VisitStatus
from field_app.domain.route import Assignment, Dealership
from field_app.services import FieldService
from field_app.store import Store
from field_app.store import visits as stored_visits
from field_app.store.schema import MIGRATIONS

from samples import SHOWROOM, T0

DATA = copy.deepcopy(SHOWROOM)
DATA["id"] = "follow_up_visit"
DATA["follow_ups"] = [
    {"id": "callback", "text": "Перезвонили?", "type": "yes_no", "due_after_hours": 48},
    # Asked only when there was a test drive.
    {"id": "test_drive_call", "text": "Спросили о тест-драйве?", "type": "yes_no", "due_after_hours": 72,
     "show_if": {"question": "test_drive_now", "in": ["yes", "no"]}},
]
CHECKLIST = Checklist.model_validate(DATA)
DEALERSHIP = Dealership(code="D-1", name="Сервис-Юг")


def hours(n: float) -> datetime:
    return T0 + timedelta(hours=n)


def finish(store: Store, uuid: str, test_drive: str, started: datetime) -> None:
    """Answer what the checklist requires and finalize, an hour after `started`."""
    moment = started + timedelta(minutes=1)
    store.add_photo(uuid, PhotoRef(sha256=f"{uuid[:8]}".ljust(64, "0"), bytes=1000, question_id="front_photo",
                                   taken_at=moment), f"photos/{uuid}.jpg")
    store.answer(uuid, "greeted", True, moment)
    store.timer(uuid, "consultant_wait", "start", moment)
    store.timer(uuid, "consultant_wait", "stop", moment + timedelta(seconds=40))
    store.answer(uuid, "parking", True, moment)
    store.answer(uuid, "test_drive_now", test_drive, moment)
    if test_drive != "none":
        store.answer(uuid, "mirrors", True, moment)
    store.answer(uuid, "rings", 2, moment)
    store.finalize(uuid, started + timedelta(hours=1))


def scanned(service: FieldService) -> list[tuple[str, str, datetime]]:
    """What Today listed before the index: every finalized visit rebuilt and asked."""
    now = service.now()
    found = []
    for summary in service.store.visits():
        visit = service.store.visit(summary.uuid)
        found += [(visit.uuid, due.follow_up.id, due.due_at) for due in visit.follow_ups_due(now) if not due.answered]
    return sorted(found, key=lambda item: item[2])


def listed(service: FieldService) -> list[tuple[str, str, datetime]]:
    return [(item.visit_uuid, item.follow_up.id, item.due_at) for item in service.due_follow_ups()]


def make_service(store: Store, tmp_path: Path) -> FieldService:
    store.save_checklist(CHECKLIST)
    return FieldService(store, ManualClock(T0), tmp_path / "photos")


def test_a_follow_up_is_listed_once_due_with_its_dealership_and_leaves_when_answered(
        fresh_store: Store, tmp_path: Path) -> None:
    service = make_service(fresh_store, tmp_path)
    stop = Assignment(id="a-1", day=date(2026, 11, 22), dealer_code="D-1", checklist_id=CHECKLIST.id,
                      checklist_version=1)
    fresh_store.save_route([DEALERSHIP], [stop])
    uuid = fresh_store.start_assignment("a-1", at=T0).uuid
    finish(fresh_store, uuid, "yes", T0)
    clock = service.clock
    assert isinstance(clock, ManualClock)

    clock.advance(47 * 3600)
    assert service.due_follow_ups() == []
    clock.advance(3600)
    (item,) = service.due_follow_ups()
    assert (item.visit_uuid, item.dealership_name, item.checklist_title) == (uuid, "Сервис-Юг", "Мини-визит")
    assert (item.follow_up.id, item.due_at) == ("callback", hours(48))
    clock.advance(24 * 3600)
    assert [i.follow_up.id for i in service.due_follow_ups()] == ["callback", "test_drive_call"]

    service.answer_follow_ups(uuid, {"callback": True})
    assert [i.follow_up.id for i in service.due_follow_ups()] == ["test_drive_call"]
    service.answer_follow_ups(uuid, {"test_drive_call": False})
    assert service.due_follow_ups() == []
    assert fresh_store.db.execute("SELECT count(*) FROM open_follow_ups").fetchone()[0] == 0


def test_a_follow_up_its_show_if_hides_is_never_listed(fresh_store: Store, tmp_path: Path) -> None:
    service = make_service(fresh_store, tmp_path)
    uuid = fresh_store.start_visit(CHECKLIST.id, 1, at=T0).uuid
    finish(fresh_store, uuid, "none", T0)
    assert isinstance(service.clock, ManualClock)
    service.clock.advance(100 * 3600)
    assert listed(service) == [(uuid, "callback", hours(48))]


def test_a_returned_visit_asks_nothing_until_it_is_finalized_again(fresh_store: Store, tmp_path: Path) -> None:
    service = make_service(fresh_store, tmp_path)
    uuid = fresh_store.start_visit(CHECKLIST.id, 1, at=T0).uuid
    finish(fresh_store, uuid, "none", T0)
    assert isinstance(service.clock, ManualClock)
    service.clock.advance(50 * 3600)
    fresh_store.mark_returned(uuid, comment="фото размыто")
    assert service.due_follow_ups() == []
    fresh_store.reopen(uuid)
    assert service.due_follow_ups() == []
    fresh_store.answer(uuid, "test_drive_now", "no", service.now())
    fresh_store.answer(uuid, "mirrors", False, service.now())
    fresh_store.finalize(uuid, service.now())
    # The correction asks about the test drive now; it falls due 72 hours after the visit began.
    assert listed(service) == [(uuid, "callback", hours(48))]
    service.clock.advance(22 * 3600)
    assert listed(service) == [(uuid, "callback", hours(48)), (uuid, "test_drive_call", hours(72))]


STEP = st.tuples(
    st.sampled_from(["visit", "answer", "return", "wait"]),
    st.sampled_from(["yes", "no", "none"]),
    st.integers(min_value=1, max_value=60),
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=st.lists(STEP, min_size=1, max_size=12))
def test_the_index_lists_what_rebuilding_every_visit_lists(steps: list[tuple[str, str, int]], tmp_path: Path) -> None:
    with Store.memory() as store:
        service = make_service(store, tmp_path)
        clock = service.clock
        assert isinstance(clock, ManualClock)
        for action, choice, wait in steps:
            finalized = [v.uuid for v in store.visits() if v.status in (VisitStatus.FINALIZED, VisitStatus.SYNCED)]
            if action == "visit":
                uuid = store.start_visit(CHECKLIST.id, 1, at=service.now()).uuid
                finish(store, uuid, choice, service.now())
            elif action == "answer" and finalized:
                visit = store.visit(finalized[wait % len(finalized)])
                due = [d.follow_up.id for d in visit.follow_ups_due(service.now()) if not d.answered]
                if due:
                    service.answer_follow_ups(visit.uuid, {due[0]: choice == "yes"})
            elif action == "return" and finalized:
                uuid = finalized[wait % len(finalized)]
                store.mark_returned(uuid)
                if wait % 2:
                    store.reopen(uuid)
                    store.finalize(uuid, service.now())
            clock.advance(wait * 3600)
            assert listed(service) == scanned(service)


def test_a_phone_that_had_visits_before_the_index_lists_the_same_follow_ups(store_path: Path) -> None:
    db = Database(store_path)
    MIGRATIONS.apply(db, stop_before="m006_open_follow_ups")
    # Rows as the code of migrations 1 to 5 wrote them.
    sha = checklist_sha256(CHECKLIST)
    db.execute("INSERT INTO checklists VALUES (?, ?, ?, ?)", [CHECKLIST.id, 1, sha, canonical_json(CHECKLIST).decode()])
    started = "2026-11-22T10:00:00.000000Z"
    done = "2026-11-22T11:00:00.000000Z"
    visits = {
        # uuid: status, revision, its revisions frozen, test drive answer, follow-ups answered
        "00000000-0000-4000-8000-00000000000a": ("finalized", 1, [1], "yes", {}),
        "00000000-0000-4000-8000-00000000000b": ("synced", 2, [1, 2], "no", {"callback": "true"}),
        "00000000-0000-4000-8000-00000000000c": ("synced", 1, [1], "none", {}),
        "00000000-0000-4000-8000-00000000000d": ("returned", 1, [1], "yes", {}),
        "00000000-0000-4000-8000-00000000000e": ("in_progress", 2, [1], "none", {}),  # reopened
        "00000000-0000-4000-8000-00000000000f": ("in_progress", 1, [], "yes", {}),
    }
    for uuid, (status, revision, frozen, test_drive, answered) in visits.items():
        db.execute("INSERT INTO visits VALUES (?, NULL, ?, 1, ?, ?, ?, ?, ?, NULL, ?, NULL)",
                   [uuid, CHECKLIST.id, sha, status, revision, started, done if frozen else None, done])
        db.execute("INSERT INTO answers VALUES (?, 'test_drive_now', ?, 0, '', ?)", [uuid, f'"{test_drive}"', started])
        for follow_up_id, value in answered.items():
            db.execute("INSERT INTO follow_up_answers VALUES (?, ?, ?, '', ?)", [uuid, follow_up_id, value, done])
        for number in frozen:
            db.execute("INSERT INTO revisions VALUES (?, ?, ?, ?, ?)", [uuid, number, b"{}", "0" * 64, done])
    db.close()

    with Store(store_path) as store:
        assert MIGRATIONS.pending(store.db) == []
        service = FieldService(store, ManualClock(hours(100)), store_path.parent / "photos")
        assert listed(service) == [
            ("00000000-0000-4000-8000-00000000000a", "callback", hours(48)),
            ("00000000-0000-4000-8000-00000000000c", "callback", hours(48)),
            ("00000000-0000-4000-8000-00000000000a", "test_drive_call", hours(72)),
            ("00000000-0000-4000-8000-00000000000b", "test_drive_call", hours(72)),
        ]
        assert listed(service) == scanned(service)
        # The returned one is indexed too: it is asked again once sent again.
        returned = store.db.execute(
            "SELECT follow_up_id FROM open_follow_ups WHERE visit_uuid = ? ORDER BY rowid",
            ["00000000-0000-4000-8000-00000000000d"]).fetchall()
        assert returned == [("callback",), ("test_drive_call",)]


def test_today_s_reads_rebuild_no_visit_done(fresh_store: Store, tmp_path: Path, monkeypatch) -> None:
    service = make_service(fresh_store, tmp_path)
    for day in range(30):
        uuid = fresh_store.start_visit(CHECKLIST.id, 1, at=service.now()).uuid
        finish(fresh_store, uuid, "yes", service.now())
        assert isinstance(service.clock, ManualClock)
        service.clock.advance(24 * 3600)
    expected = listed(service)
    assert len(expected) == 29 + 28  # due 48 and 72 hours after each visit began, a day apart
    rebuilt: list[str] = []
    load = stored_visits.load
    monkeypatch.setattr(stored_visits, "load", lambda *args: rebuilt.append(args[1]) or load(*args))
    fresh_store._visits.clear()  # nothing cached either
    assert listed(service) == expected
    service.overview()
    assert rebuilt == []
