"""Each visit's summary and the tally of standards met: worked out when a revision arrives
or is reviewed, each visit counted under its status and the month of its start on its
dealership's clock, and the same as working them out again from every stored revision."""

from __future__ import annotations

import json
from collections import Counter
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import text

from field_app.domain.records import VisitRevision
from field_app.domain.route import Dealership
from server_stub import admin, devices
from server_stub.devices import pair
from server_stub.migrations import migrate
from server_stub.standards import key_of
from server_stub.summaries import resummarize_all
from server_stub.visits import put_revision, review_visit

from server_support import DAY, MINI, new_uuid, publish_mini, revision, seed_dealers

# The tally's keys of two items of the mini checklist: without a ref, each is its version's own.
GREETED, MIRRORS = (key_of(MINI.version, MINI.question(i)) for i in ("greeted", "mirrors"))


def shopper_device(store, name="Анна"):
    code = admin.create_shopper(store, name)
    token = pair(store, code.pairing_code, "Pixel").token
    with store.db.read() as conn:
        return devices.recognise(conn, token)


def tally(store, statuses=("received", "approved")) -> dict[tuple[str, str], tuple[int, int]]:
    """(dealership, item key) -> (met, counted) over the visits of `statuses`, from what
    each visit keeps; checked against the month tally of all dealerships on the way."""
    assert month_tally(store) == month_tally_from_visits(store)
    found: Counter = Counter()
    with store.db.read() as conn:
        rows = conn.execute(text("SELECT v.dealer_code, v.status, s.items FROM visits v "
                                 "JOIN visit_standards s ON s.visit_uuid = v.uuid WHERE v.dealer_code IS NOT NULL"))
        for row in rows:
            if row.status in statuses:
                for item, met in json.loads(row.items).items():
                    found[row.dealer_code, item, "met"] += met
                    found[row.dealer_code, item, "counted"] += 1
    return {(d, i): (found[d, i, "met"], n) for (d, i, kind), n in found.items() if kind == "counted"}


def month_tally(store) -> dict[tuple, tuple[int, int]]:
    with store.db.read() as conn:
        rows = conn.execute(text("SELECT checklist_id, month, status, item_id, met, counted FROM month_tally "
                                 "WHERE counted <> 0 OR met <> 0"))
        return {(r.checklist_id, r.month, r.status, r.item_id): (int(r.met), int(r.counted)) for r in rows}


def month_tally_from_visits(store) -> dict[tuple, tuple[int, int]]:
    """What `month_tally` must hold: every visit with a dealership, under its status and
    the month of its start in the dealership's time zone."""
    found: Counter = Counter()
    with store.db.read() as conn:
        rows = conn.execute(text("SELECT v.checklist_id, v.started_at, d.timezone, v.status, s.items FROM visits v "
                                 "JOIN visit_standards s ON s.visit_uuid = v.uuid "
                                 "JOIN dealerships d ON d.code = v.dealer_code"))
        for row in rows:
            month = local_month(row.started_at, row.timezone)
            for item, met in json.loads(row.items).items():
                found[(row.checklist_id, month, row.status, item), "met"] += met
                found[(row.checklist_id, month, row.status, item), "counted"] += 1
    return {key: (found[key, "met"], n) for (key, kind), n in found.items() if kind == "counted"}


def local_month(stored: str, zone: str) -> str:
    return datetime.fromisoformat(stored).astimezone(ZoneInfo(zone)).strftime("%Y-%m")


def local_months(store) -> dict[str, str | None]:
    with store.db.read() as conn:
        return {r.uuid: r.local_month for r in conn.execute(text("SELECT uuid, local_month FROM visits"))}


def summary(store, uuid):
    with store.db.read() as conn:
        return conn.execute(text("SELECT dealer_code, checklist_id, score_got, score_out_of, started_at, "
                                 "standards_met, standards_counted FROM visits WHERE uuid = :u"), {"u": uuid}).one()


@pytest.fixture
def planned(server_store):
    """A paired shopper's device and a stop of theirs at dealership D1 (mini checklist)."""
    publish_mini(server_store)
    seed_dealers(server_store, "D1")
    device = shopper_device(server_store)
    return device, admin.assign(server_store, device.shopper_id, DAY, "D1", MINI.id)


def send(store, device, uuid, number=1, *, greeted=True, dealer_assignment=None):
    body = revision(number, greeted=greeted, assignment_id=dealer_assignment)
    return put_revision(store, device, uuid, VisitRevision.model_validate(body))


def test_a_visit_is_summarized_and_counted_when_it_arrives(server_store, planned):
    device, plan = planned
    uuid = new_uuid()
    send(server_store, device, uuid, greeted=True, dealer_assignment=plan.assignment_id)

    row = summary(server_store, uuid)
    assert (row.dealer_code, row.checklist_id) == ("D1", MINI.id)
    assert row.started_at.startswith("2026-11-22T10:00:00")
    assert 0 < row.score_got < row.score_out_of  # greeted yes, mirrors no
    assert (row.standards_met, row.standards_counted) == (4, 5)
    counted = tally(server_store)
    assert counted[("D1", GREETED)] == (1, 1)
    assert counted[("D1", MIRRORS)] == (0, 1)


def test_a_return_uncounts_the_visit_and_its_correction_counts_again(server_store, planned):
    device, plan = planned
    uuid = new_uuid()
    send(server_store, device, uuid, greeted=False, dealer_assignment=plan.assignment_id)
    assert tally(server_store)[("D1", GREETED)] == (0, 1)
    assert tally(server_store, ("approved",)) == {}

    review_visit(server_store, uuid, "return", "Проверьте приветствие", by="coordinator")
    assert tally(server_store).get(("D1", GREETED), (0, 0)) == (0, 0)
    assert tally(server_store, ("returned",))[("D1", GREETED)] == (0, 1)  # still there, as returned

    send(server_store, device, uuid, 2, greeted=True, dealer_assignment=plan.assignment_id)
    assert tally(server_store)[("D1", GREETED)] == (1, 1)
    assert tally(server_store, ("returned",)) == {}
    review_visit(server_store, uuid, "approve", "", by="coordinator")
    assert tally(server_store)[("D1", GREETED)] == (1, 1)
    assert tally(server_store, ("approved",))[("D1", GREETED)] == (1, 1)
    assert tally(server_store, ("received",)) == {}


def test_a_visit_counts_under_the_month_it_started_on_its_dealerships_clock(server_store, planned):
    device, plan = planned  # D1 is in Moscow's zone, UTC+3
    before_midnight = revision(1, assignment_id=plan.assignment_id, started_at="2026-10-31T20:30:00Z")
    put_revision(server_store, device, new_uuid(), VisitRevision.model_validate(before_midnight))
    assert {month for _, month, _, _ in month_tally(server_store)} == {"2026-10"}  # 23:30 on 31 October

    plan = admin.assign(server_store, device.shopper_id, DAY, "D1", MINI.id)
    after_midnight = revision(1, assignment_id=plan.assignment_id, started_at="2026-10-31T21:30:00Z")
    uuid = new_uuid()
    put_revision(server_store, device, uuid, VisitRevision.model_validate(after_midnight))
    assert local_months(server_store)[uuid] == "2026-11"  # 00:30 on 1 November, though October in UTC
    assert {month for _, month, _, _ in month_tally(server_store)} == {"2026-10", "2026-11"}
    tally(server_store)  # the month tally is what the visits keep


def test_a_visit_far_east_counts_in_its_local_month_until_its_dealerships_zone_changes(server_store, planned):
    device, _ = planned
    vladivostok = Dealership(code="VVO", name="Тойота Владивосток", city="Владивосток", timezone="Asia/Vladivostok")
    admin.save_dealers(server_store, [vladivostok])
    uuids = []
    for started in ("2026-02-28T22:00:00Z", "2026-03-15T10:00:00Z"):  # 1 March 08:00 there, and mid-March
        plan = admin.assign(server_store, device.shopper_id, DAY, "VVO", MINI.id)
        uuids.append(new_uuid())
        put_revision(server_store, device, uuids[-1],
                     VisitRevision.model_validate(revision(1, assignment_id=plan.assignment_id, started_at=started)))
    review_visit(server_store, uuids[0], "approve", "", by="coordinator")
    assert [local_months(server_store)[u] for u in uuids] == ["2026-03", "2026-03"]
    assert {(m, s) for _, m, s, _ in month_tally(server_store)} == {("2026-03", "approved"), ("2026-03", "received")}

    admin.edit_dealer(server_store, vladivostok.model_copy(update={"timezone": "Europe/London"}))
    assert [local_months(server_store)[u] for u in uuids] == ["2026-02", "2026-03"]  # 22:00 on 28 February
    assert {(m, s) for _, m, s, _ in month_tally(server_store)} == {("2026-02", "approved"), ("2026-03", "received")}
    tally(server_store)

    renamed = vladivostok.model_copy(update={"name": "Тойота Приморье", "timezone": "Europe/London"})
    admin.edit_dealer(server_store, renamed)
    assert [local_months(server_store)[u] for u in uuids] == ["2026-02", "2026-03"]  # another detail: nothing moves
    admin.edit_dealer(server_store, vladivostok)
    assert [local_months(server_store)[u] for u in uuids] == ["2026-03", "2026-03"]
    tally(server_store)


def test_a_new_revision_replaces_the_old_one_in_the_tally(server_store, planned):
    device, plan = planned
    uuid = new_uuid()
    send(server_store, device, uuid, greeted=False, dealer_assignment=plan.assignment_id)
    send(server_store, device, uuid, 2, greeted=True, dealer_assignment=plan.assignment_id)
    send(server_store, device, uuid, 2, greeted=True, dealer_assignment=plan.assignment_id)  # a retry
    assert tally(server_store)[("D1", GREETED)] == (1, 1)


def test_a_visit_off_route_has_no_dealership_and_is_not_counted(server_store):
    publish_mini(server_store)
    device = shopper_device(server_store)
    uuid = new_uuid()
    send(server_store, device, uuid)
    assert summary(server_store, uuid).dealer_code is None
    assert tally(server_store) == {}


def test_working_everything_out_again_gives_the_same_tally(server_store):
    publish_mini(server_store)
    seed_dealers(server_store, "D1", "D2")
    device = shopper_device(server_store)
    uuids = []
    for i, dealer in enumerate(["D1", "D1", "D2", "D2", "D2"]):
        plan = admin.assign(server_store, device.shopper_id, DAY, dealer, MINI.id)
        uuids.append(new_uuid())
        send(server_store, device, uuids[-1], greeted=i % 2 == 0, dealer_assignment=plan.assignment_id)
    review_visit(server_store, uuids[2], "return", "Нет фото", by="coordinator")
    kept = tally(server_store)
    assert kept[("D2", GREETED)] == (1, 2)

    with server_store.db.write() as conn:
        conn.execute(text("UPDATE visits SET score_got = NULL, dealer_code = NULL"))
        resummarize_all(conn)
    assert tally(server_store) == kept
    assert summary(server_store, uuids[0]).dealer_code == "D1"


def test_migrations_12_and_14_summarize_the_visits_a_server_already_holds(server_store, planned):
    device, plan = planned
    uuid = new_uuid()
    send(server_store, device, uuid, dealer_assignment=plan.assignment_id)
    review_visit(server_store, uuid, "approve", "", by="coordinator")
    kept = tally(server_store, ("approved",))
    # Back to the schema of version 11, the visit kept: what a server updated from it holds.
    with server_store.db.write() as conn:
        for index in ("visits_for_analytics", "dealerships_by_city", "dealerships_by_brand"):
            conn.execute(text(f"DROP INDEX {index}"))
        for column in ("standards_met", "standards_counted", "local_month"):
            conn.execute(text(f"ALTER TABLE visits DROP COLUMN {column}"))
        conn.execute(text("DROP TABLE visit_standards"))
        conn.execute(text("DROP TABLE month_tally"))
        conn.execute(text("CREATE TABLE standard_tally (dealer_code TEXT NOT NULL, checklist_id TEXT NOT NULL, "
                          "item_id TEXT NOT NULL, met BIGINT NOT NULL, counted BIGINT NOT NULL, "
                          "PRIMARY KEY (dealer_code, checklist_id, item_id))"))
        conn.execute(text("UPDATE visits SET dealer_code = NULL"))
        conn.execute(text("DELETE FROM schema_migrations WHERE version IN (12, 14)"))

    assert migrate(server_store.db) == [12, 14]
    assert summary(server_store, uuid).dealer_code == "D1"
    assert local_months(server_store) == {uuid: "2026-11"}
    assert tally(server_store, ("approved",)) == kept
    assert kept[("D1", GREETED)] == (1, 1)


def test_migration_14_counts_the_visits_a_server_holds_in_their_local_months(server_store, planned):
    device, plan = planned
    admin.save_dealers(server_store, [Dealership(code="VVO", name="Тойота Владивосток", timezone="Asia/Vladivostok")])
    far = admin.assign(server_store, device.shopper_id, DAY, "VVO", MINI.id)
    near, east, off_route = new_uuid(), new_uuid(), new_uuid()
    for uuid, assignment, started in ((near, plan.assignment_id, "2026-02-28T20:00:00Z"),  # 23:00 in Moscow
                                      (east, far.assignment_id, "2026-02-28T22:00:00Z"),  # 08:00 on 1 March there
                                      (off_route, None, "2026-02-28T21:30:00Z")):  # no dealership: Moscow's clock
        put_revision(server_store, device, uuid,
                     VisitRevision.model_validate(revision(1, assignment_id=assignment, started_at=started)))
    review_visit(server_store, east, "approve", "", by="coordinator")
    kept = month_tally(server_store)
    # Back to the schema of version 13: no local months, the tally counted by the UTC month.
    with server_store.db.write() as conn:
        conn.execute(text("DROP INDEX visits_for_analytics"))
        conn.execute(text("ALTER TABLE visits DROP COLUMN local_month"))
        conn.execute(text("CREATE INDEX visits_for_analytics ON visits (checklist_id, dealer_code, status, "
                          "started_at, standards_met, standards_counted, shopper_id)"))
        conn.execute(text("DELETE FROM month_tally WHERE counted = 0"))  # left by the review
        conn.execute(text("UPDATE month_tally SET month = '2026-02'"))
        conn.execute(text("DELETE FROM schema_migrations WHERE version = 14"))

    assert migrate(server_store.db) == [14]
    assert local_months(server_store) == {near: "2026-02", east: "2026-03", off_route: "2026-03"}
    assert month_tally(server_store) == kept == month_tally_from_visits(server_store)
    assert {(m, s) for _, m, s, _ in kept} == {("2026-02", "received"), ("2026-03", "approved")}


def test_migrations_3_8_and_12_leave_the_summaries_to_migration_14(server_db, tmp_path):
    from server_stub.database import Database
    from server_stub.migrations import MIGRATIONS
    from server_stub.settings import Settings

    db = Database(Settings(data_dir=tmp_path, db_url=server_db).database_url)
    try:  # a server as old as migration 2 meets today's summaries: nothing fails on the way
        migrate(db, migrations=MIGRATIONS[:2])
        assert migrate(db) == [m.version for m in MIGRATIONS[2:]]
    finally:
        db.close()
