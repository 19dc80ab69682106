"""Importing routes from a file (route_import.py, `fieldaudit admin import-routes`, the
console's /routes/import): every bad line reported by number, all or nothing, warnings
before saving, one change number that the phones' next pull brings."""

from __future__ import annotations

import io
import json
import re
from datetime import date

import openpyxl
import pytest
from click.testing import CliRunner

from server_stub import admin, devices, pull, route_import
from fieldaudit.cli import cli
from server_stub.planning import day_plan
from server_stub.queries import routes
from server_stub.route_import import RouteImportError

from server_support import MINI, publish_mini, seed_dealers

MONDAY = date(2026, 11, 23)  # the week after the test clock's day (a Sunday)
HEADER = "shopper,date,dealer,checklist,version,window,note\n"


@pytest.fixture
def team(server_store) -> dict[str, str]:
    seed_dealers(server_store, "D1", "D2", "D3", "D4")
    publish_mini(server_store)
    anna = admin.create_shopper(server_store, "Анна Петрова", city="Москва").shopper_id
    oleg = admin.create_shopper(server_store, "Олег Иванов").shopper_id
    return {"anna": anna, "oleg": oleg}


def refused(store, text: str) -> dict[int, str]:
    with pytest.raises(RouteImportError) as caught:
        route_import.import_routes(store, text.encode())
    return {row.line: row.message for row in caught.value.rows}


def test_a_good_file_plans_every_stop_with_one_change_number_and_the_pull_brings_them(server_store, team):
    anna, oleg = team["anna"], team["oleg"]
    text = HEADER + (
        f"{anna},2026-11-23,D1,{MINI.id},,14:00-15:00,после обеда\n"
        f"{anna},23.11.2026,D2,{MINI.id},1,10:00-11:00,\n"
        f"Олег Иванов,2026-11-24,D3,{MINI.id},,,\n"
    )
    with server_store.db.read() as conn:
        before = routes.current_change(conn)
    report = route_import.import_routes(server_store, text.encode())
    assert (report.stops, report.shoppers, report.days) == (3, 2, 2)
    assert report.change == before + 1
    plan = day_plan(server_store, anna, MONDAY)
    assert [(s.dealer_code, s.position, s.note) for s in plan.stops] == [("D2", 1, ""), ("D1", 2, "после обеда")]
    code = admin.new_pairing_code(server_store, oleg)
    device = devices.authenticate(server_store, devices.pair(server_store, code.pairing_code, "Pixel").token)
    pulled = pull.pull(server_store, device, None)
    assert [a.dealer_code for a in pulled.assignments] == ["D3"]


def test_every_bad_line_is_reported_and_nothing_is_saved(server_store, team):
    anna, oleg = team["anna"], team["oleg"]
    admin.assign(server_store, oleg, MONDAY, "D4", MINI.id, window="10:00-12:00")
    seed_dealers(server_store, "OLD")
    admin.deactivate_dealer(server_store, "OLD")
    text = HEADER + (
        f"{anna},2026-11-23,D1,{MINI.id},,10:00-11:00,\n"          # 2 good
        f"sh_0000000000,2026-11-23,D1,{MINI.id},,,\n"              # 3 unknown shopper
        f"{anna},2026-11-31,D1,{MINI.id},,,\n"                     # 4 bad date
        f"{anna},2026-11-20,D1,{MINI.id},,,\n"                     # 5 past day
        f"{anna},2026-11-24,NOPE,{MINI.id},,,\n"                   # 6 unknown dealership
        f"{anna},2026-11-24,OLD,{MINI.id},,,\n"                    # 7 deactivated dealership
        f"{anna},2026-11-24,D2,{MINI.id},9,,\n"                    # 8 unknown version
        f"{anna},2026-11-24,D2,nope,,,\n"                          # 9 unknown checklist
        f"{anna},2026-11-24,D2,{MINI.id},,12:00-11:00,\n"          # 10 backwards window
        f"{anna},2026-11-23,D2,{MINI.id},,10:30-11:30,\n"          # 11 overlaps line 2
        f"{anna},2026-11-23,D1,{MINI.id},,10:00-11:00,\n"          # 12 duplicate of line 2
        f"{oleg},2026-11-23,D3,{MINI.id},,11:00-13:00,\n"          # 13 overlaps a planned stop
        f"{anna},2026-11-25,D1,{MINI.id},,,\n"                     # 14 good
    )
    lines = refused(server_store, text)
    assert sorted(lines) == list(range(3, 14))
    assert "no shopper 'sh_0000000000'" in lines[3]
    assert "date '2026-11-31'" in lines[4]
    assert "in the past (today is 2026-11-22)" in lines[5]
    assert "no dealership with the code 'NOPE'" in lines[6]
    assert "dealership OLD" in lines[7] and "deactivated" in lines[7]
    assert "no version 9" in lines[8]
    assert "no published checklist 'nope'" in lines[9]
    assert "does not end after it starts" in lines[10]
    assert "overlaps 10:00-11:00 on line 2" in lines[11]
    assert "the same stop as line 2" in lines[12]
    assert "overlaps 10:00-12:00 already planned" in lines[13]
    assert day_plan(server_store, anna, MONDAY).stops == []
    assert len(day_plan(server_store, oleg, MONDAY).stops) == 1


def test_the_header_and_a_deactivated_shopper(server_store, team):
    assert "missing: dealer" in refused(server_store, "shopper,date,checklist\nx,2026-11-23,y\n")[1]
    admin.deactivate_shopper(server_store, team["oleg"])
    lines = refused(server_store, HEADER + f"{team['oleg']},2026-11-23,D1,{MINI.id},,,\n")
    assert "is deactivated" in lines[2]


def test_warnings_are_given_before_saving_repeats_and_same_day(server_store, team):
    anna = team["anna"]
    admin.assign(server_store, anna, date(2026, 12, 10), "D1", MINI.id)
    text = HEADER + (
        f"{anna},2026-11-23,D1,{MINI.id},,10:00-11:00,\n"
        f"{anna},2026-11-23,D1,{MINI.id},,15:00-16:00,\n"
        f"{anna},2026-11-24,D2,{MINI.id},,,\n"
    )
    checked = route_import.check_routes(server_store, text.encode())
    warned = {w.line: w.message for w in checked.warnings}
    assert "the same dealership again that day, line 2" in warned[3]
    assert "2026-12-10 (17 days apart), already planned" in warned[2]
    assert 4 not in warned
    assert day_plan(server_store, anna, MONDAY).stops == []  # checking saved nothing


def test_a_semicolon_file_with_a_bom_and_an_xlsx(server_store, team):
    text = "\ufeffshopper;date;dealer;checklist\n" + f"{team['anna']};23.11.2026;D1;{MINI.id}\n"
    assert route_import.import_routes(server_store, text.encode()).stops == 1

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["shopper", "date", "dealer", "checklist", "window"])
    sheet.append([team["oleg"], date(2026, 11, 24), "D2", MINI.id, "9:00-10:00"])
    out = io.BytesIO()
    book.save(out)
    report = route_import.import_routes(server_store, out.getvalue(), "routes.xlsx")
    assert report.stops == 1
    assert day_plan(server_store, team["oleg"], date(2026, 11, 24)).stops[0].window_start == "09:00"


# --- the command ----------------------------------------------------------------------

@pytest.fixture
def cli_env(tmp_path, server_db):
    options = ["--data", str(tmp_path / "data")]
    if server_db:
        options += ["--db", server_db]
    return options


def run(*args: str):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def test_the_command_dry_run_then_import_and_errors_by_line(tmp_path, cli_env, server_db):
    from server_stub.settings import Settings
    from server_stub.store import open_store

    with open_store(Settings(data_dir=tmp_path / "data", db_url=server_db)) as store:
        seed_dealers(store, "D1", "D2")
        publish_mini(store)
        anna = admin.create_shopper(store, "Анна").shopper_id
    good = tmp_path / "routes.csv"
    good.write_text(HEADER + f"{anna},2030-01-07,D1,{MINI.id},,,\n{anna},2030-01-08,D1,{MINI.id},,,\n",
                    encoding="utf-8")
    dry = run("admin", "import-routes", str(good), "--dry-run", "--json", *cli_env)
    assert dry.exit_code == 0, dry.output
    assert json.loads(dry.output)["dry_run"] is True
    done = run("admin", "import-routes", str(good), *cli_env)
    assert done.exit_code == 0, done.output
    assert "line 3: warning: the same dealership on 2030-01-07 (1 days apart), line 2" in done.output
    assert "2 stops for 1 shoppers on 2 days planned" in done.output
    bad = tmp_path / "bad.csv"
    bad.write_text(HEADER + f"{anna},2030-01-09,D9,{MINI.id},,,\nnobody,2030-01-09,D1,{MINI.id},,25:00-26:00,\n",
                   encoding="utf-8")
    refused_run = run("admin", "import-routes", str(bad), *cli_env)
    assert refused_run.exit_code == 1
    assert "line 2: there is no dealership with the code 'D9'" in refused_run.output
    assert "line 3:" in refused_run.output and "window '25:00-26:00'" in refused_run.output
    with open_store(Settings(data_dir=tmp_path / "data", db_url=server_db)) as store:
        assert len(day_plan(store, anna, date(2030, 1, 9)).stops) == 0
    assert "Plan many shoppers" in run("admin", "import-routes", "--help").output


# --- the console's page -----------------------------------------------------------------

def upload(console, text: str, name: str = "routes.csv"):
    console.get("/routes/import")
    return console.post("/routes/import", files={"file": (name, text.encode(), "text/csv")})


@pytest.mark.parametrize("language, words", [
    ("ru", ["Строка 3: нет тайного покупателя «nobody»", "Строка 4: 2026-11-20 — прошедший день",
            "Строка 5: время 10:30-11:30 пересекается с 10:00-11:00 в строке 2"]),
    ("en", ["Line 3: there is no shopper “nobody”", "Line 4: 2026-11-20 is in the past",
            "Line 5: time 10:30-11:30 overlaps 10:00-11:00 on line 2"]),
])
def test_the_console_lists_every_bad_line_in_its_language_and_saves_nothing(console, server_store, team,
                                                                           language, words):
    console.http.get(f"/console/language/{language}")
    anna = team["anna"]
    page = upload(console, HEADER + (
        f"{anna},2026-11-23,D1,{MINI.id},,10:00-11:00,\n"
        f"nobody,2026-11-23,D1,{MINI.id},,,\n"
        f"{anna},2026-11-20,D1,{MINI.id},,,\n"
        f"{anna},2026-11-23,D2,{MINI.id},,10:30-11:30,\n"))
    assert page.status == 422
    for said in words:
        assert said in page.text
    assert 'name="data"' not in page.html  # no way to save it
    assert day_plan(server_store, anna, MONDAY).stops == []


def test_the_console_shows_warnings_before_saving_then_saves_on_confirming(console, server_store, team):
    console.http.get("/console/language/en")
    anna, oleg = team["anna"], team["oleg"]
    page = upload(console, HEADER + (
        f"{anna},2026-11-23,D1,{MINI.id},,10:00-11:00,\n"
        f"{anna},2026-11-23,D1,{MINI.id},,15:00-16:00,\n"
        f"{oleg},2026-11-24,D2,{MINI.id},,,\n"))
    assert page.status == 200
    assert "3 stops for 2 shoppers on 2 days. Nothing is saved yet." in page.text
    assert "Line 3: the same dealership again that day, line 2" in page.text
    assert day_plan(server_store, anna, MONDAY).stops == []
    data = re.search(r'name="data" value="([^"]+)"', page.html).group(1)
    saved = console.post("/routes/import/save", {"filename": "routes.csv", "data": data})
    assert saved.status == 200
    assert "Imported: 3 stops for 2 shoppers" in saved.text
    assert "/routes?week=2026-11-23" in saved.url
    assert len(day_plan(server_store, anna, MONDAY).stops) == 2
    again = console.post("/routes/import/save", {"filename": "routes.csv", "data": data})  # sent twice
    assert again.status == 422
    assert "the same stop is planned already" in again.text
    assert len(day_plan(server_store, anna, MONDAY).stops) == 2


def test_the_console_asks_for_a_file(console, team):
    console.get("/routes/import")
    page = console.post("/routes/import", {})
    assert page.status == 422
