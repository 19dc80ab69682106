"""Pairing a phone with a one-time code, and the device token on every request."""

from __future__ import annotations

import json
import logging
from datetime import timedelta

import pytest
from sqlalchemy import text

from server_stub import admin, security


def pair(server, code: str, name: str = "Pixel 8"):
    return server.client().post("/devices/pair", json={"code": code, "device_name": name})


def test_a_pairing_code_gives_a_token_for_its_shopper(live_server):
    code = admin.create_shopper(live_server.store, "Анна Петрова")
    answer = pair(live_server, code.pairing_code)
    assert answer.status_code == 200
    body = answer.json()
    assert body["shopper"] == {"id": code.shopper_id, "name": "Анна Петрова"}
    assert len(body["token"]) >= 40
    me = live_server.client(body["token"]).get("/sync/pull")
    assert me.status_code == 200
    (device,) = admin.list_devices(live_server.store, code.shopper_id)
    assert device.name == "Pixel 8"
    assert device.last_seen_at == live_server.store.now()


@pytest.mark.parametrize("typed", [str.lower, lambda c: c.replace("-", ""), lambda c: f"  {c.lower()} "])
def test_a_code_is_accepted_without_its_dash_and_in_any_case(live_server, typed):
    code = admin.create_shopper(live_server.store, "Анна")
    assert pair(live_server, typed(code.pairing_code)).status_code == 200


def test_should_refuse_a_code_used_once_already(live_server):
    code = admin.create_shopper(live_server.store, "Анна")
    assert pair(live_server, code.pairing_code).status_code == 200
    again = pair(live_server, code.pairing_code, "Another phone")
    assert again.status_code == 409
    assert again.json()["code"] == "pairing_code_used"
    assert len(admin.list_devices(live_server.store, code.shopper_id)) == 1


ATTEMPT = "k3Xv9QzP1mW8rT5yL2bN7cD4"


def test_a_retry_whose_first_answer_was_lost_gets_a_new_token_for_the_same_device(live_server):
    # On a dropping signal the server may pair the phone and the answer never arrive.
    code = admin.create_shopper(live_server.store, "Анна")
    body = {"code": code.pairing_code, "device_name": "Pixel 8", "attempt": ATTEMPT}
    lost = live_server.client().post("/devices/pair", json=body).json()["token"]
    retry = live_server.client().post("/devices/pair", json=body)
    assert retry.status_code == 200, retry.text
    token = retry.json()["token"]
    assert token != lost
    assert retry.json()["shopper"] == {"id": code.shopper_id, "name": "Анна"}
    assert len(admin.list_devices(live_server.store, code.shopper_id)) == 1
    assert live_server.client(token).get("/sync/pull").status_code == 200
    # The token that never arrived is no one's to use.
    assert live_server.client(lost).get("/sync/pull").json()["code"] == "token_invalid"


@pytest.mark.parametrize("second", [
    {},                                          # another phone, no attempt id
    {"attempt": "another-phone-attempt-0001"},  # another phone, its own attempt id
])
def test_a_used_code_is_refused_to_any_other_attempt(live_server, second):
    code = admin.create_shopper(live_server.store, "Анна")
    first = {"code": code.pairing_code, "device_name": "Pixel 8", "attempt": ATTEMPT}
    token = live_server.client().post("/devices/pair", json=first).json()["token"]
    again = live_server.client().post("/devices/pair", json={"code": code.pairing_code, "device_name": "X"} | second)
    assert again.status_code == 409
    assert again.json()["code"] == "pairing_code_used"
    assert live_server.client(token).get("/sync/pull").status_code == 200


def test_a_retry_is_refused_once_the_code_expired_or_the_device_was_revoked(live_server, clock):
    code = admin.create_shopper(live_server.store, "Анна")
    body = {"code": code.pairing_code, "device_name": "Pixel 8", "attempt": ATTEMPT}
    assert live_server.client().post("/devices/pair", json=body).status_code == 200
    (device,) = admin.list_devices(live_server.store, code.shopper_id)
    admin.revoke_device(live_server.store, device.id)
    revoked = live_server.client().post("/devices/pair", json=body)
    assert revoked.status_code == 409 and revoked.json()["code"] == "pairing_code_used"

    other = admin.create_shopper(live_server.store, "Борис")
    body = {"code": other.pairing_code, "device_name": "Pixel 8", "attempt": ATTEMPT}
    assert live_server.client().post("/devices/pair", json=body).status_code == 200
    clock.advance(timedelta(days=7).total_seconds() + 1)
    expired = live_server.client().post("/devices/pair", json=body)
    assert expired.status_code == 410 and expired.json()["code"] == "pairing_code_expired"


def test_an_attempt_id_that_is_not_a_plain_token_is_refused(live_server):
    code = admin.create_shopper(live_server.store, "Анна")
    for attempt in ["short", "x" * 129, "has spaces in it 123456", "кириллица-кириллица-123"]:
        answer = live_server.client().post("/devices/pair", json={
            "code": code.pairing_code, "device_name": "Pixel 8", "attempt": attempt})
        assert answer.status_code == 422, attempt
        assert answer.json()["code"] == "invalid_request"


def test_should_refuse_an_expired_code(live_server, clock):
    code = admin.create_shopper(live_server.store, "Анна")
    clock.advance(timedelta(days=7).total_seconds() + 1)
    answer = pair(live_server, code.pairing_code)
    assert answer.status_code == 410
    assert answer.json()["code"] == "pairing_code_expired"


def test_a_code_works_until_it_expires(live_server, clock):
    code = admin.create_shopper(live_server.store, "Анна")
    clock.advance(timedelta(days=7).total_seconds() - 1)
    assert pair(live_server, code.pairing_code).status_code == 200


def test_should_refuse_an_unknown_code(live_server):
    admin.create_shopper(live_server.store, "Анна")
    answer = pair(live_server, "ABCD-EFGH")
    assert answer.status_code == 404
    assert answer.json()["code"] == "pairing_code_unknown"
    assert pair(live_server, "xy").status_code == 422


def test_a_new_code_replaces_the_unused_old_one(live_server):
    first = admin.create_shopper(live_server.store, "Анна")
    second = admin.new_pairing_code(live_server.store, first.shopper_id)
    assert pair(live_server, first.pairing_code).json()["code"] == "pairing_code_expired"
    assert pair(live_server, second.pairing_code).status_code == 200


def test_codes_are_easy_to_type_and_kept_only_as_hashes(live_server):
    code = admin.create_shopper(live_server.store, "Анна").pairing_code
    assert len(code) == 9 and code[4] == "-"
    assert set(code.replace("-", "")) <= set(security.CODE_ALPHABET)
    assert not set("01OIL") & set(security.CODE_ALPHABET)
    with live_server.store.db.read() as conn:
        stored = conn.execute(text("SELECT code_hash FROM pairing_codes")).scalars().all()
        tokens = conn.execute(text("SELECT token_hash FROM devices")).scalars().all()
    assert stored == [security.code_hash(code)]
    assert tokens == []


@pytest.mark.parametrize(("headers", "code"), [
    ({}, "token_missing"),
    ({"Authorization": "Basic dXNlcjpwYXNz"}, "token_missing"),
    ({"Authorization": "Bearer not-a-token"}, "token_invalid"),
])
def test_a_request_without_a_known_token_is_refused(live_server, headers, code):
    answer = live_server.client().get("/sync/pull", headers=headers)
    assert answer.status_code == 401
    assert answer.json()["code"] == code
    assert answer.headers["WWW-Authenticate"] == "Bearer"


def test_a_refusal_is_logged_with_its_code_for_the_operator(live_server, caplog):
    # The server keeps no access log by default; this line is how a failed sync is traced.
    with caplog.at_level(logging.INFO, logger="server_stub"):
        live_server.client().get("/sync/pull", headers={"Authorization": "Bearer not-a-token"})
    lines = [r.getMessage() for r in caplog.records if r.name == "server_stub"]
    assert any("GET /api/v1/sync/pull refused 401 token_invalid" in line for line in lines), lines


def test_a_revoked_device_is_told_so(live_server):
    anna = live_server.shopper()
    admin.revoke_device(live_server.store, anna.device_id)
    answer = anna.client.get("/sync/pull")
    assert answer.status_code == 401
    assert answer.json()["code"] == "token_revoked"
    assert answer.headers["WWW-Authenticate"] == "Bearer"


def test_a_phone_can_unpair_itself(live_server):
    anna = live_server.shopper()
    other_phone = live_server.shopper()
    assert anna.client.delete("/devices/current").status_code == 204
    assert anna.client.get("/sync/pull").json()["code"] == "token_revoked"
    assert other_phone.client.get("/sync/pull").status_code == 200
    (device,) = [d for d in admin.list_devices(live_server.store) if d.id == anna.device_id]
    assert device.revoked


def test_last_seen_is_written_at_most_once_a_minute(live_server, clock):
    anna = live_server.shopper()
    first = admin.list_devices(live_server.store, anna.id)[0].last_seen_at
    clock.advance(30)
    anna.client.get("/sync/pull")
    assert admin.list_devices(live_server.store, anna.id)[0].last_seen_at == first
    clock.advance(31)
    anna.client.get("/sync/pull")
    assert admin.list_devices(live_server.store, anna.id)[0].last_seen_at == live_server.store.now()


def test_health_needs_no_token(live_server):
    answer = live_server.client().get("/health")
    assert answer.status_code == 200
    assert answer.json() == {"ok": True}


def pair_ascii(server, code: str, name: str):
    body = json.dumps({"code": code, "device_name": name}).encode()
    return server.client().post("/devices/pair", content=body, headers={"Content-Type": "application/json"})


def test_codes_and_names_the_database_cannot_hold_are_refused(live_server):
    code = admin.create_shopper(live_server.store, "Анна")
    surrogate = pair_ascii(live_server, "ABCD\ud800EFGH", "Pixel").json()["code"]
    assert surrogate in ("pairing_code_unknown", "invalid_request")
    assert pair(live_server, "ABCD\x00EFGH").json()["code"] == "pairing_code_unknown"
    answer = pair(live_server, code.pairing_code, "Pixel\x00")
    assert (answer.status_code, answer.json()["code"]) == (422, "invalid_request")
    assert pair_ascii(live_server, code.pairing_code, "Pixel \ud83d").json()["code"] == "invalid_request"
    assert pair(live_server, code.pairing_code).status_code == 200
