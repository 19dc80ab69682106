"""`fieldaudit server` and `fieldaudit admin ...`: each command opens the store, calls one
library function (`admin.py`), and turns a named error into a message and exit code 1.

Only click is imported up front: the server's own modules (FastAPI, SQLAlchemy) load
when a command runs, so `fieldaudit app` starts fast, and an install without the `server`
extra says what to install instead of a traceback.
"""

from __future__ import annotations

import functools
import json
import sys
from collections.abc import Callable
from datetime import timedelta
from importlib.util import find_spec
from pathlib import Path
from typing import Any

import click

DEFAULT_DATA = Path("data/server")
# What the `server` extra brings (import names); psycopg only matters for PostgreSQL.
SERVER_MODULES = ("fastapi", "uvicorn", "starlette", "sqlalchemy", "jinja2", "multipart", "segno")
SERVER_MISSING = "the sync server is not installed here: pip install 'fieldaudit[server]'"


def require_server() -> None:
    """Stop with one line naming the extra when the server's packages are missing."""
    if any(find_spec(name) is None for name in SERVER_MODULES):
        raise click.ClickException(SERVER_MISSING)


def store_options(command: Callable) -> Callable:
    """`--data DIR` and `--db URL`, the same on every command."""
    command = click.option(
        "--db", "db_url", envvar="FIELDAUDIT_DB_URL", show_envvar=True, default=None, metavar="URL",
        help="Database URL, e.g. postgresql://user@host:5432/db (default: SQLite in the data folder).",
    )(command)
    command = click.option(
        "--data", "data_dir", envvar="FIELDAUDIT_SERVER_DATA", show_envvar=True, default=DEFAULT_DATA, show_default=True,
        type=click.Path(file_okay=False, path_type=Path),
        help="Folder of the server's data: photos, uploads, and server.db when no --db is given.",
    )(command)
    return command


def valid_days_option(command: Callable) -> Callable:
    return click.option("--valid-days", type=click.FloatRange(min=0, min_open=True), default=7, show_default=True,
                        help="How long the pairing code works.")(command)


def json_option(command: Callable) -> Callable:
    return click.option("--json", "as_json", is_flag=True, help="Print one JSON object instead of text.")(command)


def _settings(data_dir: Path, db_url: str | None, **extra: Any):
    from .settings import Settings

    return Settings(data_dir=data_dir, db_url=db_url, **extra)


def _refusals() -> tuple[type[BaseException], ...]:
    from field_app.domain.errors import DomainError

    from .errors import ServerError

    return ServerError, DomainError, OSError


def with_store(command: Callable) -> Callable:
    """Open the store for the command and turn a named error into a clean exit 1."""

    @functools.wraps(command)
    def wrapper(data_dir: Path, db_url: str | None, **kwargs: Any) -> None:
        from .store import open_store

        try:
            with open_store(_settings(data_dir, db_url)) as store:
                command(store, **kwargs)
        except _refusals() as exc:
            raise click.ClickException(str(exc)) from None

    return wrapper


def emit(as_json: bool, data: dict, text: str) -> None:
    click.echo(json.dumps(data, ensure_ascii=False) if as_json else text)


@click.command()
@store_options
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8000, show_default=True, type=int, help="Port to listen on.")
@click.option("--access-log", is_flag=True,
              help="Log a line per request (refusals and errors are logged without it).")
def server(data_dir: Path, db_url: str | None, host: str, port: int, access_log: bool) -> None:
    """Run the sync server (one worker). On start it migrates the database and publishes
    the shipped checklists that it lacks."""
    require_server()
    from .serve import serve

    try:
        serve(_settings(data_dir, db_url), host=host, port=port, access_log=access_log)
    except _refusals() as exc:
        raise click.ClickException(str(exc)) from None


@click.group()
def admin() -> None:
    """Coordinators, shoppers, devices, dealerships, routes, checklists and the production calendar of a server."""
    require_server()


@admin.command("create-coordinator")
@click.argument("username")
@store_options
@json_option
@with_store
def create_coordinator(store, username: str, as_json: bool) -> None:
    """Add a console user; the password is read from stdin (typed twice on a terminal)."""
    from .admin import create_coordinator as create

    stdin = sys.stdin
    if stdin.isatty():
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True, err=True)
    else:
        password = stdin.readline().rstrip("\r\n")
    coordinator = create(store, username, password)
    emit(as_json, {"coordinator_id": coordinator.id, "username": coordinator.username},
         f"coordinator {coordinator.username} created ({coordinator.id})")


@admin.command("create-shopper")
@click.argument("name")
@click.option("--city", default="", help="Where the shopper works: lists show it to tell namesakes apart.")
@valid_days_option
@store_options
@json_option
@with_store
def create_shopper(store, name: str, city: str, valid_days: float, as_json: bool) -> None:
    """Add a shopper (a name of at most 200 characters); prints their id and a one-time
    pairing code for their phone."""
    from .admin import create_shopper as create

    code = create(store, name, timedelta(days=valid_days), city=city)
    emit(as_json, _code_json(code), f"shopper {code.shopper_id}\npairing code {code.pairing_code} "
                                    f"(single use, valid until {code.expires_at:%Y-%m-%d %H:%M} UTC)")


@admin.command("pairing-code")
@click.argument("shopper_id")
@valid_days_option
@store_options
@json_option
@with_store
def pairing_code(store, shopper_id: str, valid_days: float, as_json: bool) -> None:
    """Make a new pairing code for a shopper (their older unused codes stop working)."""
    from .admin import new_pairing_code

    code = new_pairing_code(store, shopper_id, timedelta(days=valid_days))
    emit(as_json, _code_json(code),
         f"pairing code {code.pairing_code} (single use, valid until {code.expires_at:%Y-%m-%d %H:%M} UTC)")


def _code_json(code) -> dict:
    return {"shopper_id": code.shopper_id, "pairing_code": code.pairing_code,
            "expires_at": code.as_json()["expires_at"]}


@admin.command("revoke-device")
@click.argument("device_id")
@store_options
@json_option
@with_store
def revoke_device(store, device_id: str, as_json: bool) -> None:
    """Unpair a phone: its token stops working at once."""
    from .admin import revoke_device as revoke

    device = revoke(store, device_id)
    emit(as_json, {"device_id": device.id, "revoked_at": device.as_json()["revoked_at"]},
         f"device {device.id} ({device.name}, {device.shopper_name}) revoked")


@admin.command("import-dealers")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@store_options
@json_option
@with_store
def import_dealers(store, file: Path, as_json: bool) -> None:
    """Add or update dealerships from a CSV with a header row: code, name, brand, city,
    address, phone, lat, lon, timezone (an IANA zone such as Asia/Vladivostok; empty:
    Europe/Moscow). A file with a bad row imports nothing; every bad row is reported
    with its line number."""
    from .admin import import_dealers as run_import

    report = run_import(store, file)
    emit(as_json, report.as_json(),
         f"{report.inserted} added, {report.updated} updated, {report.unchanged} unchanged")


@admin.command("import-routes")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Only check the file and show its warnings; plan nothing.")
@store_options
@json_option
@with_store
def import_routes(store, file: Path, dry_run: bool, as_json: bool) -> None:
    """Plan many shoppers' stops from a CSV or XLSX file with a
    header row: shopper (id, or a name one active shopper has), date (YYYY-MM-DD or
    DD.MM.YYYY, today or later), dealer (code), checklist (id), version (empty: the
    newest), window (HH:MM-HH:MM, may be empty), note. A file with a bad row (unknown or
    deactivated shopper or dealership, unknown checklist version, a past day, a bad or
    overlapping window, a stop twice) plans nothing; every bad row is reported with its
    line number. Repeats within 30 days and the same dealership twice a day are warnings.
    Phones get the new stops on their next sync."""
    from .route_import import import_routes as run_import

    report = run_import(store, file.read_bytes(), file.name, dry_run=dry_run)
    lines = [f"line {w.line}: warning: {w.message}" for w in report.warnings]
    verb = "would be planned (dry run: nothing saved)" if dry_run else "planned"
    lines.append(f"{report.stops} stops for {report.shoppers} shoppers on {report.days} days {verb}"
                 + (f"; {len(report.warnings)} lines with warnings" if report.warnings else ""))
    emit(as_json, report.as_json(), "\n".join(lines))


@admin.command("import-calendar")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@store_options
@json_option
@with_store
def import_calendar(store, file: Path, as_json: bool) -> None:
    """Import a year's production calendar decree (its transfers of days off) from a JSON
    file: {"year": 2027, "source": "...", "transfers": [{"from": "2027-01-02", "to":
    "2027-05-03"}]}, or several as {"years": [...]}. Weekends and the holidays of Labour
    Code article 112 are computed, not listed. A year imported again replaces the one
    before; a file with any error imports nothing. Follow-ups count working days by it
    from now on, and phones receive it on their next sync."""
    from .calendars import import_calendar as run_import

    imported = run_import(store, file)
    emit(as_json, {"years": [y.as_json() for y in imported]}, "\n".join(_imported_year(y) for y in imported))


def _imported_year(year) -> str:
    if year.replaced_import_of is not None:
        what = f"imported, replacing the one imported on {year.replaced_import_of:%Y-%m-%d %H:%M} UTC"
    elif year.replaced_shipped:
        what = "imported, in place of the decree shipped with the server"
    else:
        what = "imported"
    source = f" ({year.source})" if year.source else ""
    return f"{year.year}{source} {what}: {year.transfers} transfer(s), {year.working_days} working days"


@admin.command("assign")
@click.option("--shopper", "shopper_id", required=True, help="The shopper's id.")
@click.option("--date", "day", required=True, metavar="YYYY-MM-DD", help="The day of the visit or call.")
@click.option("--dealer", "dealer_code", required=True, help="The dealership's code.")
@click.option("--checklist", required=True, metavar="ID[@VERSION]",
              help="The checklist; without @VERSION its newest published version.")
@click.option("--order", "position", type=int, default=None, help="Place in the day's route (default: last).")
@click.option("--window", default=None, metavar="HH:MM-HH:MM", help="When to go (or call).")
@click.option("--note", default="", help="A note for the shopper.")
@store_options
@json_option
@with_store
def assign(store, shopper_id: str, day: str, dealer_code: str, checklist: str, position: int | None,
           window: str | None, note: str, as_json: bool) -> None:
    """Put a dealership on a shopper's route for a day; prints the assignment id."""
    from .admin import assign as run_assign, parse_day

    plan = run_assign(store, shopper_id, parse_day(day), dealer_code, checklist, position, window, note)
    emit(as_json, plan.as_json(),
         f"{plan.assignment_id}: {plan.day} #{plan.position} {plan.dealer_code} "
         f"{plan.checklist_id}@{plan.checklist_version}")


@admin.command("unassign")
@click.argument("assignment_id")
@store_options
@json_option
@with_store
def unassign(store, assignment_id: str, as_json: bool) -> None:
    """Take a stop off a route; the phone drops it on its next sync."""
    from .admin import withdraw_assignment

    withdraw_assignment(store, assignment_id)
    emit(as_json, {"assignment_id": assignment_id, "removed": True}, f"{assignment_id} removed")


@admin.command("publish-checklist")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@store_options
@json_option
@with_store
def publish_checklist(store, file: Path, as_json: bool) -> None:
    """Publish a checklist version. The same id and version with other content is
    refused; publishing identical content again changes nothing."""
    from .admin import publish_checklist as publish

    result = publish(store, file)
    state = "published" if result.created else "already published"
    emit(as_json, result.as_json(), f"{result.id}@{result.version} {state} (sha256 {result.sha256})")


@admin.command("repin")
@click.argument("checklist_id")
@click.option("--to-version", "to_version", required=True, type=click.IntRange(min=1), metavar="N",
              help="The published version to move the planned stops to.")
@click.option("--from", "from_day", default=None, metavar="YYYY-MM-DD",
              help="Move stops of this day and later (default: today). An earlier day also moves past "
                   "stops no visit has arrived for.")
@click.option("--shopper", "shopper_id", default=None, metavar="ID",
              help="Move only this shopper's stops (default: everyone's).")
@click.option("--dry-run", is_flag=True, help="Only count the stops that would move; change nothing.")
@store_options
@json_option
@with_store
def repin(store, checklist_id: str, to_version: int, from_day: str | None, shopper_id: str | None,
          dry_run: bool, as_json: bool) -> None:
    """Move the planned stops of a checklist on older versions to version N in one go.
    A stop a visit has arrived for keeps its version; phones get the moved stops on
    their next sync."""
    from .admin import parse_day, repin as run_repin

    result = run_repin(store, checklist_id, to_version, from_day=parse_day(from_day) if from_day else None,
                       shopper_id=shopper_id, dry_run=dry_run)
    whose = f" of {result.shopper_id}" if result.shopper_id else ""
    verb = "would move" if dry_run else "moved"
    emit(as_json, result.as_json(), f"{result.count} planned stop(s){whose} from {result.from_day} on {verb} to "
                                    f"{result.checklist_id}@{result.to_version}")


# --- renaming and deactivating shoppers and dealerships (issue 16) -----------------------

@admin.command("rename-shopper")
@click.argument("shopper_id")
@click.argument("name")
@click.option("--city", default=None, help="A new city too (an empty string clears it; default: kept).")
@store_options
@json_option
@with_store
def rename_shopper(store, shopper_id: str, name: str, city: str | None, as_json: bool) -> None:
    """Give a shopper a new name (at most 200 characters) and, with --city, a new city.
    Visits, reports and exports show the new name; a phone paired already shows it once
    paired again."""
    from .admin import rename_shopper as rename

    shopper = rename(store, shopper_id, name, city)
    emit(as_json, {"shopper_id": shopper.id, "name": shopper.name, "city": shopper.city},
         f"{shopper.id} is now {shopper.label}")


@admin.command("deactivate-shopper")
@click.argument("shopper_id")
@click.option("--dry-run", is_flag=True, help="Only count the phones and stops it would touch; change nothing.")
@store_options
@json_option
@with_store
def deactivate_shopper(store, shopper_id: str, dry_run: bool, as_json: bool) -> None:
    """Deactivate a shopper: their phones are revoked at once (visits not sent from them
    yet will not arrive), their unused pairing codes end, and their route stops from today
    on with no visit yet are withdrawn. They stay in visits, reports and exports, and
    leave the console's pickers and route board; nothing new can be planned for them."""
    from .admin import deactivate_shopper as deactivate

    done = deactivate(store, shopper_id, dry_run=dry_run)
    emit(as_json, done.as_json(), _deactivation_text("shopper", done))


@admin.command("reactivate-shopper")
@click.argument("shopper_id")
@store_options
@json_option
@with_store
def reactivate_shopper(store, shopper_id: str, as_json: bool) -> None:
    """Put a deactivated shopper back to work. Withdrawn stops do not come back, and their
    phone needs a new pairing code (fieldaudit admin pairing-code)."""
    from .admin import reactivate_shopper as reactivate

    shopper = reactivate(store, shopper_id)
    emit(as_json, {"shopper_id": shopper.id, "active": shopper.active}, f"shopper {shopper.label} is active")


@admin.command("rename-dealer")
@click.argument("code")
@click.argument("name")
@store_options
@json_option
@with_store
def rename_dealer(store, code: str, name: str, as_json: bool) -> None:
    """Give a dealership a new name (at most 200 characters; its code stays). Phones with
    it on their route get the name on their next sync. Other details change through
    import-dealers or the console's edit page."""
    from .admin import rename_dealer as rename

    dealer = rename(store, code, name)
    emit(as_json, {"code": dealer.code, "name": dealer.name}, f"{dealer.code} is now {dealer.name}")


@admin.command("deactivate-dealer")
@click.argument("code")
@click.option("--dry-run", is_flag=True, help="Only count the stops it would withdraw; change nothing.")
@store_options
@json_option
@with_store
def deactivate_dealer(store, code: str, dry_run: bool, as_json: bool) -> None:
    """Deactivate a dealership: every shopper's route stops there from today on with no
    visit yet are withdrawn (a phone keeps one whose visit has begun, and that visit still
    arrives). It stays in visits, reports and exports, and leaves the console's pickers;
    no visit can be planned there."""
    from .admin import deactivate_dealer as deactivate

    done = deactivate(store, code, dry_run=dry_run)
    emit(as_json, done.as_json(), _deactivation_text("dealership", done))


@admin.command("reactivate-dealer")
@click.argument("code")
@store_options
@json_option
@with_store
def reactivate_dealer(store, code: str, as_json: bool) -> None:
    """Put a deactivated dealership back to work. Withdrawn stops do not come back."""
    from .admin import reactivate_dealer as reactivate

    row = reactivate(store, code)
    emit(as_json, {"code": row.dealer.code, "active": row.active}, f"dealership {row.dealer.code} is active")


@admin.command("set-radius")
@click.argument("code")
@click.argument("metres", metavar="METRES|default")
@store_options
@json_option
@with_store
def set_radius(store, code: str, metres: str, as_json: bool) -> None:
    """Say how far a dealership reaches for its visits' flags: METRES from its pin (50 to
    5000), or `default` for the server's 300 m. A location fix farther than that, beyond
    its accuracy, flags the visit. Flags already raised keep the radius they were computed
    with; visits that arrive from now on use the new one."""
    from .admin import set_dealer_radius
    from .errors import InvalidInputError
    from .evidence import DEFAULT_RADIUS_M

    if metres.strip().lower() == "default":
        radius_m = None
    else:
        try:
            radius_m = float(metres)
        except ValueError:
            raise InvalidInputError(f"The radius is a number of metres or 'default', not {metres!r}.") from None
    changed = set_dealer_radius(store, code, radius_m)
    shown = f"{radius_m:g} m" if radius_m is not None else f"the default {DEFAULT_RADIUS_M:g} m"
    emit(as_json, {"code": code, "radius_m": radius_m, "default_m": DEFAULT_RADIUS_M, "changed": changed},
         f"dealership {code} reaches {shown}" + ("" if changed else " (unchanged)"))


def _deactivation_text(what: str, done) -> str:
    if not done.changed and not done.dry_run:
        return f"{what} {done.name} ({done.who}) was deactivated already: nothing changed"
    verb = "would be" if done.dry_run else "were"
    phones = f"{done.devices_revoked} phone(s) revoked, " if what == "shopper" else ""
    whose = f" of {done.shoppers_affected} shopper(s)" if what == "dealership" else ""
    state = "would be deactivated" if done.dry_run else "deactivated"
    return (f"{what} {done.name} ({done.who}) {state}: {phones}{done.stops_withdrawn} stop(s){whose} from today on "
            f"{verb} withdrawn")
