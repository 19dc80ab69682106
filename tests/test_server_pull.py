"""`GET /sync/pull`: the route as changes since a cursor, the dealers and checklist versions
it names, returned visits and open follow-ups."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest

from field_app.domain.route import Dealership
from field_app.domain.workdays import parse_year
from server_stub import admin
from server_stub.calendars import import_calendar_text
from server_stub.errors import ChecklistNotFoundError, UnknownDealerError, UnknownShopperError

from server_support import MINI_SHA, new_uuid, revision, seed_dealers

TODAY = date(2026, 11, 22)  # the test clock's day (samples.DEMO_NOW)


def pull(shopper, since: str | None = None) -> dict:
    answer = shopper.client.get("/sync/pull", params={"since": since} if since is not None else None)
    assert answer.status_code == 200, answer.text
    return answer.json()


def ids(assignments: list[dict]) -> list[str]:
    return [a["id"] for a in assignments]


def test_a_first_pull_gives_the_current_route_with_its_dealers_and_checklists(live_server):
    store = live_server.store
    anna, boris = live_server.shopper("Анна"), live_server.shopper("Борис")
    seed_dealers(store, "D1", "D2", "D3")
    old = admin.assign(store, anna.id, TODAY - timedelta(days=31), "D3", "mini_showroom")
    recent = admin.assign(store, anna.id, TODAY - timedelta(days=30), "D1", "mini_showroom")
    second = admin.assign(store, anna.id, TODAY, "D2", "showroom_visit@1", window="10:00-12:00")
    first = admin.assign(store, anna.id, TODAY, "D1", "mini_showroom", position=0)
    admin.assign(store, boris.id, TODAY, "D3", "mini_showroom")

    body = pull(anna)
    assert ids(body["assignments"]) == [recent.assignment_id, first.assignment_id, second.assignment_id]
    assert old.assignment_id not in ids(body["assignments"])
    assert body["assignments"][2] == {
        "id": second.assignment_id, "day": "2026-11-22", "position": 1, "dealer_code": "D2",
        "checklist_id": "showroom_visit", "checklist_version": 1, "window_start": "10:00", "window_end": "12:00",
        "note": "",
    }
    assert [d["code"] for d in body["dealerships"]] == ["D1", "D2"]
    assert body["dealerships"][0]["city"] == "Москва"
    stamps = {(c["id"], c["version"]): c["sha256"] for c in body["checklists"]}
    assert stamps[("mini_showroom", 1)] == MINI_SHA
    assert stamps[("showroom_visit", 1)] == store.catalog.get("showroom_visit", 1).sha256
    assert body["removed_assignments"] == []
    assert body["server_time"] == "2026-11-22T09:00:00Z"


def test_a_pull_with_the_cursor_gives_only_what_changed(live_server):
    store = live_server.store
    anna = live_server.shopper()
    seed_dealers(store, "D1", "D2")
    first = admin.assign(store, anna.id, TODAY, "D1", "mini_showroom")
    cursor = pull(anna)["cursor"]

    nothing = pull(anna, cursor)
    assert nothing["assignments"] == [] and nothing["removed_assignments"] == []
    assert nothing["cursor"] == cursor

    added = admin.assign(store, anna.id, TODAY + timedelta(days=1), "D2", "mini_showroom")
    admin.withdraw_assignment(store, first.assignment_id)
    changes = pull(anna, cursor)
    assert ids(changes["assignments"]) == [added.assignment_id]
    assert [d["code"] for d in changes["dealerships"]] == ["D2"]
    assert changes["removed_assignments"] == [first.assignment_id]
    assert int(changes["cursor"]) > int(cursor)
    assert pull(anna, changes["cursor"])["assignments"] == []
    # The whole route no longer has the withdrawn stop.
    assert ids(pull(anna)["assignments"]) == [added.assignment_id]


def test_another_shoppers_changes_are_not_in_my_pull(live_server):
    store = live_server.store
    anna, boris = live_server.shopper("Анна"), live_server.shopper("Борис")
    seed_dealers(store, "D1")
    cursor = pull(anna)["cursor"]
    plan = admin.assign(store, boris.id, TODAY, "D1", "mini_showroom")
    admin.withdraw_assignment(store, plan.assignment_id)
    body = pull(anna, cursor)
    assert body["assignments"] == [] and body["removed_assignments"] == []


def test_changed_dealer_details_travel_again_with_their_assignments(live_server):
    store = live_server.store
    anna = live_server.shopper()
    seed_dealers(store, "D1", "D2")
    plan = admin.assign(store, anna.id, TODAY, "D1", "mini_showroom")
    cursor = pull(anna)["cursor"]
    moved = Dealership(code="D1", name="Дилер D1", brand="Kia", city="Москва", address="пр. Мира, 5",
                       phone="+7 495 000-00-00", lat=55.75, lon=37.61)
    report = admin.save_dealers(store, [moved])
    assert (report.inserted, report.updated, report.unchanged) == (0, 1, 0)
    body = pull(anna, cursor)
    assert ids(body["assignments"]) == [plan.assignment_id]
    assert body["dealerships"][0]["address"] == "пр. Мира, 5"


def test_a_bad_cursor_is_an_invalid_request(live_server):
    anna = live_server.shopper()
    for since in ("abc", "-1", "1.5", "9" * 40):
        answer = anna.client.get("/sync/pull", params={"since": since})
        assert answer.status_code == 422, since
        assert answer.json()["code"] == "invalid_request"


def test_a_cursor_from_the_future_starts_over(live_server):
    store = live_server.store
    anna = live_server.shopper()
    seed_dealers(store, "D1")
    plan = admin.assign(store, anna.id, TODAY, "D1", "mini_showroom")
    assert ids(pull(anna, "999999")["assignments"]) == [plan.assignment_id]


def test_a_returned_visit_is_in_every_pull_until_its_next_revision(live_server, clock):
    store = live_server.store
    anna, boris = live_server.shopper("Анна"), live_server.shopper("Борис")
    uuid = new_uuid()
    anna.client.put(f"/visits/{uuid}", json=revision(1))
    clock.advance(3600)
    admin.review_visit(store, uuid, "return", "Нет фото визитки", by="olga")
    body = pull(anna)
    assert body["returned"] == [{"visit_uuid": uuid, "revision": 1, "comment": "Нет фото визитки",
                                 "returned_at": "2026-11-22T10:00:00Z"}]
    assert pull(anna, body["cursor"])["returned"] == body["returned"]
    assert pull(boris)["returned"] == []
    anna.client.put(f"/visits/{uuid}", json=revision(2))
    assert pull(anna)["returned"] == []


def test_an_approval_is_in_every_pull_for_30_days_and_not_after_a_later_revision(live_server, clock):
    store = live_server.store
    anna, boris = live_server.shopper("Анна"), live_server.shopper("Борис")
    approved, returned, corrected = new_uuid(), new_uuid(), new_uuid()
    for uuid in (approved, returned, corrected):
        anna.client.put(f"/visits/{uuid}", json=revision(1))
    clock.advance(3600)
    admin.review_visit(store, approved, "approve", "", by="olga")
    admin.review_visit(store, returned, "return", "Нет фото визитки", by="olga")
    admin.review_visit(store, corrected, "approve", "", by="olga")
    anna.client.put(f"/visits/{corrected}", json=revision(2))  # follow-ups answered: to review again
    body = pull(anna)
    assert body["approved"] == [{"visit_uuid": approved, "revision": 1, "approved_at": "2026-11-22T10:00:00Z"}]
    assert pull(anna, body["cursor"])["approved"] == body["approved"]
    assert pull(boris)["approved"] == []
    clock.advance(30 * 24 * 3600)
    assert pull(anna)["approved"] == body["approved"]
    clock.advance(1)
    assert pull(anna)["approved"] == []  # past that the phone lets the photos go by age


def test_follow_ups_left_open_are_due_hours_after_the_visit_started(live_server):
    anna = live_server.shopper()
    uuid = new_uuid()
    anna.client.put(f"/visits/{uuid}", json=revision(1))
    assert pull(anna)["follow_ups_due"] == [
        {"visit_uuid": uuid, "follow_up_id": "callback", "due_at": "2026-11-24T10:00:00Z"},
    ]
    answered = revision(2, follow_ups={"callback": {"value": True, "answered_at": "2026-11-24T11:00:00Z"}})
    assert anna.client.put(f"/visits/{uuid}", json=answered).status_code == 200
    assert pull(anna)["follow_ups_due"] == []


def test_an_unanswered_follow_up_keeps_its_first_due_date(live_server):
    anna = live_server.shopper()
    uuid = new_uuid()
    anna.client.put(f"/visits/{uuid}", json=revision(1))
    later = revision(2, finalized_at="2026-11-23T08:00:00Z")
    anna.client.put(f"/visits/{uuid}", json=later)
    assert pull(anna)["follow_ups_due"][0]["due_at"] == "2026-11-24T10:00:00Z"


def test_assign_refuses_what_does_not_exist(live_server):
    store = live_server.store
    anna = live_server.shopper()
    seed_dealers(store, "D1")
    with pytest.raises(UnknownShopperError):
        admin.assign(store, "sh_nobody", TODAY, "D1", "mini_showroom")
    with pytest.raises(UnknownDealerError):
        admin.assign(store, anna.id, TODAY, "D9", "mini_showroom")
    with pytest.raises(ChecklistNotFoundError):
        admin.assign(store, anna.id, TODAY, "D1", "mini_showroom@5")
    with pytest.raises(ChecklistNotFoundError):
        admin.assign(store, anna.id, TODAY, "D1", "no_such_checklist")
    assert pull(anna)["assignments"] == []


def test_dealerships_travel_with_their_time_zone(live_server):
    store = live_server.store
    anna = live_server.shopper()
    seed_dealers(store, "D1")
    admin.save_dealers(store, [Dealership(code="VL1", name="Владивосток", brand="Mazda", timezone="Asia/Vladivostok")])
    admin.assign(store, anna.id, TODAY, "D1", "mini_showroom")
    admin.assign(store, anna.id, TODAY, "VL1", "mini_showroom")
    body = pull(anna)
    assert {d["code"]: d["timezone"] for d in body["dealerships"]} == {"D1": "Europe/Moscow",
                                                                       "VL1": "Asia/Vladivostok"}
    # A new time zone is a change of the dealership's details: its stops travel again.
    admin.save_dealers(store, [Dealership(code="VL1", name="Владивосток", brand="Mazda", timezone="Asia/Magadan")])
    changes = pull(anna, body["cursor"])
    assert [(d["code"], d["timezone"]) for d in changes["dealerships"]] == [("VL1", "Asia/Magadan")]


def test_every_pull_carries_the_imported_calendar_years(live_server):
    store = live_server.store
    anna = live_server.shopper()
    first = pull(anna)
    assert first["calendar"] == []
    decree = {"year": 2027, "source": "Постановление (проверочное)",
              "transfers": [{"from": "2027-01-02", "to": "2027-05-04"}]}
    import_calendar_text(store, json.dumps({"years": [decree, {"year": 2028}]}))
    body = pull(anna, first["cursor"])
    assert body["calendar"] == [decree, {"year": 2028, "source": "", "transfers": []}]
    assert pull(anna, body["cursor"])["calendar"] == body["calendar"]  # state, not a change
    # What the phone reads it with.
    assert parse_year(body["calendar"][0]) == parse_year(decree)
