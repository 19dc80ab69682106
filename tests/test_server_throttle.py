"""Limits on guessing (throttle.py): console passwords per account and per address, and
pairing codes per address, counted in the database within a sliding 15 minutes; over a
limit even the right password or code is refused with 429 and Retry-After."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from field_app.domain.i18n import Translator
from field_app.screens.sync_text import pair_error_text
from field_app.sync.api import ApiClient
from field_app.sync.errors import ServerBusyError
from server_stub import admin, throttle
from server_stub.console.web import TRANSLATIONS
from server_stub.store import open_store
from server_stub.web.app import create_app

from console_support import PASSWORD, USERNAME, ConsoleClient, Page

MINUTE = 60
ATTACKER, OFFICE = "203.0.113.7", "198.51.100.20"


@contextmanager
def browser(store, address: str = ATTACKER) -> Iterator[ConsoleClient]:
    """The console as seen from `address` (the TestClient's peer address)."""
    with TestClient(create_app(store.settings, store), base_url="http://testserver", client=(address, 50000)) as http:
        yield ConsoleClient(http)


def log_in(console: ConsoleClient, username: str = USERNAME, password: str = PASSWORD) -> Page:
    console.get("/login")
    return console.post("/login", {"username": username, "password": password}, follow=False)


def refused(page: Page) -> bool:
    return page.status == 429 and "fa_session" not in page.response.headers.get("set-cookie", "")


# --- console login -----------------------------------------------------------------------


def test_after_five_wrong_passwords_even_the_right_one_is_refused(server_store, clock):
    admin.create_coordinator(server_store, USERNAME, PASSWORD)
    with browser(server_store) as console:
        for _ in range(5):
            assert log_in(console, password="guess").status == 401
        clock.advance(1)
        page = log_in(console)
        assert refused(page), page.text
        assert "Слишком много неудачных попыток входа. Попробуйте через 15 мин." in page.text
        assert int(page.response.headers["retry-after"]) == 15 * MINUTE - 1
        assert "fa_session" not in console.http.cookies
        assert "/console/login" in console.get("/visits").url


def test_the_refusal_is_in_the_coordinators_language(server_store):
    with browser(server_store) as console:
        console.http.get("/console/language/en")
        for _ in range(5):
            log_in(console, password="guess")
        page = log_in(console)
        assert page.status == 429
        assert "Too many failed login attempts. Try again in 15 min." in page.text


def test_an_unknown_name_is_refused_exactly_like_a_known_one(server_store):
    admin.create_coordinator(server_store, USERNAME, PASSWORD)
    with browser(server_store) as console:
        pages = {}
        for name in (USERNAME, "nobody"):
            for _ in range(5):
                assert log_in(console, name, "guess").status == 401
            pages[name] = log_in(console, name, "guess")
        known, unknown = pages[USERNAME], pages["nobody"]
        assert known.status == unknown.status == 429
        assert known.text == unknown.text
        assert known.response.headers["retry-after"] == unknown.response.headers["retry-after"]


def test_a_locked_account_is_locked_from_every_address(server_store):
    admin.create_coordinator(server_store, USERNAME, PASSWORD)
    with browser(server_store, ATTACKER) as attacker, browser(server_store, OFFICE) as office:
        for _ in range(5):
            log_in(attacker, password="guess")
        assert refused(log_in(office))
        # Another coordinator at the office is not held up by it.
        admin.create_coordinator(server_store, "boris", PASSWORD)
        assert log_in(office, "boris").status == 303


def test_the_name_counts_without_its_case_and_spaces(server_store):
    with browser(server_store) as console:
        for typed in ("Anna", "anna ", " ANNA", "anna", "aNNa"):
            assert log_in(console, typed, "guess").status == 401
        assert log_in(console, "anna", "guess").status == 429


def test_twenty_wrong_passwords_from_one_address_over_many_names_lock_the_address(server_store):
    admin.create_coordinator(server_store, USERNAME, PASSWORD)
    with browser(server_store, ATTACKER) as attacker, browser(server_store, OFFICE) as office:
        for n in range(20):
            assert log_in(attacker, f"user{n}", "guess").status == 401  # no name reaches its own five
        page = log_in(attacker)
        assert refused(page)
        assert log_in(office).status == 303  # the account itself is not locked


def test_after_fifteen_minutes_the_right_password_works_again(server_store, clock):
    admin.create_coordinator(server_store, USERNAME, PASSWORD)
    with browser(server_store) as console:
        for _ in range(5):
            log_in(console, password="guess")
            clock.advance(MINUTE)
        # The first failure was 5 minutes ago: it leaves the window in 10 minutes.
        page = log_in(console)
        assert page.status == 429 and page.response.headers["retry-after"] == str(10 * MINUTE)
        clock.advance(10 * MINUTE - 1)
        assert log_in(console).status == 429
        clock.advance(1)
        assert log_in(console).status == 303


def test_the_window_slides_refused_attempts_do_not_lengthen_it(server_store, clock):
    admin.create_coordinator(server_store, USERNAME, PASSWORD)
    with browser(server_store) as console:
        for n in range(5):  # at 0, 3, 6, 9 and 12 minutes
            clock.advance(3 * MINUTE if n else 0)
            log_in(console, password="guess")
        for _ in range(10):  # refused while locked: not counted
            assert log_in(console, password="guess").status == 429
        clock.advance(3 * MINUTE)  # the first failure has left the window: four remain
        assert log_in(console, password="guess").status == 401
        assert log_in(console).status == 429  # five again


def test_a_right_password_clears_the_accounts_failures_not_the_addresss(server_store):
    admin.create_coordinator(server_store, USERNAME, PASSWORD)
    with browser(server_store) as console:
        for _ in range(4):
            log_in(console, password="guess")
        assert log_in(console).status == 303
        console.http.cookies.clear()
        for _ in range(4):  # four more mistypes are allowed, not one
            assert log_in(console, password="guess").status == 401
        assert log_in(console).status == 303
        console.http.cookies.clear()
        for n in range(12):  # 8 address failures so far, 20 in all
            assert log_in(console, f"user{n}", "guess").status == 401
        assert refused(log_in(console))


def test_the_limits_hold_across_a_restart(server_settings):
    with open_store(server_settings) as store:
        admin.create_coordinator(store, USERNAME, PASSWORD)
        with browser(store) as console:
            for _ in range(5):
                log_in(console, password="guess")
    with open_store(server_settings) as store, browser(store) as console:
        assert refused(log_in(console))


def test_old_failures_are_pruned(server_store, clock):
    with browser(server_store) as console:
        for n in range(3):
            log_in(console, f"user{n}", "guess")
        clock.advance(16 * MINUTE)
        log_in(console, "late", "guess")
    with server_store.db.read() as conn:
        rows = conn.execute(text("SELECT COUNT(*) FROM failed_attempts")).scalar_one()
    assert rows == 2  # the late one's account and address


def test_the_failures_keep_no_name_or_address_in_clear(server_store):
    with browser(server_store) as console:
        log_in(console, "my secret password", "guess")
    with server_store.db.read() as conn:
        keys = [r.key_hash for r in conn.execute(text("SELECT key_hash FROM failed_attempts"))]
    assert len(keys) == 2 and all(len(k) == 64 for k in keys)
    assert not any("secret" in k or ATTACKER in k for k in keys)


def test_an_ipv6_client_counts_by_its_64_prefix():
    one = throttle.address(throttle.LOGIN_ADDRESS, "2001:db8:1:2::5")
    other = throttle.address(throttle.LOGIN_ADDRESS, "2001:db8:1:2:ffff::9")
    assert one == other and one.value == "2001:db8:1:2::/64"
    assert throttle.address(throttle.LOGIN_ADDRESS, "::ffff:203.0.113.7").value == ATTACKER
    assert throttle.address(throttle.LOGIN_ADDRESS, "2001:db8:1:3::5") != one


# --- pairing -------------------------------------------------------------------------------


def pair(http: TestClient, code: str):
    return http.post("/api/v1/devices/pair", json={"code": code, "device_name": "Pixel 8"})


@contextmanager
def phone(store, address: str = ATTACKER) -> Iterator[TestClient]:
    with TestClient(create_app(store.settings, store), client=(address, 50000)) as http:
        yield http


def test_after_twenty_wrong_codes_from_one_address_even_a_right_one_is_refused(server_store, clock):
    code = admin.create_shopper(server_store, "Анна")
    with phone(server_store, ATTACKER) as attacker, phone(server_store, OFFICE) as office:
        answers = [pair(attacker, f"WXYZ-{n:04d}") for n in range(20)]
        assert {a.json()["code"] for a in answers} == {"pairing_code_unknown"}
        clock.advance(1)
        answer = pair(attacker, code.pairing_code)
        assert answer.status_code == 429
        assert answer.json()["code"] == "too_many_attempts"
        assert answer.headers["retry-after"] == str(15 * MINUTE - 1)
        assert admin.list_devices(server_store, code.shopper_id) == []
        assert pair(office, code.pairing_code).status_code == 200  # another address is not held up


def test_used_and_expired_codes_count_too(server_store, clock):
    used = admin.create_shopper(server_store, "Анна")
    expired = admin.create_shopper(server_store, "Борис", lifetime=timedelta(minutes=1))
    clock.advance(2 * MINUTE)
    with phone(server_store) as http:
        assert pair(http, used.pairing_code).status_code == 200
        for _ in range(10):
            assert pair(http, used.pairing_code).json()["code"] == "pairing_code_used"
            assert pair(http, expired.pairing_code).json()["code"] == "pairing_code_expired"
        assert pair(http, admin.create_shopper(server_store, "Вера").pairing_code).status_code == 429


def test_pairing_works_again_after_fifteen_minutes(server_store, clock):
    with phone(server_store) as http:
        for n in range(20):
            pair(http, f"WXYZ-{n:04d}")
        code = admin.create_shopper(server_store, "Анна")
        assert pair(http, code.pairing_code).status_code == 429
        clock.advance(15 * MINUTE)
        assert pair(http, code.pairing_code).status_code == 200


def test_the_phone_says_too_many_attempts_not_no_connection(live_server):
    for n in range(20):
        live_server.client().post("/devices/pair", json={"code": f"WXYZ-{n:04d}", "device_name": "Pixel 8"})
    code = admin.create_shopper(live_server.store, "Анна")
    with ApiClient(live_server.url) as api, pytest.raises(ServerBusyError) as caught:
        api.pair(code.pairing_code, "Pixel 8")
    assert (caught.value.status, caught.value.code) == (429, "too_many_attempts")
    assert caught.value.retry_after == 15 * MINUTE
    shown = pair_error_text(Translator("en"), caught.value)
    assert shown == ("The server refused. Too many wrong codes were tried from this network. "
                     "Wait 15 minutes and try again, or ask your coordinator for help.")
    assert "Подождите 15 минут" in pair_error_text(Translator("ru"), caught.value)


def test_the_console_translations_have_the_refusal():
    for language in ("ru", "en"):
        assert "{minutes}" not in Translator(language, TRANSLATIONS)("login.too_many", minutes=3)


def test_behind_a_proxy_on_this_host_the_client_address_counts(live_server):
    # uvicorn takes X-Forwarded-For from 127.0.0.1 only (FORWARDED_ALLOW_IPS), the rightmost
    # address the proxy did not add itself: a client cannot dodge by prepending others.
    def pair_via_proxy(forwarded_for: str, code: str):
        return live_server.client().post("/devices/pair", json={"code": code, "device_name": "Pixel 8"},
                                         headers={"X-Forwarded-For": forwarded_for})

    for n in range(20):
        assert pair_via_proxy(f"10.0.0.{n}, {ATTACKER}", f"WXYZ-{n:04d}").status_code == 404
    assert pair_via_proxy(ATTACKER, "WXYZ-9999").status_code == 429
    assert pair_via_proxy(OFFICE, "WXYZ-9999").status_code == 404
