"""Each visit's summary and the tally of standards met: worked out when a revision arrives
or is reviewed, and the same as working them out again from every stored revision."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from field_app.domain.records import VisitRevision
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


def tally(store) -> dict[tuple[str, str], tuple[int, int]]:
    with store.db.read() as conn:
        rows = conn.execute(text("SELECT dealer_code, item_id, met, counted FROM standard_tally "
                                 "WHERE counted <> 0 OR met <> 0"))
        return {(r.dealer_code, r.item_id): (r.met, r.counted) for r in rows}


def summary(store, uuid):
    with store.db.read() as conn:
        return conn.execute(text("SELECT dealer_code, checklist_id, score_got, score_out_of, started_at "
                                 "FROM visits WHERE uuid = :u"), {"u": uuid}).one()


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
    counted = tally(server_store)
    assert counted[("D1", GREETED)] == (1, 1)
    assert counted[("D1", MIRRORS)] == (0, 1)


def test_a_return_uncounts_the_visit_and_its_correction_counts_again(server_store, planned):
    device, plan = planned
    uuid = new_uuid()
    send(server_store, device, uuid, greeted=False, dealer_assignment=plan.assignment_id)
    assert tally(server_store)[("D1", GREETED)] == (0, 1)

    review_visit(server_store, uuid, "return", "Проверьте приветствие", by="coordinator")
    assert tally(server_store).get(("D1", GREETED), (0, 0)) == (0, 0)

    send(server_store, device, uuid, 2, greeted=True, dealer_assignment=plan.assignment_id)
    assert tally(server_store)[("D1", GREETED)] == (1, 1)
    review_visit(server_store, uuid, "approve", "", by="coordinator")
    assert tally(server_store)[("D1", GREETED)] == (1, 1)


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


def test_migration_3_summarizes_the_visits_a_server_already_holds(server_store, planned):
    device, plan = planned
    uuid = new_uuid()
    send(server_store, device, uuid, dealer_assignment=plan.assignment_id)
    # Back to the schema of version 2, the visit kept: what a server updated from it holds.
    with server_store.db.write() as conn:
        for index in ("started", "dealer", "status", "shopper_started", "checklist"):
            conn.execute(text(f"DROP INDEX visits_by_{index}"))
        for column in ("dealer_code", "checklist_id", "checklist_version", "started_at", "finalized_at",
                       "score_got", "score_out_of", "section_scores"):
            conn.execute(text(f"ALTER TABLE visits DROP COLUMN {column}"))
        conn.execute(text("DROP TABLE standard_tally"))
        conn.execute(text("DROP TABLE console_sessions"))
        conn.execute(text("DELETE FROM schema_migrations WHERE version = 3"))

    assert migrate(server_store.db) == [3]
    assert summary(server_store, uuid).dealer_code == "D1"
    assert tally(server_store)[("D1", GREETED)] == (1, 1)
