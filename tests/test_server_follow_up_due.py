"""When the server says a follow-up falls due: by its rule at the visit's dealership (found
through the revision's assignment: its time zone and brand) and by the server's production
calendar (the shipped decrees with the imported years). On SQLite and PostgreSQL."""

from __future__ import annotations

import copy
import json
from datetime import date

from field_app.domain.canonical import checklist_sha256
from field_app.domain.route import Dealership
from field_app.domain.workdays import shipped_calendar
from server_stub import admin
from server_stub.calendars import import_calendar_text

from samples import SHOWROOM, checklist
from server_support import new_uuid, revision

TODAY = date(2026, 11, 22)
# Thursday 19 November 2026, 18:00 in Moscow, already Friday 01:00 in Vladivostok.
STARTED = "2026-11-19T15:00:00Z"


def due_checklist():
    data = copy.deepcopy(SHOWROOM)
    data["id"] = "due_showroom"
    data["follow_ups"] = [{
        "id": "callback", "text": "Перезвонили в течение двух рабочих дней?", "type": "yes_no",
        "due": {"anchor": "start", "within_working_days": 2},
        "brands": {"Mazda": {"anchor": "start", "within_working_days": 5}},
    }]
    return checklist(data)


DUE = due_checklist()


def visit(assignment_id: str | None) -> dict:
    return revision(assignment_id=assignment_id, started_at=STARTED, finalized_at="2026-11-19T15:50:00Z",
                    checklist={"id": DUE.id, "version": DUE.version, "sha256": checklist_sha256(DUE)})


def due_moments(shopper) -> dict[str, str]:
    answer = shopper.client.get("/sync/pull")
    assert answer.status_code == 200, answer.text
    return {f["visit_uuid"]: f["due_at"] for f in answer.json()["follow_ups_due"]}


def send(shopper, assignment_id: str | None) -> str:
    uuid = new_uuid()
    answer = shopper.client.put(f"/visits/{uuid}", json=visit(assignment_id))
    assert answer.status_code == 200, answer.text
    return uuid


def test_working_days_are_counted_in_the_dealerships_time_zone_and_by_its_brand(live_server):
    store = live_server.store
    store.catalog.publish(DUE, store.now())
    admin.save_dealers(store, [
        Dealership(code="MSK", name="Киа Москва", brand="Kia"),
        Dealership(code="VLD", name="Киа Владивосток", brand="Kia", timezone="Asia/Vladivostok"),
        Dealership(code="MZD", name="Мазда Владивосток", brand="mazda", timezone="Asia/Vladivostok"),
    ])
    anna = live_server.shopper()
    stops = {code: admin.assign(store, anna.id, TODAY, code, "due_showroom").assignment_id
             for code in ("MSK", "VLD", "MZD")}
    moscow, vladivostok, mazda = (send(anna, stops[code]) for code in ("MSK", "VLD", "MZD"))
    unplanned = send(anna, None)

    assert due_moments(anna) == {
        # Moscow: the 2nd working day after Thursday the 19th is Monday the 23rd; it ends at
        # midnight in Moscow.
        moscow: "2026-11-23T21:00:00Z",
        # Vladivostok: the visit began on Friday there, so Tuesday the 24th, to its midnight.
        vladivostok: "2026-11-24T14:00:00Z",
        # Mazda's own rule: 5 working days, to the end of Friday the 27th in Vladivostok.
        mazda: "2026-11-27T14:00:00Z",
        # No assignment, no dealership: Moscow's zone.
        unplanned: "2026-11-23T21:00:00Z",
    }


def test_an_imported_year_moves_the_due_moment_of_visits_waiting_and_sent_after_it(live_server):
    store = live_server.store
    store.catalog.publish(DUE, store.now())
    admin.save_dealers(store, [Dealership(code="MSK", name="Киа Москва", brand="Kia")])
    anna = live_server.shopper()
    stop = admin.assign(store, anna.id, TODAY, "MSK", "due_showroom").assignment_id
    before = send(anna, stop)
    assert due_moments(anna) == {before: "2026-11-23T21:00:00Z"}

    # 2026 as shipped, and Monday the 23rd a day off in return for Saturday the 28th.
    decree = shipped_calendar().years[2026].to_json()
    decree["transfers"].append({"from": "2026-11-28", "to": "2026-11-23"})
    import_calendar_text(store, json.dumps(decree))
    after = send(anna, stop)

    assert due_moments(anna) == {before: "2026-11-24T21:00:00Z", after: "2026-11-24T21:00:00Z"}


def test_a_dealership_moved_to_another_zone_or_brand_moves_its_waiting_follow_ups(live_server):
    store = live_server.store
    store.catalog.publish(DUE, store.now())
    admin.save_dealers(store, [Dealership(code="VLD", name="Киа Владивосток", brand="Kia"),
                               Dealership(code="MSK", name="Киа Москва", brand="Kia")])
    anna = live_server.shopper()
    there, here = (send(anna, admin.assign(store, anna.id, TODAY, code, "due_showroom").assignment_id)
                   for code in ("VLD", "MSK"))
    assert due_moments(anna) == {there: "2026-11-23T21:00:00Z", here: "2026-11-23T21:00:00Z"}

    admin.edit_dealer(store, Dealership(code="VLD", name="Киа Владивосток", brand="Kia",
                                        timezone="Asia/Vladivostok"))
    assert due_moments(anna) == {there: "2026-11-24T14:00:00Z", here: "2026-11-23T21:00:00Z"}
    admin.edit_dealer(store, Dealership(code="VLD", name="Мазда Владивосток", brand="Mazda",
                                        timezone="Asia/Vladivostok"))
    assert due_moments(anna) == {there: "2026-11-27T14:00:00Z", here: "2026-11-23T21:00:00Z"}
