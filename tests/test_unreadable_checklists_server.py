"""A phone tells the server which checklists its app cannot open (`PUT
/devices/current/unreadable-checklists`): the report replaces the device's last one, `[]`
clears it, a bad body or token is refused with its problem code, and a revoked phone's
report stops counting for its shopper. Runs on SQLite and PostgreSQL."""

from __future__ import annotations


import pytest
from sqlalchemy import text

from server_stub import admin
from server_stub.database import Database
from server_stub.migrations import MIGRATIONS, migrate
from server_stub.settings import Settings

ROUTE = "/devices/current/unreadable-checklists"


def report(client, checklists) -> int:
    answer = client.put(ROUTE, json={"checklists": checklists})
    return answer.status_code


def device(server, device_id: str):
    return admin.get_device(server.store, device_id)


def overview(server, shopper_id: str):
    return admin.shopper_overview(server.store, shopper_id)


def test_a_report_is_kept_on_the_device_with_when_it_came(live_server):
    anna = live_server.shopper()

    assert report(anna.client, ["dealer_call@3", "roadside_assistance_call@3"]) == 204

    kept = device(live_server, anna.device_id)
    assert kept.unreadable_checklists == ("dealer_call@3", "roadside_assistance_call@3")
    assert kept.unreadable_reported_at == live_server.store.now()
    assert kept.outdated
    assert overview(live_server, anna.id).unreadable_checklists == ("dealer_call@3", "roadside_assistance_call@3")


def test_a_report_replaces_the_last_one_and_is_harmless_to_repeat(live_server, clock):
    anna = live_server.shopper()
    assert report(anna.client, ["dealer_call@3", "roadside_assistance_call@3"]) == 204
    clock.advance(2 * 3600)

    assert report(anna.client, ["roadside_assistance_call@3", "roadside_assistance_call@3"]) == 204
    assert report(anna.client, ["roadside_assistance_call@3"]) == 204

    kept = device(live_server, anna.device_id)
    assert kept.unreadable_checklists == ("roadside_assistance_call@3",)
    assert kept.unreadable_reported_at == live_server.store.now()


def test_an_empty_report_clears_it(live_server):
    anna = live_server.shopper()
    assert report(anna.client, ["dealer_call@3"]) == 204

    assert report(anna.client, []) == 204

    kept = device(live_server, anna.device_id)
    assert kept.unreadable_checklists == () and not kept.outdated
    assert overview(live_server, anna.id).unreadable_checklists == ()


def test_each_phone_reports_for_itself_and_the_shopper_shows_them_all(live_server):
    anna = live_server.shopper()
    code = admin.new_pairing_code(live_server.store, anna.id)
    second = live_server.client().post("/devices/pair", json={"code": code.pairing_code, "device_name": "Old phone"})
    old_phone = live_server.client(second.json()["token"])
    boris = live_server.shopper("Борис Смирнов")

    assert report(anna.client, ["dealer_call@3"]) == 204
    assert report(old_phone, ["dealer_call@3", "roadside_assistance_call@3"]) == 204

    new, old = admin.list_devices(live_server.store, anna.id)
    assert new.unreadable_checklists == ("dealer_call@3",)
    assert old.unreadable_checklists == ("dealer_call@3", "roadside_assistance_call@3")
    assert overview(live_server, anna.id).unreadable_checklists == ("dealer_call@3", "roadside_assistance_call@3")
    assert overview(live_server, boris.id).unreadable_checklists == ()


@pytest.mark.parametrize("body, where", [
    ({}, "checklists"),
    ({"checklists": "dealer_call@3"}, "checklists"),
    ({"checklists": [3]}, "checklists.0"),
    ({"checklists": ["dealer_call"]}, "checklists.0"),
    ({"checklists": ["dealer_call@"]}, "checklists.0"),
    ({"checklists": ["dealer_call@0"]}, "checklists.0"),
    ({"checklists": ["dealer_call@three"]}, "checklists.0"),
    ({"checklists": ["Dealer Call@3"]}, "checklists.0"),
    ({"checklists": ["dealer_call@3", "<script>@1"]}, "checklists.1"),
    ({"checklists": ["x" * 65 + "@1"]}, "checklists.0"),
    ({"checklists": ["d" + "1" * 5000 + "@1"]}, "checklists.0"),
    ({"checklists": [f"list_{n}@1" for n in range(51)]}, "checklists"),
    ({"checklists": [], "device": "other"}, "device"),
])
def test_a_bad_body_is_refused_as_an_invalid_request_and_nothing_changes(live_server, body, where):
    anna = live_server.shopper()
    assert report(anna.client, ["dealer_call@3"]) == 204

    answer = anna.client.put(ROUTE, json=body)

    assert answer.status_code == 422, answer.text
    assert answer.json()["code"] == "invalid_request"
    assert answer.json()["message"].startswith(where + ":")
    assert device(live_server, anna.device_id).unreadable_checklists == ("dealer_call@3",)


def test_fifty_checklists_of_the_longest_names_are_taken(live_server):
    anna = live_server.shopper()
    names = [f"{'c' * 60}{n:04d}@2147483647" for n in range(50)]

    assert report(anna.client, names) == 204

    assert device(live_server, anna.device_id).unreadable_checklists == tuple(names)


@pytest.mark.parametrize("token, code", [(None, "token_missing"), ("not-a-token-of-this-server", "token_invalid")])
def test_a_report_without_a_token_of_this_server_is_refused(live_server, token, code):
    anna = live_server.shopper()

    answer = live_server.client(token).put(ROUTE, json={"checklists": ["dealer_call@3"]})

    assert answer.status_code == 401
    assert answer.json()["code"] == code
    assert device(live_server, anna.device_id).unreadable_checklists == ()


def test_a_revoked_phone_is_refused_and_its_last_report_no_longer_counts(live_server):
    anna = live_server.shopper()
    assert report(anna.client, ["dealer_call@3"]) == 204

    admin.revoke_device(live_server.store, anna.device_id)
    answer = anna.client.put(ROUTE, json={"checklists": ["roadside_assistance_call@3"]})

    assert answer.status_code == 401 and answer.json()["code"] == "token_revoked"
    revoked = device(live_server, anna.device_id)
    assert revoked.unreadable_checklists == ("dealer_call@3",)  # as it was: not rewritten
    assert not revoked.outdated
    assert overview(live_server, anna.id).unreadable_checklists == ()


def test_the_route_takes_only_put(live_server):
    anna = live_server.shopper()
    answer = anna.client.post(ROUTE, json={"checklists": []})
    assert answer.status_code == 405 and answer.json()["code"] == "method_not_allowed"


def test_phones_paired_before_the_migration_report_nothing(server_db, tmp_path):
    db = Database(Settings(data_dir=tmp_path, db_url=server_db).database_url)
    try:
        migrate(db, migrations=tuple(m for m in MIGRATIONS if m.version < 19))
        with db.write() as conn:
            conn.execute(text("INSERT INTO shoppers (id, name, city, search, created_at) "
                              "VALUES ('sh_1', 'Анна', '', 'анна', '2026-11-01T00:00:00Z')"))
            conn.execute(text("INSERT INTO devices (id, shopper_id, name, token_hash, created_at) "
                              "VALUES ('dev_1', 'sh_1', 'Pixel', 'hash', '2026-11-01T00:00:00Z')"))

        assert migrate(db) == [m.version for m in MIGRATIONS if m.version >= 19]

        with db.read() as conn:
            row = conn.execute(text("SELECT unreadable_checklists, unreadable_reported_at FROM devices")).one()
        assert (row.unreadable_checklists, row.unreadable_reported_at) == ("[]", None)
    finally:
        db.close()
