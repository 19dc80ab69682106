"""Re-pinning planned work: a checklist's planned stops on older versions move to a newer
published version in one action (library and `fieldaudit admin repin`); a stop a visit has
arrived for keeps its version; the phone's next pull carries the moved stops."""

from __future__ import annotations

import json
import re
from datetime import date, timedelta

import pytest
import yaml
from click.testing import CliRunner
from sqlalchemy import text

from field_app.domain.canonical import checklist_sha256
from field_app.domain.records import VisitRevision
from fieldaudit.cli import cli
from server_stub import admin, devices
from server_stub.errors import UnknownShopperError
from server_stub.queries import routes
from server_stub.repin import RepinVersionNotNewerError, RepinVersionUnknownError, repin
from server_stub.settings import Settings
from server_stub.store import open_store
from server_stub.visits import put_revision

from samples import SHOWROOM, checklist
from server_support import new_uuid, publish_mini, revision, seed_dealers

TODAY = date(2026, 11, 22)  # the test clock's day (samples.DEMO_NOW)
MINI_2 = checklist(SHOWROOM | {"version": 2, "title": "Мини-визит, версия 2"})
MINI_3 = checklist(SHOWROOM | {"version": 3, "title": "Мини-визит, версия 3"})


def publish_two(store) -> None:
    """The mini checklist in versions 1 and 2, and two dealerships."""
    publish_mini(store)
    store.catalog.publish(MINI_2, store.now())
    seed_dealers(store, "D1", "D2")


def versions(store) -> dict[str, int]:
    with store.db.read() as conn:
        rows = conn.execute(text("SELECT id, checklist_version FROM assignments"))
        return {r.id: r.checklist_version for r in rows}


def cursor(store) -> int:
    with store.db.read() as conn:
        return routes.current_change(conn)


def plan(store, shopper_id: str, day: date, reference: str = "mini_showroom@1", dealer: str = "D1") -> str:
    return admin.assign(store, shopper_id, day, dealer, reference).assignment_id


def receive_visit(store, shopper_id: str, assignment_id: str) -> None:
    """A visit of the stop stored on the server, as a paired phone sends it."""
    code = admin.new_pairing_code(store, shopper_id)
    devices.pair(store, code.pairing_code, "Pixel 8")
    device = admin.list_devices(store, shopper_id)[-1]
    put_revision(store, device, new_uuid(), VisitRevision.model_validate(revision(assignment_id=assignment_id)))


@pytest.fixture
def planned(server_store):
    """Anna's and Boris's stops around today, of the mini checklist and another one."""
    store = server_store
    publish_two(store)
    anna = admin.create_shopper(store, "Анна").shopper_id
    boris = admin.create_shopper(store, "Борис").shopper_id
    stops = {
        "today": plan(store, anna, TODAY),
        "tomorrow": plan(store, anna, TODAY + timedelta(days=1), dealer="D2"),
        "yesterday": plan(store, anna, TODAY - timedelta(days=1)),
        "visited": plan(store, anna, TODAY, dealer="D2"),
        "withdrawn": plan(store, anna, TODAY + timedelta(days=2)),
        "on_2": plan(store, anna, TODAY + timedelta(days=3), "mini_showroom@2"),
        "other_checklist": plan(store, anna, TODAY, "showroom_visit@1"),
        "boris": plan(store, boris, TODAY + timedelta(days=1)),
    }
    receive_visit(store, anna, stops["visited"])
    admin.withdraw_assignment(store, stops["withdrawn"])
    return store, anna, boris, stops


# --- the library -----------------------------------------------------------------------

def test_unstarted_stops_from_today_on_move_and_started_past_and_other_stops_stay(planned):
    store, _anna, _boris, stops = planned
    before = versions(store)
    seq = cursor(store)

    moved = repin(store, "mini_showroom", 2)

    assert sorted(moved.assignment_ids) == sorted([stops["today"], stops["tomorrow"], stops["boris"]])
    assert (moved.count, moved.from_day, moved.shopper_id, moved.dry_run) == (3, TODAY, None, False)
    after = versions(store)
    assert {k: after[v] for k, v in stops.items()} == {
        "today": 2, "tomorrow": 2, "boris": 2,
        "yesterday": 1,  # in the past: the plan as it was sent
        "visited": 1,  # a visit arrived for it: filled against version 1
        "withdrawn": 1, "on_2": 2, "other_checklist": 1,
    }
    assert {k: v for k, v in after.items() if v != before[k]}.keys() == set(moved.assignment_ids)
    assert cursor(store) == seq + 1
    # Again: nothing left to move.
    assert repin(store, "mini_showroom", 2).count == 0


def test_from_an_earlier_day_and_for_one_shopper(planned):
    store, anna, boris, stops = planned

    only_boris = repin(store, "mini_showroom", 2, shopper_id=boris)
    assert only_boris.assignment_ids == [stops["boris"]]
    assert versions(store)[stops["today"]] == 1

    with_the_past = repin(store, "mini_showroom", 2, from_day=TODAY - timedelta(days=1), shopper_id=anna)
    assert sorted(with_the_past.assignment_ids) == sorted([stops["yesterday"], stops["today"], stops["tomorrow"]])
    assert versions(store)[stops["visited"]] == 1

    later = repin(store, "mini_showroom", 2, from_day=TODAY + timedelta(days=10))
    assert later.count == 0 and later.from_day == TODAY + timedelta(days=10)


def test_a_dry_run_counts_the_same_stops_and_changes_nothing(planned):
    store, _anna, _boris, stops = planned
    before, seq = versions(store), cursor(store)

    counted = repin(store, "mini_showroom", 2, dry_run=True)

    assert counted.dry_run and counted.count == 3
    assert versions(store) == before and cursor(store) == seq
    assert sorted(repin(store, "mini_showroom", 2).assignment_ids) == sorted(counted.assignment_ids)


def test_only_stops_on_lower_versions_move(planned):
    store, anna, _boris, stops = planned
    store.catalog.publish(MINI_3, store.now())
    plan(store, anna, TODAY + timedelta(days=4), "mini_showroom@3")

    moved = repin(store, "mini_showroom", 2)

    assert stops["on_2"] not in moved.assignment_ids
    assert sorted(v for v in versions(store).values()) == sorted([2, 2, 1, 1, 1, 2, 1, 2, 3])
    assert repin(store, "mini_showroom", 3).count == 4  # today, tomorrow, boris, on_2


@pytest.mark.parametrize(("checklist_id", "version", "refusal", "message"), [
    ("mini_showroom", 9, RepinVersionUnknownError, "no published checklist mini_showroom@9 (published versions: 1, 2)"),
    ("nothing_like_it", 2, RepinVersionUnknownError, "published versions: none"),
    ("mini_showroom", 1, RepinVersionNotNewerError, "mini_showroom@1 is the oldest published version"),
])
def test_an_unknown_or_oldest_version_is_refused_and_nothing_moves(planned, checklist_id, version, refusal, message):
    store, _anna, _boris, _stops = planned
    before, seq = versions(store), cursor(store)
    for dry_run in (True, False):
        with pytest.raises(refusal, match=re.escape(message)):
            repin(store, checklist_id, version, dry_run=dry_run)
    assert versions(store) == before and cursor(store) == seq


def test_an_unknown_shopper_is_refused(planned):
    store, *_ = planned
    before = versions(store)
    with pytest.raises(UnknownShopperError):
        repin(store, "mini_showroom", 2, shopper_id="sh_nobody")
    assert versions(store) == before


def test_the_admin_library_offers_it():
    assert admin.repin is repin and "repin" in admin.__all__


# --- the phone's pull ------------------------------------------------------------------

def pull(shopper, since: str | None = None) -> dict:
    answer = shopper.client.get("/sync/pull", params={"since": since} if since is not None else None)
    assert answer.status_code == 200, answer.text
    return answer.json()


def test_the_next_pull_carries_the_moved_stops_and_the_new_versions_stamp(live_server):
    store = live_server.store
    publish_two(store)
    anna, boris = live_server.shopper("Анна"), live_server.shopper("Борис")
    first = plan(store, anna.id, TODAY)
    second = plan(store, anna.id, TODAY + timedelta(days=1), dealer="D2")
    visited = plan(store, anna.id, TODAY, dealer="D2")
    boris_stop = plan(store, boris.id, TODAY)
    sent = anna.client.put(f"/visits/{new_uuid()}", json=revision(assignment_id=visited))
    assert sent.status_code == 200, sent.text
    anna_cursor, boris_cursor = pull(anna)["cursor"], pull(boris)["cursor"]

    assert repin(store, "mini_showroom", 2, shopper_id=anna.id).count == 2

    changes = pull(anna, anna_cursor)
    assert {a["id"]: a["checklist_version"] for a in changes["assignments"]} == {first: 2, second: 2}
    assert {(c["id"], c["version"]): c["sha256"] for c in changes["checklists"]} == {
        ("mini_showroom", 2): checklist_sha256(MINI_2)}
    assert changes["removed_assignments"] == []
    assert {d["code"] for d in changes["dealerships"]} == {"D1", "D2"}
    assert pull(anna, changes["cursor"])["assignments"] == []
    # The whole route: the visited stop stays on version 1.
    whole = {a["id"]: a["checklist_version"] for a in pull(anna)["assignments"]}
    assert whole == {first: 2, second: 2, visited: 1}
    # Boris's stops were not asked for: nothing changed for him.
    assert pull(boris, boris_cursor)["assignments"] == []
    assert versions(store)[boris_stop] == 1


# --- fieldaudit admin repin ------------------------------------------------------------

@pytest.fixture
def cli_env(tmp_path, server_db):
    options = ["--data", str(tmp_path / "data")]
    if server_db:
        options += ["--db", server_db]
    return options


@pytest.fixture
def cli_store(tmp_path, server_db, cli_env):
    with open_store(Settings(data_dir=tmp_path / "data", db_url=server_db)) as opened:
        yield opened


def run(*args: str):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def test_the_command_counts_in_a_dry_run_then_moves(cli_env, cli_store, tmp_path):
    store = cli_store
    seed_dealers(store, "D1")
    for version in (1, 2):
        path = tmp_path / f"mini_{version}.yaml"
        path.write_text(yaml.safe_dump(SHOWROOM | {"version": version}, allow_unicode=True), encoding="utf-8")
        assert run("admin", "publish-checklist", str(path), *cli_env).exit_code == 0
    anna = admin.create_shopper(store, "Анна").shopper_id
    boris = admin.create_shopper(store, "Борис").shopper_id
    past = plan(store, anna, date(2020, 1, 1))  # the command's today is the real one
    future = plan(store, anna, date(2099, 1, 1))
    boris_stop = plan(store, boris, date(2099, 1, 1))

    dry = run("admin", "repin", "mini_showroom", "--to-version", "2", "--shopper", anna, "--dry-run", *cli_env)
    assert dry.exit_code == 0, dry.output
    assert dry.output.strip().startswith(f"1 planned stop(s) of {anna} from ")
    assert dry.output.strip().endswith(" on would move to mini_showroom@2")
    assert versions(store)[future] == 1

    moved = run("admin", "repin", "mini_showroom", "--to-version", "2", "--from", "2019-12-31", "--json", *cli_env)
    assert moved.exit_code == 0, moved.output
    body = json.loads(moved.output)
    assert body["count"] == 3 and sorted(body["assignment_ids"]) == sorted([past, future, boris_stop])
    assert (body["from_day"], body["shopper_id"], body["dry_run"], body["to_version"]) == (
        "2019-12-31", None, False, 2)
    assert set(versions(store).values()) == {2}
    again = run("admin", "repin", "mini_showroom", "--to-version", "2", *cli_env)
    assert again.exit_code == 0 and again.output.startswith("0 planned stop(s) from ")


@pytest.mark.parametrize(("args", "message"), [
    (["mini_showroom", "--to-version", "9"], "no published checklist mini_showroom@9"),
    (["mini_showroom", "--to-version", "1"], "oldest published version"),
    (["mini_showroom", "--to-version", "2", "--from", "22.11.2026"], "YYYY-MM-DD"),
    (["mini_showroom", "--to-version", "2", "--shopper", "sh_nobody"], "no shopper 'sh_nobody'"),
])
def test_the_command_refuses_clearly(cli_env, cli_store, args, message):
    publish_mini(cli_store)
    cli_store.catalog.publish(MINI_2, cli_store.now())
    result = run("admin", "repin", *args, *cli_env)
    assert result.exit_code == 1, result.output
    assert message in result.output


def test_the_command_has_help():
    assert "repin" in run("admin", "--help").output
    page = run("admin", "repin", "--help").output
    for option in ("--to-version", "--from", "--shopper", "--dry-run", "--data", "--db", "--json"):
        assert option in page
    assert "keeps its version" in page
