"""A dealership's radius for its visits' flags (issue 17, point 5): set on the console's
dealership form (empty: the default 300 m; out of 50..5000 m or not a number refused
with a message in the page's language, nothing saved) and by `fieldaudit admin
set-radius CODE METRES|default`; on SQLite and PostgreSQL."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from fieldaudit.cli import cli
from server_stub import admin
from server_stub.settings import Settings
from server_stub.store import open_store

from server_support import seed_dealers

FIELDS = {"name": "Дилер D1", "brand": "Kia", "city": "Москва", "address": "ул. Ленина, 1",
          "phone": "+7 495 000-00-00", "lat": "55.75", "lon": "37.61", "timezone": "Europe/Moscow"}


def radius_of(store, code: str = "D1") -> float | None:
    return admin.dealer_row(store, code).radius_m


def edit(console, radius: str, **changes):
    console.get("/dealers/D1/edit")
    return console.post("/dealers/D1/edit", FIELDS | changes | {"radius_m": radius}, follow=False)


def test_the_form_shows_the_radius_empty_at_the_default(server_store, console):
    seed_dealers(server_store, "D1")
    page = console.get("/dealers/D1/edit")
    assert page.status == 200
    assert "Радиус, м" in page and 'name="radius_m" value="" inputmode="decimal" placeholder="300"' in page.html
    assert "Пусто — 300 м" in page


@pytest.mark.parametrize("typed, message", [
    ("abc", "Радиус, м: «abc» — не число"),
    ("20", "Радиус, м: 20 — не от 50 до 5000 метров"),
    ("5000,5", "Радиус, м: 5000,5 — не от 50 до 5000 метров"),
    ("inf", "Радиус, м: inf — не от 50 до 5000 метров"),
])
def test_a_radius_out_of_bounds_or_not_a_number_is_refused_and_nothing_saved(server_store, console, typed,
                                                                                message):
    seed_dealers(server_store, "D1")
    page = edit(console, typed, name="Новое имя")
    assert page.status == 422
    assert message in page and 'name="radius_m" value="' + typed + '"' in page.html
    assert radius_of(server_store) is None
    assert admin.dealer_row(server_store, "D1").dealer.name == "Дилер D1"  # the form saved nothing


def test_a_radius_is_stored_shown_again_and_the_default_restored(server_store, console):
    seed_dealers(server_store, "D1")
    saved = edit(console, "450,5")
    assert saved.status == 303 and "saved=D1" in saved.response.headers["location"]  # only the radius changed
    assert radius_of(server_store) == 450.5
    assert 'name="radius_m" value="450.5"' in console.get("/dealers/D1/edit").html

    assert "unchanged=D1" in edit(console, "450.5").response.headers["location"]
    restored = edit(console, " ")
    assert "saved=D1" in restored.response.headers["location"]
    assert radius_of(server_store) is None


def test_a_new_dealership_takes_its_radius_and_english_says_what_is_wrong(server_store, console):
    console.http.cookies.set("fa_lang", "en")
    page = console.get("/dealers/new")
    assert "Radius, m" in page and "Empty: 300 m." in page
    refused = console.post("/dealers/new", FIELDS | {"code": "N1", "radius_m": "10"}, follow=False)
    assert refused.status == 422 and "Radius, m: 10 is not between 50 and 5000 metres" in refused
    assert admin.find_dealers(server_store, "N1")[1] == 0
    added = console.post("/dealers/new", FIELDS | {"code": "N1", "radius_m": "1200"}, follow=False)
    assert added.status == 303
    assert radius_of(server_store, "N1") == 1200


@pytest.fixture
def cli_env(tmp_path, server_db):
    options = ["--data", str(tmp_path / "data")]
    return options + (["--db", server_db] if server_db else [])


def run(*args: str):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def test_the_admin_command_sets_a_radius_and_restores_the_default(tmp_path, server_db, cli_env):
    with open_store(Settings(data_dir=tmp_path / "data", db_url=server_db)) as store:
        seed_dealers(store, "D1")
        done = run("admin", "set-radius", "D1", "750", *cli_env)
        assert done.exit_code == 0, done.output
        assert done.output.strip() == "dealership D1 reaches 750 m"
        assert radius_of(store) == 750

        again = run("admin", "set-radius", "D1", "default", "--json", *cli_env)
        assert json.loads(again.output) == {"code": "D1", "radius_m": None, "default_m": 300.0, "changed": True}
        assert radius_of(store) is None

        for bad, said in (("20", "from 50 to 5000 metres, not 20"), ("far", "a number of metres or 'default'")):
            refused = run("admin", "set-radius", "D1", bad, *cli_env)
            assert refused.exit_code == 1 and said in refused.output
        unknown = run("admin", "set-radius", "NOPE", "500", *cli_env)
        assert unknown.exit_code == 1 and "There is no dealership 'NOPE'" in unknown.output
        assert radius_of(store) is None
    assert "METRES|default" in run("admin", "set-radius", "--help").output
