"""The route on the phone: dealerships and assignments, and the visit each stop begins."""

from datetime import date

import pytest

from field_app.domain.records import VisitStatus
from field_app.domain.route import Assignment, Dealership
from field_app.store import Store, UnknownAssignmentError

from samples import T0, at, checklist

NORTH = Dealership(code="N1", name="Автоцентр Север", address="ул. Северная, 1", phone="+7 495 000-00-01")
SOUTH = Dealership(code="S1", name="Юг Моторс", city="Москва")


def assignment(id_, day, position, dealer="N1"):
    return Assignment(id=id_, day=day, position=position, dealer_code=dealer,
                      checklist_id="mini_showroom", checklist_version=1)


@pytest.fixture
def routed(fresh_store: Store) -> Store:
    fresh_store.save_checklist(checklist())
    fresh_store.save_route([NORTH, SOUTH], [
        assignment("a2", date(2026, 11, 22), 2, "S1"),
        assignment("a1", date(2026, 11, 22), 1),
        assignment("b1", date(2026, 11, 23), 1),
    ])
    return fresh_store


def test_stops_come_in_day_and_route_order_with_their_dealership(routed: Store):
    stops = routed.stops(date(2026, 11, 22), date(2026, 11, 22))
    assert [(s.assignment.id, s.dealership.name, s.visit_status) for s in stops] == [
        ("a1", "Автоцентр Север", None), ("a2", "Юг Моторс", None)]
    assert len(routed.stops(date(2026, 11, 22), date(2026, 11, 30))) == 3


def test_starting_a_stop_twice_gives_the_same_visit(routed: Store, store_path):
    first = routed.start_assignment("a1", at=T0)
    again = routed.start_assignment("a1", at=at(60))
    assert first.uuid == again.uuid and first.assignment_id == "a1"
    with Store(store_path) as other:
        stop = other.stops(date(2026, 11, 22), date(2026, 11, 22))[0]
        assert (stop.visit_uuid, stop.visit_status) == (first.uuid, VisitStatus.IN_PROGRESS)


def test_a_changed_assignment_replaces_the_old_one(routed: Store):
    moved = assignment("a1", date(2026, 11, 22), 3)
    routed.save_route([], [moved])
    assert [s.assignment.id for s in routed.stops(date(2026, 11, 22), date(2026, 11, 22))] == ["a2", "a1"]


def test_an_unknown_stop_is_a_named_error(routed: Store):
    with pytest.raises(UnknownAssignmentError):
        routed.start_assignment("nope", at=T0)
    assert routed.visits() == []


def test_settings_survive_a_reopen(fresh_store: Store, store_path):
    assert fresh_store.setting("language") is None
    fresh_store.set_setting("language", "en")
    with Store(store_path) as other:
        assert other.setting("language") == "en"


def test_one_stop_is_found_by_its_assignment_whatever_its_day(routed: Store):
    visit = routed.start_assignment("b1", at=T0)
    stop = routed.stop("b1")
    assert (stop.assignment.day, stop.dealership.name, stop.visit_uuid) == (date(2026, 11, 23), "Автоцентр Север", visit.uuid)
    assert routed.stop("nope") is None
