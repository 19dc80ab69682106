"""`fieldaudit admin ...`: each command over the admin library, in text and with --json,
on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta

import pytest
import yaml
from click.testing import CliRunner
from sqlalchemy import text

from fieldaudit.cli import cli
from server_stub import admin, devices
from server_stub.errors import TokenRevokedError
from server_stub.settings import Settings
from server_stub.store import open_store

from samples import SHOWROOM
from server_support import MINI_SHA

GOOD_CSV = (
    "code,name,brand,city,address,phone,lat,lon\n"
    'KIA-01,Киа Центр Север,Kia,Москва,"Дмитровское ш., 98",+7 495 111-11-11,55.87,37.55\n'
    "HYU-07,Хендэ Юг,Hyundai,Москва,,+7 495 222-22-22,,\n"
)


@pytest.fixture
def cli_env(tmp_path, server_db):
    """Options that point every command at this test's data folder and database."""
    options = ["--data", str(tmp_path / "data")]
    if server_db:
        options += ["--db", server_db]
    return options


@pytest.fixture
def store(tmp_path, server_db, cli_env):
    """The same store, opened by the test to look at what a command did."""
    with open_store(Settings(data_dir=tmp_path / "data", db_url=server_db)) as opened:
        yield opened


def run(*args: str, input: str | None = None):
    return CliRunner().invoke(cli, list(args), input=input, catch_exceptions=False)


def run_json(*args: str, input: str | None = None) -> dict:
    result = run(*args, "--json", input=input)
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def write_csv(tmp_path, text: str, name: str = "dealers.csv"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_create_coordinator_reads_the_password_from_stdin(cli_env, store):
    made = run_json("admin", "create-coordinator", "olga", *cli_env, input="correct horse battery\n")
    assert made["username"] == "olga"
    assert made["coordinator_id"].startswith("co_")
    assert admin.check_coordinator_password(store, "olga", "correct horse battery")
    assert not admin.check_coordinator_password(store, "olga", "wrong")
    again = run("admin", "create-coordinator", "olga", *cli_env, input="another password\n")
    assert again.exit_code == 1
    assert "already a coordinator 'olga'" in again.output
    short = run("admin", "create-coordinator", "ivan", *cli_env, input="short\n")
    assert short.exit_code == 1
    assert "at least 8" in short.output


def test_passwords_are_stored_as_salted_scrypt_hashes(store):
    admin.create_coordinator(store, "a", "same password")
    admin.create_coordinator(store, "b", "same password")
    with store.db.read() as conn:
        hashes = conn.execute(text("SELECT password_hash FROM coordinators ORDER BY username")).scalars().all()
    assert all(h.startswith("scrypt$n=16384,r=8,p=1$") for h in hashes)
    assert hashes[0] != hashes[1]


def test_create_shopper_prints_the_id_and_a_pairing_code(cli_env, store):
    made = run_json("admin", "create-shopper", "Анна Петрова", *cli_env)
    assert made["shopper_id"].startswith("sh_")
    assert len(made["pairing_code"]) == 9
    paired = devices.pair(store, made["pairing_code"], "Pixel")
    assert paired.shopper.name == "Анна Петрова"
    text_mode = run("admin", "create-shopper", "Борис", *cli_env)
    assert text_mode.exit_code == 0
    assert "shopper sh_" in text_mode.output and "pairing code " in text_mode.output


def test_a_pairing_code_lives_as_long_as_asked(cli_env, store):
    made = run_json("admin", "create-shopper", "Анна", "--valid-days", "1", *cli_env)
    fresh = run_json("admin", "pairing-code", made["shopper_id"], "--valid-days", "0.5", *cli_env)
    created = datetime.fromisoformat(made["expires_at"]) - timedelta(days=1)
    assert datetime.fromisoformat(fresh["expires_at"]) - created < timedelta(days=0.6)
    assert run("admin", "pairing-code", made["shopper_id"], "--valid-days", "0", *cli_env).exit_code == 2


def test_pairing_code_makes_a_new_code_for_a_shopper(cli_env, store):
    shopper_id = run_json("admin", "create-shopper", "Анна", *cli_env)["shopper_id"]
    fresh = run_json("admin", "pairing-code", shopper_id, *cli_env)
    assert fresh["shopper_id"] == shopper_id
    assert devices.pair(store, fresh["pairing_code"], "Pixel").shopper.id == shopper_id
    unknown = run("admin", "pairing-code", "sh_nobody", *cli_env)
    assert unknown.exit_code == 1
    assert "no shopper 'sh_nobody'" in unknown.output


def test_revoke_device(cli_env, store):
    code = admin.create_shopper(store, "Анна")
    token = devices.pair(store, code.pairing_code, "Pixel").token
    (device,) = admin.list_devices(store, code.shopper_id)
    revoked = run_json("admin", "revoke-device", device.id, *cli_env)
    assert revoked["device_id"] == device.id and revoked["revoked_at"]
    with pytest.raises(TokenRevokedError):
        devices.authenticate(store, token)
    assert run("admin", "revoke-device", "dev_nothing", *cli_env).exit_code == 1


def test_import_dealers_adds_then_updates(cli_env, store, tmp_path):
    path = write_csv(tmp_path, GOOD_CSV)
    assert run_json("admin", "import-dealers", str(path), *cli_env) == {"inserted": 2, "updated": 0, "unchanged": 0}
    assert run_json("admin", "import-dealers", str(path), *cli_env) == {"inserted": 0, "updated": 0, "unchanged": 2}
    changed = write_csv(tmp_path, GOOD_CSV.replace("Хендэ Юг", "Хендэ Юг-2"), "changed.csv")
    result = run("admin", "import-dealers", str(changed), *cli_env)
    assert result.output.strip() == "0 added, 1 updated, 1 unchanged"
    with store.db.read() as conn:
        rows = conn.execute(text("SELECT code, name, address, lat, lon FROM dealerships ORDER BY code")).all()
    assert [tuple(r) for r in rows] == [
        ("HYU-07", "Хендэ Юг-2", "", None, None),
        ("KIA-01", "Киа Центр Север", "Дмитровское ш., 98", 55.87, 37.55),
    ]


def test_import_dealers_reports_every_bad_row_and_imports_nothing(cli_env, store, tmp_path):
    bad = (
        "code,name,brand,city,address,phone,lat,lon\n"
        "KIA-01,Киа Центр,Kia,Москва,,,55.8,37.5\n"          # line 2: fine
        ",Без кода,Kia,Москва,,,,\n"                         # line 3
        "KIA-02,,Kia,Москва,,,,\n"                           # line 4
        "KIA-03,Киа,Kia,Москва,,,91,37\n"                    # line 5
        "KIA-01,Киа дубль,Kia,Москва,,,,\n"                  # line 6
        "KIA-04,Киа,Kia\n"                                   # line 7
        "KIA-05,Киа,Kia,Москва,,,55.1,\n"                    # line 8
    )
    result = run("admin", "import-dealers", str(write_csv(tmp_path, bad)), *cli_env)
    assert result.exit_code == 1
    lines = [line.removeprefix("Error: ") for line in result.output.strip().splitlines()]
    assert [line.split(":")[0] for line in lines] == ["line 3", "line 4", "line 5", "line 6", "line 7", "line 8"]
    assert "code is empty" in lines[0]
    assert "name is empty" in lines[1]
    assert "lat '91'" in lines[2]
    assert "also on line 2" in lines[3]
    assert "3 fields" in lines[4]
    assert "lat and lon go together" in lines[5]
    with store.db.read() as conn:
        assert conn.execute(text("SELECT COUNT(*) FROM dealerships")).scalar_one() == 0


def test_import_dealers_needs_a_header_row(cli_env, tmp_path):
    result = run("admin", "import-dealers", str(write_csv(tmp_path, "KIA-01,Киа,Kia\n")), *cli_env)
    assert result.exit_code == 1
    assert "line 1: the header row must name the columns code, name" in result.output


def test_import_dealers_reads_semicolons_and_a_bom(cli_env, tmp_path):
    path = tmp_path / "excel.csv"
    path.write_bytes("\ufeffcode;name;city\nKIA-01;Киа;Москва\n".encode())
    assert run_json("admin", "import-dealers", str(path), *cli_env)["inserted"] == 1


def test_import_dealers_takes_a_time_zone_column(cli_env, store, tmp_path):
    zoned = (
        "code;name;brand;timezone\n"
        "VL-01;Мазда Владивосток;Mazda;Asia/Vladivostok\n"
        "EK-02;Киа Екатеринбург;Kia; asia/yekaterinburg \n"   # spelt as the database spells it
        "MS-03;Киа Москва;Kia;\n"                             # empty: Moscow
    )
    assert run_json("admin", "import-dealers", str(write_csv(tmp_path, zoned)), *cli_env)["inserted"] == 3
    assert {d.code: d.timezone for d in admin.list_dealers(store)} == {
        "VL-01": "Asia/Vladivostok", "EK-02": "Asia/Yekaterinburg", "MS-03": "Europe/Moscow"}
    # A file without the column leaves every dealership in Moscow's zone, as before.
    run_json("admin", "import-dealers", str(write_csv(tmp_path, GOOD_CSV, "plain.csv")), *cli_env)
    assert admin.get_dealer(store, "KIA-01").timezone == "Europe/Moscow"


def test_import_dealers_refuses_a_time_zone_that_does_not_exist(cli_env, store, tmp_path):
    bad = (
        "code,name,timezone\n"
        "VL-01,Мазда Владивосток,Asia/Vladivostok\n"   # line 2: fine
        "VL-02,Мазда,Asia/Vladivostk\n"                # line 3
        "VL-03,Мазда,Europe\n"                         # line 4: a folder of the database, not a zone
        "VL-04,Мазда,MSK\n"                            # line 5
    )
    result = run("admin", "import-dealers", str(write_csv(tmp_path, bad)), *cli_env)
    assert result.exit_code == 1
    lines = [line.removeprefix("Error: ") for line in result.output.strip().splitlines()]
    assert lines == [
        f"line {n}: timezone '{zone}' is not an IANA time zone such as Europe/Moscow or Asia/Vladivostok"
        for n, zone in ((3, "Asia/Vladivostk"), (4, "Europe"), (5, "MSK"))
    ]
    assert admin.list_dealers(store) == []


def test_assign_takes_the_newest_version_or_the_one_named(cli_env, store, tmp_path):
    shopper_id = run_json("admin", "create-shopper", "Анна", *cli_env)["shopper_id"]
    run_json("admin", "import-dealers", str(write_csv(tmp_path, GOOD_CSV)), *cli_env)
    for version in (1, 2):
        path = tmp_path / f"mini_{version}.yaml"
        path.write_text(yaml.safe_dump(SHOWROOM | {"version": version}, allow_unicode=True), encoding="utf-8")
        published = run_json("admin", "publish-checklist", str(path), *cli_env)
        assert published["created"] is True

    newest = run_json("admin", "assign", "--shopper", shopper_id, "--date", "2026-11-23", "--dealer", "KIA-01",
                      "--checklist", "mini_showroom", *cli_env)
    assert newest["checklist_version"] == 2
    assert newest["position"] == 1
    named = run_json("admin", "assign", "--shopper", shopper_id, "--date", "2026-11-23", "--dealer", "HYU-07",
                     "--checklist", "mini_showroom@1", "--window", "14:00-15:30", *cli_env)
    assert (named["checklist_version"], named["position"]) == (1, 2)
    assert (named["window_start"], named["window_end"]) == ("14:00", "15:30")
    ordered = run_json("admin", "assign", "--shopper", shopper_id, "--date", "2026-11-24", "--dealer", "HYU-07",
                       "--checklist", "mini_showroom@1", "--order", "7", *cli_env)
    assert ordered["position"] == 7
    assert ordered["assignment_id"].startswith("as_")
    text_mode = run("admin", "assign", "--shopper", shopper_id, "--date", "2026-11-25", "--dealer", "KIA-01",
                    "--checklist", "mini_showroom", *cli_env)
    assert text_mode.exit_code == 0 and text_mode.output.startswith("as_")


@pytest.mark.parametrize(("option", "value", "message"), [
    ("--date", "23.11.2026", "YYYY-MM-DD"),
    ("--window", "9:00-10:00", "HH:MM-HH:MM"),
    ("--window", "12:00-10:00", "ends before it starts"),
    ("--checklist", "mini_showroom@x", "whole number"),
    ("--checklist", "mini_showroom@9", "no checklist mini_showroom@9"),
    ("--dealer", "NOPE", "no dealership 'NOPE'"),
    ("--shopper", "sh_nobody", "no shopper 'sh_nobody'"),
])
def test_assign_refuses_bad_values_clearly(cli_env, store, tmp_path, option, value, message):
    shopper_id = run_json("admin", "create-shopper", "Анна", *cli_env)["shopper_id"]
    run_json("admin", "import-dealers", str(write_csv(tmp_path, GOOD_CSV)), *cli_env)
    args = {"--shopper": shopper_id, "--date": "2026-11-23", "--dealer": "KIA-01", "--checklist": "showroom_visit"}
    args[option] = value
    flat = [part for pair in args.items() for part in pair]
    if option == "--window":
        flat += ["--window", value]
    result = run("admin", "assign", *flat, *cli_env)
    assert result.exit_code == 1, result.output
    assert message in result.output


def test_unassign(cli_env, store, tmp_path):
    shopper_id = run_json("admin", "create-shopper", "Анна", *cli_env)["shopper_id"]
    run_json("admin", "import-dealers", str(write_csv(tmp_path, GOOD_CSV)), *cli_env)
    plan = admin.assign(store, shopper_id, date(2026, 11, 23), "KIA-01", "showroom_visit")
    assert run_json("admin", "unassign", plan.assignment_id, *cli_env)["removed"] is True
    assert run("admin", "unassign", "as_nothing", *cli_env).exit_code == 1


def test_publish_checklist_is_idempotent_and_refuses_other_content(cli_env, tmp_path):
    path = tmp_path / "mini.yaml"
    path.write_text(yaml.safe_dump(SHOWROOM, allow_unicode=True), encoding="utf-8")
    first = run_json("admin", "publish-checklist", str(path), *cli_env)
    assert first == {"id": "mini_showroom", "version": 1, "sha256": MINI_SHA, "created": True}
    assert run("admin", "publish-checklist", str(path), *cli_env).output.strip() == (
        f"mini_showroom@1 already published (sha256 {MINI_SHA})"
    )
    path.write_text(yaml.safe_dump(SHOWROOM | {"title": "Другое"}, allow_unicode=True), encoding="utf-8")
    refused = run("admin", "publish-checklist", str(path), *cli_env)
    assert refused.exit_code == 1
    assert "already published with other content" in refused.output


def test_publish_checklist_reports_a_malformed_file(cli_env, tmp_path):
    path = tmp_path / "broken.yaml"
    path.write_text(yaml.safe_dump(SHOWROOM | {"channel": "fax"}, allow_unicode=True), encoding="utf-8")
    result = run("admin", "publish-checklist", str(path), *cli_env)
    assert result.exit_code == 1
    assert "channel" in result.output


def test_server_and_admin_commands_are_registered_with_help():
    assert run("server", "--help").exit_code == 0
    result = run("admin", "--help")
    for name in ("create-coordinator", "create-shopper", "pairing-code", "revoke-device", "import-dealers",
                 "import-calendar", "assign", "publish-checklist"):
        assert name in result.output
        assert "--data" in run("admin", name, "--help").output
        assert "--db" in run("admin", name, "--help").output


def test_settings_default_to_sqlite_in_the_data_folder(tmp_path):
    settings = Settings(data_dir=tmp_path)
    assert settings.database_url == f"sqlite:///{tmp_path.resolve()}/server.db"
