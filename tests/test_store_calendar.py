"""Where a visit takes place, as the store builds it: its stop's dealership's time zone and
brand, and the phone's production calendar (the shipped decrees and the years pulled).
Follow-ups count working days by them, so the index of open follow-ups is counted again
when a calendar year or a dealership's time zone changes."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from pathlib import Path

from sqlite_utils import Database

from field_app.domain.checklist import Checklist
from field_app.domain.due import DEFAULT_TIMEZONE
from field_app.domain.route import Assignment, Dealership
from field_app.domain.workdays import parse_year, shipped_calendar
from field_app.store import Store
from field_app.store.schema import MIGRATIONS

UTC = timezone.utc
CALLBACK = Checklist.model_validate({
    "id": "callback_check", "version": 1, "title": "Сервис", "channel": "visit",
    "sections": [{"id": "return", "title": "Возврат", "questions": [
        {"id": "car_collected_at", "text": "Когда вы забрали автомобиль?", "type": "datetime"},
    ]}],
    "follow_ups": [
        {"id": "callback", "text": "Вам позвонили?", "type": "yes_no",
         "due": {"anchor": {"question": "car_collected_at"}, "within_working_days": 2},
         "brands": {"Mazda": {"anchor": {"question": "car_collected_at"}, "after_hours": 72}}},
    ],
})
MOSCOW = Dealership(code="MSK", name="Москва Авто", brand="Kia")  # the default time zone
VLADIVOSTOK = Dealership(code="VVO", name="Восток Авто", brand="Kia", timezone="Asia/Vladivostok")
DAY = date(2026, 11, 19)
# Thursday 19:00 in Moscow is already Friday 02:00 in Vladivostok.
COLLECTED = datetime(2026, 11, 19, 16, 0, tzinfo=UTC)
# 8 March 2027 is a Monday (a holiday); a decree of 2027 the app does not ship could move more.
DECREE_2027 = {"year": 2027, "source": "test decree", "transfers": [{"from": "2027-03-13", "to": "2027-03-05"}]}


def stop(code: str, id_: str | None = None) -> Assignment:
    return Assignment(id=id_ or f"a-{code}", day=DAY, dealer_code=code, checklist_id=CALLBACK.id, checklist_version=1)


def finished(store: Store, assignment_id: str | None, collected: datetime = COLLECTED) -> str:
    """A visit whose car was collected at `collected`, finalized an hour later."""
    if assignment_id is None:
        uuid = store.start_visit(CALLBACK.id, 1, at=collected).uuid
    else:
        uuid = store.start_assignment(assignment_id, at=collected).uuid
    store.answer(uuid, "car_collected_at", collected.isoformat(), collected)
    store.finalize(uuid, collected + timedelta(hours=1))
    return uuid


def indexed(store: Store, uuid: str) -> datetime:
    [(due_at,)] = store.db.execute("SELECT due_at FROM open_follow_ups WHERE visit_uuid = ?", [uuid]).fetchall()
    return datetime.fromisoformat(due_at)


def test_a_visit_is_built_with_its_dealerships_time_zone_brand_and_the_calendar(memory_store: Store) -> None:
    memory_store.save_checklist(CALLBACK)
    memory_store.save_route([VLADIVOSTOK], [stop("VVO")])
    assert memory_store.stop("a-VVO").dealership.timezone == "Asia/Vladivostok"
    begun = memory_store.start_assignment("a-VVO", at=COLLECTED)
    again = memory_store.visit(begun.uuid)
    for visit in (begun, again):
        assert (visit.timezone, visit.brand) == ("Asia/Vladivostok", "Kia")
        assert visit.calendar == shipped_calendar()
    unplanned = memory_store.start_visit(CALLBACK.id, 1, at=COLLECTED)
    assert (unplanned.timezone, unplanned.brand) == (DEFAULT_TIMEZONE, "")


def test_working_days_are_counted_in_the_dealerships_time_zone(memory_store: Store) -> None:
    memory_store.save_checklist(CALLBACK)
    memory_store.save_route([MOSCOW, VLADIVOSTOK], [stop("MSK"), stop("VVO")])
    in_moscow, in_vladivostok = finished(memory_store, "a-MSK"), finished(memory_store, "a-VVO")
    callback = CALLBACK.follow_ups[0]

    # Collected on Thursday in Moscow: Friday and Monday, asked at Tuesday's midnight there.
    moscow_due = datetime(2026, 11, 23, 21, 0, tzinfo=UTC)
    # The same moment is Friday in Vladivostok: Monday and Tuesday, asked at Wednesday's midnight.
    vladivostok_due = datetime(2026, 11, 24, 14, 0, tzinfo=UTC)
    assert memory_store.visit(in_moscow).follow_up_due_at(callback) == moscow_due
    assert memory_store.visit(in_vladivostok).follow_up_due_at(callback) == vladivostok_due
    assert (indexed(memory_store, in_moscow), indexed(memory_store, in_vladivostok)) == (moscow_due, vladivostok_due)
    assert [r.visit_uuid for r in memory_store.due_follow_ups(vladivostok_due)] == [in_moscow, in_vladivostok]


def test_a_dealership_that_moves_to_another_time_zone_moves_its_open_follow_ups(memory_store: Store) -> None:
    memory_store.save_checklist(CALLBACK)
    memory_store.save_route([MOSCOW], [stop("MSK"), stop("MSK", "a-MSK-2")])
    open_, answered = finished(memory_store, "a-MSK"), finished(memory_store, "a-MSK-2")
    memory_store.answer_follow_ups(answered, {"callback": True}, COLLECTED + timedelta(days=5))
    assert indexed(memory_store, open_) == datetime(2026, 11, 23, 21, 0, tzinfo=UTC)

    # A pull says the dealership is in Vladivostok (a phone upgraded before the server sent zones).
    memory_store.save_route([MOSCOW.model_copy(update={"timezone": "Asia/Vladivostok"})], [])
    assert indexed(memory_store, open_) == datetime(2026, 11, 24, 14, 0, tzinfo=UTC)
    assert memory_store.visit(open_).timezone == "Asia/Vladivostok"
    assert memory_store.db.execute(
        "SELECT count(*) FROM open_follow_ups WHERE visit_uuid = ?", [answered]).fetchone()[0] == 0

    # and a new brand its rule: 72 hours from the collection
    memory_store.save_route([MOSCOW.model_copy(update={"timezone": "Asia/Vladivostok", "brand": "MAZDA"})], [])
    assert indexed(memory_store, open_) == COLLECTED + timedelta(hours=72)


def test_an_unknown_time_zone_counts_in_the_default_one_and_never_stops_a_visit(memory_store: Store) -> None:
    memory_store.save_checklist(CALLBACK)
    memory_store.save_route([MOSCOW.model_copy(update={"code": "BAD", "timezone": "Mars/Olympus"})], [stop("BAD")])
    uuid = finished(memory_store, "a-BAD")
    assert memory_store.visit(uuid).timezone == DEFAULT_TIMEZONE
    assert indexed(memory_store, uuid) == datetime(2026, 11, 23, 21, 0, tzinfo=UTC)


def test_calendar_years_from_a_pull_are_kept_and_a_year_that_comes_again_replaces_its_own(
        fresh_store: Store, store_path: Path) -> None:
    assert fresh_store.calendar() == shipped_calendar()
    assert fresh_store.save_calendar([parse_year(DECREE_2027)]) == [2027]
    assert fresh_store.calendar().has_decree(2027)
    assert not fresh_store.calendar().is_working_day(date(2027, 3, 5))
    assert fresh_store.save_calendar([parse_year(DECREE_2027)]) == []  # every pull sends it: no write

    changed = {**DECREE_2027, "transfers": [{"from": "2027-03-13", "to": "2027-03-12"}]}
    assert fresh_store.save_calendar([parse_year(changed)]) == [2027]
    assert fresh_store.calendar().is_working_day(date(2027, 3, 5))
    assert not fresh_store.calendar().is_working_day(date(2027, 3, 12))
    # a pulled year replaces the shipped one of the same year, and the shipped others stay
    assert fresh_store.save_calendar([parse_year({"year": 2026, "transfers": []})]) == [2026]
    assert fresh_store.calendar().years[2026].transfers == ()
    assert fresh_store.calendar().years[2025] == shipped_calendar().years[2025]

    with Store(store_path) as reopened:  # kept in the file, and seen by another connection
        assert reopened.calendar() == fresh_store.calendar()
        reopened.save_calendar([parse_year(DECREE_2027)])
    assert not fresh_store.calendar().is_working_day(date(2027, 3, 5))


def test_a_new_calendar_year_moves_the_due_moments_of_open_follow_ups_only(memory_store: Store) -> None:
    memory_store.save_checklist(CALLBACK)
    memory_store.save_route([MOSCOW], [stop("MSK"), stop("MSK", "a-MSK-2"), stop("MSK", "a-MSK-3")])
    thursday = datetime(2027, 3, 4, 9, 0, tzinfo=UTC)  # 12:00 in Moscow
    open_ = finished(memory_store, "a-MSK", thursday)
    answered = finished(memory_store, "a-MSK-2", thursday)
    memory_store.answer_follow_ups(answered, {"callback": False}, thursday + timedelta(days=9))
    corrected = finished(memory_store, "a-MSK-3", thursday)
    memory_store.mark_returned(corrected)
    memory_store.reopen(corrected)  # being corrected: its next revision counts its own
    # Friday 5th and (Monday 8th being a holiday) Tuesday 9th: asked at Wednesday's midnight.
    before = datetime(2027, 3, 9, 21, 0, tzinfo=UTC)
    assert indexed(memory_store, open_) == before == indexed(memory_store, corrected)

    memory_store.save_calendar([parse_year(DECREE_2027)])  # Friday 5th becomes a day off

    after = datetime(2027, 3, 10, 21, 0, tzinfo=UTC)
    assert indexed(memory_store, open_) == after
    assert memory_store.visit(open_).follow_up_due_at(CALLBACK.follow_ups[0]) == after
    assert memory_store.db.execute(
        "SELECT count(*) FROM open_follow_ups WHERE visit_uuid = ?", [answered]).fetchone()[0] == 0
    assert indexed(memory_store, corrected) == before
    memory_store.finalize(corrected, thursday + timedelta(hours=2))
    assert indexed(memory_store, corrected) == after


def test_a_store_made_before_time_zones_keeps_its_dealerships_in_moscow(store_path: Path) -> None:
    db = Database(store_path)
    MIGRATIONS.apply(db, stop_before="m008_time_zones_and_calendar")
    db.execute("INSERT INTO dealerships (code, name, brand) VALUES ('OLD', 'Старый дилер', 'Lada')")
    db.close()
    with Store(store_path) as store:
        assert MIGRATIONS.pending(store.db) == []
        store.save_checklist(CALLBACK)
        store.save_route([], [stop("OLD")])
        assert store.stop("a-OLD").dealership.timezone == DEFAULT_TIMEZONE
        store.save_route([VLADIVOSTOK.model_copy(update={"code": "OLD"})], [])  # the next pull
        assert store.stop("a-OLD").dealership.timezone == "Asia/Vladivostok"
        assert store.calendar() == shipped_calendar()
