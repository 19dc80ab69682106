"""People and places change (issue 16, point 2), through the admin library and
`fieldaudit admin`: renaming, deactivating (a shopper's phones revoked, stops from today
withdrawn) and reactivating shoppers and dealerships, planning refused for a deactivated
one, the same limits as the console's forms, and the lists' search."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta, timezone

import pytest
from click.testing import CliRunner

from field_app.domain.route import Dealership
from fieldaudit.cli import cli
from server_stub import admin, devices
from server_stub.errors import InvalidInputError, TokenRevokedError, UnknownShopperError
from server_stub.planning import day_plan
from server_stub.search import fold, like_pattern, words
from server_stub.settings import Settings
from server_stub.store import open_store

from server_support import MINI, publish_mini, seed_dealers

# The commands run on the real clock (they open the store themselves), and so does the
# test's store: "today" is the real day.
TODAY = datetime.now(timezone.utc).date()
COMMANDS = ("rename-shopper", "deactivate-shopper", "reactivate-shopper", "rename-dealer", "deactivate-dealer",
            "reactivate-dealer")


@pytest.fixture
def cli_env(tmp_path, server_db):
    options = ["--data", str(tmp_path / "data")]
    if server_db:
        options += ["--db", server_db]
    return options


@pytest.fixture
def store(tmp_path, server_db, cli_env):
    with open_store(Settings(data_dir=tmp_path / "data", db_url=server_db)) as opened:
        publish_mini(opened)
        seed_dealers(opened, "D1", "D2")
        yield opened


def run(*args: str):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def run_json(*args: str) -> dict:
    result = run(*args, "--json")
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def paired(store, shopper_id: str):
    code = admin.new_pairing_code(store, shopper_id)
    return devices.pair(store, code.pairing_code, "Pixel 8").token


def dealers_of(store, shopper_id: str, day: date) -> list[str]:
    plan = day_plan(store, shopper_id, day)
    assert plan is not None
    return [s.dealer_code for s in plan.stops]


def test_every_new_command_is_registered_with_help(cli_env):
    listed = run("admin", "--help").output
    for name in COMMANDS:
        assert name in listed
        help_text = run("admin", name, "--help").output
        assert "--data" in help_text and "--db" in help_text and "--json" in help_text
        assert len(help_text.split("Options:")[0].split("\n\n", 1)[1].strip()) > 40, name  # says what it does


def test_rename_shopper_keeps_the_city_unless_given(cli_env, store):
    anna = admin.create_shopper(store, "Анна", city="Казань").shopper_id
    assert run_json("admin", "rename-shopper", anna, " Анна Петрова ", *cli_env) == {
        "shopper_id": anna, "name": "Анна Петрова", "city": "Казань"}
    assert run("admin", "rename-shopper", anna, "Анна П.", "--city", "Пермь", *cli_env).output == (
        f"{anna} is now Анна П. · Пермь · #{anna[-4:]}\n")
    refused = run("admin", "rename-shopper", anna, "Я" * 5000, *cli_env)
    assert refused.exit_code == 1 and "at most 200 characters, not 5000" in refused.output
    assert run("admin", "rename-shopper", "sh_0000000000", "Х", *cli_env).exit_code == 1


def test_create_shopper_takes_a_city_and_refuses_a_5000_character_name(cli_env, store):
    made = run_json("admin", "create-shopper", "Иван Петров", "--city", "Казань", *cli_env)
    (shopper,) = admin.list_shoppers(store)
    assert shopper.id == made["shopper_id"] and shopper.label == f"Иван Петров · Казань · #{shopper.id[-4:]}"
    refused = run("admin", "create-shopper", "Я" * 5000, *cli_env)
    assert refused.exit_code == 1 and "A shopper's name has at most 200 characters, not 5000." in refused.output
    assert run("admin", "create-shopper", "Иван", "--city", "К" * 101, *cli_env).exit_code == 1
    assert len(admin.list_shoppers(store)) == 1


def test_deactivate_shopper_counts_first_then_revokes_phones_and_withdraws_stops(cli_env, store):
    anna = admin.create_shopper(store, "Анна").shopper_id
    token = paired(store, anna)
    admin.assign(store, anna, TODAY - timedelta(days=1), "D1", MINI.id)  # the past stays
    admin.assign(store, anna, TODAY, "D1", MINI.id)
    admin.assign(store, anna, TODAY + timedelta(days=2), "D2", MINI.id)
    unused = admin.new_pairing_code(store, anna)

    dry = run_json("admin", "deactivate-shopper", anna, "--dry-run", *cli_env)
    assert dry == {"id": anna, "name": f"Анна · #{anna[-4:]}", "dry_run": True, "already_deactivated": False,
                   "devices_revoked": 1, "stops_withdrawn": 2, "shoppers_affected": 1}
    assert devices.authenticate(store, token).shopper_id == anna  # counting changed nothing

    done = run("admin", "deactivate-shopper", anna, *cli_env)
    assert done.exit_code == 0
    assert done.output == (f"shopper Анна · #{anna[-4:]} ({anna}) deactivated: 1 phone(s) revoked, 2 stop(s) "
                           "from today on were withdrawn\n")
    with pytest.raises(TokenRevokedError):
        devices.authenticate(store, token)
    assert dealers_of(store, anna, TODAY - timedelta(days=1)) == ["D1"]
    assert dealers_of(store, anna, TODAY) == [] and dealers_of(store, anna, TODAY + timedelta(days=2)) == []
    # Its unused code ends, no new one is given, nothing is planned for them.
    with pytest.raises(Exception, match="expired|used|unknown"):
        devices.pair(store, unused.pairing_code, "Another phone")
    refused = run("admin", "pairing-code", anna, *cli_env)
    assert refused.exit_code == 1 and "is deactivated" in refused.output
    refused = run("admin", "assign", "--shopper", anna, "--date", str(TODAY + timedelta(days=8)), "--dealer", "D1",
                  "--checklist", MINI.id, *cli_env)
    assert refused.exit_code == 1
    assert f"Shopper Анна · #{anna[-4:]} is deactivated: reactivate them to plan their visits" in refused.output
    again = run_json("admin", "deactivate-shopper", anna, *cli_env)
    assert again["already_deactivated"] and again["devices_revoked"] == 0 and again["stops_withdrawn"] == 0

    assert run_json("admin", "reactivate-shopper", anna, *cli_env) == {"shopper_id": anna, "active": True}
    with pytest.raises(TokenRevokedError):  # the old phone stays revoked
        devices.authenticate(store, token)
    assert devices.authenticate(store, paired(store, anna)).shopper_id == anna
    admin.assign(store, anna, TODAY + timedelta(days=8), "D1", MINI.id)


def test_deactivate_dealer_withdraws_every_shoppers_open_stops_there(cli_env, store):
    anna = admin.create_shopper(store, "Анна").shopper_id
    boris = admin.create_shopper(store, "Борис").shopper_id
    for who in (anna, boris):
        admin.assign(store, who, TODAY + timedelta(days=1), "D1", MINI.id)
        admin.assign(store, who, TODAY + timedelta(days=1), "D2", MINI.id)
    assert run_json("admin", "deactivate-dealer", "D1", "--dry-run", *cli_env)["stops_withdrawn"] == 2
    done = run("admin", "deactivate-dealer", "D1", *cli_env)
    assert done.output == ("dealership Дилер D1 (D1) deactivated: 2 stop(s) of 2 shopper(s) from today on were "
                           "withdrawn\n")
    assert dealers_of(store, anna, TODAY + timedelta(days=1)) == ["D2"]
    assert [d.code for d in admin.list_dealers(store, active_only=True)] == ["D2"]
    assert [d.code for d in admin.list_dealers(store)] == ["D1", "D2"]  # kept for history and reports
    refused = run("admin", "assign", "--shopper", anna, "--date", str(TODAY + timedelta(days=8)), "--dealer", "D1",
                  "--checklist", MINI.id, *cli_env)
    assert refused.exit_code == 1 and "Dealership D1 (Дилер D1) is deactivated" in refused.output
    assert run_json("admin", "reactivate-dealer", "D1", *cli_env) == {"code": "D1", "active": True}
    admin.assign(store, anna, TODAY + timedelta(days=3), "D1", MINI.id)


def test_rename_dealer_reaches_the_phones_and_keeps_to_the_limit(cli_env, store):
    anna = admin.create_shopper(store, "Анна").shopper_id
    admin.assign(store, anna, TODAY + timedelta(days=1), "D1", MINI.id)
    token = paired(store, anna)
    from server_stub import pull

    cursor = pull.pull(store, devices.authenticate(store, token), None).cursor
    assert run("admin", "rename-dealer", "D1", "Киа Центр Север", *cli_env).output == "D1 is now Киа Центр Север\n"
    changes = pull.pull(store, devices.authenticate(store, token), cursor)
    assert [d.name for d in changes.dealerships] == ["Киа Центр Север"]
    refused = run("admin", "rename-dealer", "D1", "Я" * 5000, *cli_env)
    assert refused.exit_code == 1 and "at most 200 characters" in refused.output
    assert run("admin", "rename-dealer", "NOPE", "Х", *cli_env).exit_code == 1


def test_the_library_refuses_what_the_forms_refuse(store):
    with pytest.raises(InvalidInputError, match="city has at most 100"):
        admin.create_shopper(store, "Анна", city="К" * 101)
    for column, length in (("brand", 101), ("city", 101), ("address", 301), ("phone", 51)):
        with pytest.raises(InvalidInputError, match=f"{column} has at most"):
            admin.save_dealers(store, [Dealership(code="X1", name="Х", **{column: "я" * length})])
    with pytest.raises(UnknownShopperError):
        admin.deactivate_shopper(store, "sh_0000000000")


def test_lists_are_searched_by_every_word_folded(store):
    admin.save_dealers(store, [Dealership(code="KIA-7", name="Киа Центр Ёлки", brand="Kia", city="Казань")])
    admin.create_shopper(store, "Алёна ИВАНОВА", city="Омск")
    assert fold("Алёна  ИВАНОВА", None, "Омск") == "алена иванова омск"
    assert words(" КИА   елки ") == ["киа", "елки"] and like_pattern("50%_a\\") == "%50\\%\\_a\\\\%"
    page = admin.dealer_page(store, "елки kia-7")
    assert [r.dealer.code for r in page.rows] == ["KIA-7"] and (page.total, page.pages) == (1, 1)
    assert admin.dealer_page(store, "елки пермь").total == 0
    assert [s.name for s in admin.shopper_page(store, "алена").rows] == ["Алёна ИВАНОВА"]
