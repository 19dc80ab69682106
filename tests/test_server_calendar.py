"""`fieldaudit admin import-calendar`: a year's decree (or several) imported all or nothing,
said back with its working-day count; the server's calendar is the shipped one with the
imported years. On SQLite and PostgreSQL."""

from __future__ import annotations

import json
import re
from datetime import date

import pytest
from click.testing import CliRunner
from sqlalchemy import text

from field_app.domain.errors import InvalidCalendarError
from field_app.domain.workdays import parse_year, shipped_calendar
from fieldaudit.cli import cli
from server_stub.calendars import import_calendar, imported_years, server_calendar
from server_stub.settings import Settings
from server_stub.store import open_store

# Made up for the tests (article 112 alone gives 2027 249 working days): Tuesday 4 May
# and Friday 31 December become days off.
YEAR_2027 = {"year": 2027, "source": "Постановление Правительства РФ (проверочное)",
             "transfers": [{"from": "2027-01-02", "to": "2027-05-04"}, {"from": "2027-01-03", "to": "2027-12-31"}]}


@pytest.fixture
def cli_env(tmp_path, server_db):
    options = ["--data", str(tmp_path / "data")]
    if server_db:
        options += ["--db", server_db]
    return options


@pytest.fixture
def store(tmp_path, server_db, cli_env):
    with open_store(Settings(data_dir=tmp_path / "data", db_url=server_db)) as opened:
        yield opened


def run(*args: str):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def write(tmp_path, data: object, name: str = "calendar.json"):
    path = tmp_path / name
    path.write_text(data if isinstance(data, str) else json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return path


def stored(store) -> list[tuple]:
    with store.db.read() as conn:
        rows = conn.execute(text("SELECT year, source, transfers FROM calendar_years ORDER BY year"))
        return [tuple(r) for r in rows]


def test_a_year_is_imported_and_said_back_with_its_working_days(cli_env, store, tmp_path):
    result = run("admin", "import-calendar", str(write(tmp_path, YEAR_2027)), *cli_env)
    assert result.exit_code == 0, result.output
    assert result.output.strip() == ("2027 (Постановление Правительства РФ (проверочное)) imported: "
                                     "2 transfer(s), 247 working days")
    assert imported_years(store) == [parse_year(YEAR_2027)]
    assert stored(store) == [(2027, YEAR_2027["source"],
                              '[{"from":"2027-01-02","to":"2027-05-04"},{"from":"2027-01-03","to":"2027-12-31"}]')]


def test_importing_a_year_again_replaces_it_and_says_so(cli_env, store, tmp_path):
    run("admin", "import-calendar", str(write(tmp_path, YEAR_2027)), *cli_env)
    fewer = YEAR_2027 | {"transfers": YEAR_2027["transfers"][:1]}
    answer = json.loads(run("admin", "import-calendar", str(write(tmp_path, fewer)), "--json", *cli_env).output)
    (year,) = answer["years"]
    assert year["year"] == 2027 and year["working_days"] == 248 and year["transfers"] == 1
    assert year["replaced_import_of"] is not None and year["replaced_shipped"] is False
    again = run("admin", "import-calendar", str(write(tmp_path, fewer)), *cli_env)
    assert re.fullmatch(r"2027 \(.+\) imported, replacing the one imported on \d{4}-\d\d-\d\d \d\d:\d\d UTC: "
                        r"1 transfer\(s\), 248 working days\n", again.output), again.output
    assert imported_years(store) == [parse_year(fewer)]


def test_a_shipped_year_can_be_replaced_and_several_years_come_in_one_file(cli_env, store, tmp_path):
    shipped_2026 = shipped_calendar().years[2026].to_json()
    path = write(tmp_path, {"years": [YEAR_2027, shipped_2026]})
    lines = run("admin", "import-calendar", str(path), *cli_env).output.strip().splitlines()
    assert lines[0].endswith("2 transfer(s), 247 working days")
    assert " imported, in place of the decree shipped with the server: " in lines[1]
    assert lines[1].endswith("247 working days")  # the published count for 2026
    assert [y.year for y in imported_years(store)] == [2026, 2027]


@pytest.mark.parametrize("content, words", [
    ("{", "calendar.json: the file is not JSON"),
    ({"year": 2027, "transfers": [{"from": "2027-01-02", "to": "2028-05-03"}]},
     "calendar.json: transfer 1: the day off 2028-05-03 is not in 2027"),
    ({"year": 2027, "transfers": [{"from": "2 января", "to": "2027-05-03"}]}, "dates are written YYYY-MM-DD"),
    ({"year": "2027"}, "'year' must be a year"),
    ({"years": []}, "'years' must be a list"),
    ({"years": [YEAR_2027, YEAR_2027]}, "year(s) given twice: 2027"),
    ({"years": [YEAR_2027, {"year": 2028, "transfers": [{"from": "2028-01-03"}]}]},
     "calendar.json: year 2 of 2 (2028): transfer 1 must be an object with 'from' and 'to'"),
    ({"year": 2027, "source": "a\x00b"}, "cannot be stored"),
])
def test_a_bad_file_imports_nothing_and_says_why(cli_env, store, tmp_path, content, words):
    result = run("admin", "import-calendar", str(write(tmp_path, content)), *cli_env)
    assert result.exit_code == 1
    assert result.output.startswith("Error: ")
    assert words in result.output
    assert stored(store) == []


def test_a_file_that_is_not_utf8_is_refused(store, tmp_path):
    path = tmp_path / "calendar.json"
    path.write_bytes(json.dumps(YEAR_2027, ensure_ascii=False).encode("cp1251"))
    with pytest.raises(InvalidCalendarError, match="not UTF-8"):
        import_calendar(store, path)


def test_the_servers_calendar_is_the_shipped_one_with_the_imported_years(store, tmp_path):
    with store.db.read() as conn:
        assert server_calendar(conn) == shipped_calendar()
    import_calendar(store, write(tmp_path, YEAR_2027))
    with store.db.read() as conn:
        calendar = server_calendar(conn)
    assert not calendar.is_working_day(date(2027, 5, 4))
    assert shipped_calendar().is_working_day(date(2027, 5, 4))
    assert calendar.has_decree(2026) and calendar.years[2026] == shipped_calendar().years[2026]


def test_the_command_has_help():
    result = run("admin", "import-calendar", "--help")
    assert result.exit_code == 0
    assert "production calendar" in result.output and "--data" in result.output and "--db" in result.output
